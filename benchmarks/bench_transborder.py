"""Benchmark: ingest every BTS TransBorder monthly zip, against DuckDB's floor and pandas.

Run with ``make bench-transborder`` (or ``python benchmarks/bench_transborder.py``). In one run it
measures, each in its own subprocess (so peak RSS is per process, from ``os.wait4``):

(a) ``norte ingest`` of the whole tree ``../shared/data/transborder/raw`` into a fresh store;
(b) the floor: unzip the monthly files and DuckDB ``read_csv`` them, column types given
    explicitly, into three plain tables dot1/dot2/dot3 of a DuckDB file;
(c) pandas: ``read_csv(dtype=str)`` of each monthly file straight from the zips, concat per
    table, write Parquet;

and writes (replaces) the "TransBorder ingest" section of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RAW = (REPO.parent / "shared" / "data" / "transborder" / "raw").resolve()
DOC = REPO / "docs" / "benchmarks.md"
SECTION = "## TransBorder ingest"

TYPES = {
    "TRDTYPE": "VARCHAR",
    "USASTATE": "VARCHAR",
    "DEPE": "VARCHAR",
    "COMMODITY2": "VARCHAR",
    "DISAGMOT": "VARCHAR",
    "MEXSTATE": "VARCHAR",
    "CANPROV": "VARCHAR",
    "COUNTRY": "VARCHAR",
    "VALUE": "BIGINT",
    "SHIPWT": "BIGINT",
    "FREIGHT_CHARGES": "BIGINT",
    "DF": "VARCHAR",
    "CONTCODE": "VARCHAR",
    "MONTH": "INTEGER",
    "YEAR": "INTEGER",
}

# Monthly data files: dotN_MMYY.csv (not *_ytd_*, not the annual dotN_YYYY.csv).
MONTHLY = r"^dot[123]_(0[1-9]|1[0-2])[0-9][0-9]\.csv$"

FLOOR = textwrap.dedent(
    f"""
    import re, sys, zipfile, tempfile, duckdb
    from pathlib import Path
    raw, db = Path(sys.argv[1]), sys.argv[2]
    types = {TYPES!r}
    with tempfile.TemporaryDirectory() as tmp:
        files = {{"dot1": [], "dot2": [], "dot3": []}}
        for z in sorted(raw.rglob("*.zip")):
            with zipfile.ZipFile(z) as zf:
                for n in zf.namelist():
                    if re.match({MONTHLY!r}, n, re.I):
                        out = Path(tmp) / f"{{z.stem}}_{{n}}"
                        out.write_bytes(zf.read(n))
                        files[n[:4].lower()].append(str(out))
        con = duckdb.connect(db)
        con.execute("SET enable_progress_bar = false")
        total = 0
        for table, paths in files.items():
            header = open(paths[0]).readline().strip().split(",")
            spec = "{{" + ", ".join(f"'{{c}}': '{{types[c]}}'" for c in header) + "}}"
            con.execute(f"CREATE TABLE {{table}} AS SELECT * FROM read_csv({{paths!r}}, "
                        f"header=true, auto_detect=false, columns={{spec}})")
            total += con.execute(f"SELECT count(*) FROM {{table}}").fetchall()[0][0]
        con.close()
    print(total)
    """  # noqa: S608 - the benchmark's own SQL, no outside input
)

# (d) The floor with norte's trick: members copied still compressed as .csv.gz (the zip's
# deflate stream between a gzip header and trailer), inflated by DuckDB while it reads.
FLOOR_GZ = FLOOR.replace(
    "out.write_bytes(zf.read(n))",
    "out = out.with_name(out.name + '.gz'); info = zf.getinfo(n); fh = open(z, 'rb'); "
    "fh.seek(info.header_offset); h = fh.read(30); "
    "fh.seek(info.header_offset + 30 + int.from_bytes(h[26:28], 'little') "
    "+ int.from_bytes(h[28:30], 'little')); "
    "out.write_bytes(bytes.fromhex('1f8b08000000000000ff') + fh.read(info.compress_size) "
    "+ info.CRC.to_bytes(4, 'little') + (info.file_size & 0xFFFFFFFF).to_bytes(4, 'little'))",
).replace(
    "header = open(paths[0]).readline()",
    "import gzip; header = gzip.open(paths[0], 'rt').readline()",
)
assert FLOOR_GZ.count(".gz") >= 1 and "gzip.open" in FLOOR_GZ

PANDAS = textwrap.dedent(
    f"""
    import re, sys, zipfile
    from pathlib import Path
    import pandas as pd
    raw, out = Path(sys.argv[1]), Path(sys.argv[2])
    frames = {{"dot1": [], "dot2": [], "dot3": []}}
    for z in sorted(raw.rglob("*.zip")):
        with zipfile.ZipFile(z) as zf:
            for n in zf.namelist():
                if re.match({MONTHLY!r}, n, re.I):
                    with zf.open(n) as f:
                        frames[n[:4].lower()].append(pd.read_csv(f, dtype=str))
    total = 0
    for table, parts in frames.items():
        df = pd.concat(parts, ignore_index=True)
        df.to_parquet(out / f"{{table}}.parquet")
        total += len(df)
    print(total)
    """
)


PHASES = textwrap.dedent(
    """
    import datetime as dt, json, resource, sys, tempfile, time
    from pathlib import Path
    t, c = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF).ru_utime
    from norte.sources import transborder as tb
    from norte.store import Store
    raw, db = Path(sys.argv[1]), sys.argv[2]
    wall, cpu = {}, {}
    def tick(k, t, c):
        r = resource.getrusage(resource.RUSAGE_SELF)
        wall[k] = wall.get(k, 0.0) + time.perf_counter() - t
        cpu[k] = cpu.get(k, 0.0) + r.ru_utime + r.ru_stime - c
        return time.perf_counter(), r.ru_utime + r.ru_stime
    t, c = tick("import norte", t, c)
    store = Store(db)
    con = store.con
    t, c = tick("create the store (schema, code tables)", t, c)
    zips = sorted(raw.rglob("*.zip"))
    con.execute("BEGIN")
    con.execute("SET preserve_insertion_order = false")
    with tempfile.TemporaryDirectory() as tmp:
        planned = [tb._plan(z, files, notes)
                   for z, (files, notes) in zip(zips, tb._extract_all(zips, Path(tmp)))]
        t, c = tick("copy zip members as .csv.gz + read headers", t, c)
        targets = [(k + 1, info.vintage) for k, (info, _) in enumerate(planned)]
        groups = {}
        for k, (_, files) in enumerate(planned):
            for f in files:
                groups.setdefault((f.table, f.annual, tuple(f.header)), []).append((f, k))
        for members in groups.values():
            sql = tb._wide([f for f, _ in members], [targets[k] for _, k in members])
            con.execute(f"INSERT INTO {tb.WIDE_TABLE} {sql}").fetchall()
        t, c = tick("read_csv + decode + insert (one statement per layout)", t, c)
        assert tb._check(con, 1, len(zips)) == (None, None)
        t, c = tick("check (empty fields, key hash count)", t, c)
    con.execute("COMMIT")
    t, c = tick("commit", t, c)
    store._streamed = True  # as after a streamed load: Store.close bounds the checkpoint
    store.close()
    tick("close (checkpoint)", t, c)
    print(json.dumps({"wall": wall, "cpu": cpu}))
    """  # noqa: S608 - the benchmark's own SQL, no outside input
)


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB of the child, stdout) of one subprocess."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    # Read to EOF before reaping, then wait4 gives this child's own rusage.
    out = proc.stdout.read().decode()
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"benchmark step failed: {' '.join(cmd)}\n{err[-3000:]}")
    print(f"{cmd[1] if cmd[1] != '-c' else 'python -c ...'}: {wall:.1f} s", file=sys.stderr)
    return wall, usage.ru_maxrss / 1024, out


def median_run(runs: list[tuple[float, float, str]]) -> tuple[float, float, str]:
    """The run with the median wall time (odd run counts; RSS and output of that run)."""
    return sorted(runs)[len(runs) // 2]


def main() -> int:
    if not RAW.exists():
        sys.exit(f"{RAW} is missing: the benchmark needs ../shared/data beside the checkout")
    n_runs = int(os.environ.get("BENCH_RUNS", "3"))
    py = sys.executable
    runs_a: list[tuple[float, float, str]] = []
    runs_b: list[tuple[float, float, str]] = []
    runs_c: list[tuple[float, float, str]] = []
    runs_d: list[tuple[float, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="norte-bench-") as tmp:
        t = Path(tmp)
        env = dict(os.environ)
        env.pop("NORTE_DB", None)
        for i in range(n_runs):
            # (a), (b) and (c) back to back in each run, so machine load hits all three alike.
            for f in ("norte.duckdb", "norte.duckdb.wal", "floor.duckdb"):
                (t / f).unlink(missing_ok=True)
            store = str(t / "norte.duckdb")
            runs_a.append(run([py, "-m", "norte.cli", "--db", store, "ingest", str(RAW)], env))
            runs_b.append(run([py, "-c", FLOOR, str(RAW), str(t / "floor.duckdb")]))
            pq = t / f"pq{i}"
            pq.mkdir()
            runs_c.append(run([py, "-c", PANDAS, str(RAW), str(pq)]))
            (t / "floor_gz.duckdb").unlink(missing_ok=True)
            runs_d.append(run([py, "-c", FLOOR_GZ, str(RAW), str(t / "floor_gz.duckdb")]))
        a, b, c = median_run(runs_a), median_run(runs_b), median_run(runs_c)
        d_gz = median_run(runs_d)
        assert int(d_gz[2].split()[0]) == int(b[2].split()[0]), (b[2], d_gz[2])
        d = run([py, "-c", PHASES, str(RAW), str(t / "phases.duckdb")])
        phases = json.loads(d[2])
        rows = int(b[2].split()[0])
        assert int(c[2].split()[0]) == rows, (b[2], c[2])
        stored, wide = (
            subprocess.run(
                [py, "-m", "norte.cli", "--db", str(t / "norte.duckdb"), "query", "--json", sql],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            for sql in (
                "SELECT count(*) AS n FROM observations",
                "SELECT count(*) AS n FROM transborder_wide",
            )
        )
        store_mb = (t / "norte.duckdb").stat().st_size / 1e6
        floor_mb = (t / "floor.duckdb").stat().st_size / 1e6
    obs = int("".join(ch for ch in stored if ch.isdigit()) or 0)
    wide_rows = int("".join(ch for ch in wide if ch.isdigit()) or 0)
    lines = [
        SECTION,
        "",
        f"Measured {dt.date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}. Input: the 45 monthly zips of "
        f"`../shared/data/transborder/raw` ({rows:,} monthly rows). Reproduce with "
        "`make bench-transborder` (script `benchmarks/bench_transborder.py`; each step runs in its "
        f"own process, peak RSS from `os.wait4`; {n_runs} runs of (a), (b), (c), (d) back to back, "
        "the table gives the median run of each; `BENCH_RUNS=N` changes the count).",
        "",
        "| step | wall time (median) | all runs | rows/s | peak RSS |",
        "|---|---|---|---|---|",
    ]
    for label, (wall, rss, _), runs in (
        ("(a) `norte ingest` of the whole tree into a fresh store", a, runs_a),
        ("(b) floor: unzip + DuckDB `read_csv` (explicit types) into dot1/dot2/dot3", b, runs_b),
        ("(c) pandas `read_csv(dtype=str)` from the zips + concat + Parquet", c, runs_c),
        (
            "(d) floor with norte's trick: members copied as `.csv.gz`, DuckDB inflates",
            d_gz,
            runs_d,
        ),
    ):
        every = ", ".join(f"{r[0]:.1f}" for r in runs)
        lines.append(f"| {label} | {wall:.1f} s | {every} | {rows / wall:,.0f} | {rss:,.0f} MB |")
    ratio_ab = a[0] / b[0]
    ratio_ca = c[0] / a[0]
    pairs = ", ".join(f"{ra[0] / rb[0]:.2f}" for ra, rb in zip(runs_a, runs_b, strict=True))
    total_wall = sum(phases["wall"].values())
    total_cpu = sum(phases["cpu"].values())
    breakdown = "; ".join(
        f"{k} {phases['wall'][k]:.1f} s (CPU {phases['cpu'][k]:.1f} s)" for k in phases["wall"]
    )
    lines += [
        "",
        f"- a/b = **{ratio_ab:.2f}** from the medians (per run: {pairs}; target <= 1.5: "
        f"{'met' if ratio_ab <= 1.5 else 'NOT met'}); c/a = **{ratio_ca:.2f}**; peak RSS of (a) "
        f"{a[1]:,.0f} MB (target < 2,048 MB: {'met' if a[1] < 2048 else 'NOT met'}).",
        f"- a/d = **{a[0] / d_gz[0]:.2f}**: against the floor given the same `.csv.gz` trick "
        "(d), which is not the issue's floor, (a) costs this much more for its decoding, "
        "`detail`, load ids and vintages, key check, `loads` rows and store creation.",
        f"- (a) stores {wide_rows:,} rows in `transborder_wide` (one per raw row, monthly and "
        f"annual files, codes decoded, the three measures side by side), which the `observations` "
        f"view shows as {obs:,} observations (one row per measure; weight and freight only where "
        f"non-zero), in a {store_mb:,.0f} MB store; (b) writes {rows:,} raw rows in "
        f"{floor_mb:,.0f} MB.",
        f"- Where (a)'s time goes: the same steps as `norte ingest`, run by hand in one process "
        f"and timed (wall {total_wall:.1f} s, CPU {total_cpu:.1f} s on 2 cores): {breakdown}.",
        "- What made (a) fast (it took 15.6 s, a/b 3.32, before): all the zips of a command are "
        "one batch in one transaction (a command is atomic; each zip is still its own load, "
        "with its own `loads` row, sha256 and vintage), read by one multi-file `read_csv` per "
        "table layout so DuckDB reads the files in parallel, instead of 45 transactions of 3 "
        "single-file reads each (each commit also left partly filled row groups for the "
        "checkpoint to merge); zip members copied still compressed as .csv.gz for DuckDB to "
        "inflate (no Python inflate, no uncompressed copy: about 0.5 s); Ibis, pyarrow and "
        "pandas no longer "
        "imported by `norte ingest` (0.45 s) and the code tables synced without pyarrow (0.4 s).",
        "- Tried and dropped: storing the decoded codes as ENUM columns (`detail` split into its "
        "five parts, rebuilt by the view) gave identical observations but saved only ~0.15 s of "
        "the insert and made the key check ~0.2 s slower (more key columns), for a schema "
        "version bump and a type migration whenever a code list changes.",
        f"- Machine load at the end of the run: {os.getloadavg()[0]:.1f} (1-min average); other "
        "processes on a shared machine inflate all three steps.",
        "",
    ]
    write_section("\n".join(lines))
    print("\n".join(lines))
    return 0


def write_section(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    start = doc.find(SECTION)
    if start == -1:
        doc = doc.rstrip("\n") + "\n\n" + text
    else:
        nxt = doc.find("\n## ", start + len(SECTION))
        doc = doc[:start] + text + ("" if nxt == -1 else "\n" + doc[nxt + 1 :])
    DOC.write_text(doc.rstrip("\n") + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
