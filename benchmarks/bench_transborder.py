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


DECODE = textwrap.dedent(
    f"""
    import re, sys, zipfile, tempfile, time, duckdb
    from pathlib import Path
    from norte.sources import transborder as tb
    raw = Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for z in sorted(raw.rglob("*.zip")):
            with zipfile.ZipFile(z) as zf:
                for n in zf.namelist():
                    if re.match({MONTHLY!r}, n, re.I):
                        out = Path(tmp) / f"{{z.stem}}_{{n}}"
                        out.write_bytes(zf.read(n))
                        h = tb._header_of(out)
                        table, annual = tb._classify(str(out), h)
                        files.append(tb.DataFile(out, str(out), n, h, table, annual, 0, 0))
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        t0 = time.perf_counter()
        n = sum(con.execute(f"SELECT count(*) FROM ({{tb._select(f)}})").fetchall()[0][0]
                for f in files)
        print(n, time.perf_counter() - t0)
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


def main() -> int:
    if not RAW.exists():
        sys.exit(f"{RAW} is missing: the benchmark needs ../shared/data beside the checkout")
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="norte-bench-") as tmp:
        t = Path(tmp)
        env = dict(os.environ)
        env.pop("NORTE_DB", None)
        a = run([py, "-m", "norte.cli", "--db", str(t / "norte.duckdb"), "ingest", str(RAW)], env)
        b = run([py, "-c", FLOOR, str(RAW), str(t / "floor.duckdb")])
        (t / "pq").mkdir()
        c = run([py, "-c", PANDAS, str(RAW), str(t / "pq")])
        d = run([py, "-c", DECODE, str(RAW)])
        rows = int(b[2].split()[0])
        assert int(c[2].split()[0]) == rows, (b[2], c[2])
        stored = subprocess.run(
            [
                py,
                "-m",
                "norte.cli",
                "--db",
                str(t / "norte.duckdb"),
                "query",
                "--json",
                "SELECT count(*) AS n FROM observations",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        store_mb = (t / "norte.duckdb").stat().st_size / 1e6
        floor_mb = (t / "floor.duckdb").stat().st_size / 1e6
    obs = int("".join(ch for ch in stored if ch.isdigit()) or 0)
    lines = [
        SECTION,
        "",
        f"Measured {dt.date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}. Input: the 45 monthly zips of "
        f"`../shared/data/transborder/raw` ({rows:,} monthly rows). Reproduce with "
        "`make bench-transborder` (script `benchmarks/bench_transborder.py`; each step runs in its "
        "own process, peak RSS from `os.wait4`).",
        "",
        "| step | wall time | rows/s | peak RSS |",
        "|---|---|---|---|",
    ]
    for label, (wall, rss, _) in (
        ("(a) `norte ingest` of the whole tree into a fresh store", a),
        ("(b) floor: unzip + DuckDB `read_csv` (explicit types) into dot1/dot2/dot3", b),
        ("(c) pandas `read_csv(dtype=str)` from the zips + concat + Parquet", c),
    ):
        lines.append(f"| {label} | {wall:.1f} s | {rows / wall:,.0f} | {rss:,.0f} MB |")
    ratio_ab = a[0] / b[0]
    ratio_ca = c[0] / a[0]
    lines += [
        "",
        f"- a/b = **{ratio_ab:.2f}** (target <= 1.5: {'met' if ratio_ab <= 1.5 else 'NOT met'}); "
        f"c/a = **{ratio_ca:.2f}**; peak RSS of (a) {a[1]:,.0f} MB (target < 2,048 MB: "
        f"{'met' if a[1] < 2048 else 'NOT met'}).",
        f"- (a) stores {obs:,} observations (long format: one row per measure; weight and freight "
        f"rows only where non-zero, annual files as freq A) in a {store_mb:,.0f} MB store; "
        f"(b) writes {rows:,} wide rows in {floor_mb:,.0f} MB.",
        f"- Where (a)'s time goes: decoding alone (the same `read_csv` + code joins + one row per "
        f"measure, counted, not stored: {int(d[2].split()[0]):,} rows) takes "
        f"{float(d[2].split()[1]):.1f} s in this run, against {b[0]:.1f} s for (b) reading and "
        "storing the wide rows. The rest of (a) is writing the long rows into `observations` "
        f"(19 columns, {obs / rows:.1f} stored rows per raw row), the per-load key check, one "
        "transaction per "
        "zip (45 loads), and the checkpoint on close, which merges and recompresses the row "
        "groups the 45 loads appended. The long format is the structural cost: "
        f"(a) writes {obs / rows:.1f} times the rows of (b), each with more columns.",
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
