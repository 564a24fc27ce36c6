"""Benchmark: ``norte serve`` under load, with ``norte ingest`` writing during the second half.

Each *phase* is one run: a fresh copy of the store, its first snapshot, ``norte serve --workers
2``, then ``BENCH_CLIENTS`` (50) clients for ``BENCH_SECONDS`` (60 s) on a mix of API and page
requests; at half time ``norte ingest`` loads more files into the store being served (the
server reads snapshots and moves to the new one the ingest publishes). The phases run one after
the other in the same invocation, so "before" and "after" share the machine's load:

- ``before*``: the base commit's norte (``BENCH_BASE``, ``git archive``d), with httptools and
  uvloop hidden from it (h11 + asyncio, as when its figures were taken), the ingest as it was;
- ``after*``: this checkout (httptools + uvloop, the fast path, sites rendered before the move),
  the ingest with ``NORTE_THREADS=1`` at ``nice`` +10;
- clients: ``httpx`` (the old generator: httpx, one connection each) or ``raw`` (raw asyncio
  streams on uvloop, keep-alive, minimal parsing: ``_rawhttp.py``), closed loop (no think time)
  except ``think`` (each client waits 0.5–1.5 s between requests, like locust users);
- ``h11``, ``no-fast-path``: the after code with one step turned off.

Reports p50/p95/p99, errors and throughput (all, first half, while the ingest ran, API, pages)
per phase, and rewrites the "Web app under load" section of docs/benchmarks.md. Target: p95
under 50 ms and 0 errors while an ingest runs, under the closed loop.

The store: ``BENCH_DB=/path/norte.duckdb`` (copied: the benchmark writes to it), else one is
built with ``norte build`` from ``norte.toml``'s paths without the last TransBorder year.
``BENCH_INGEST`` (default: the TransBorder ``year_2023`` folder) is what the ingest loads; it
must not be in the store yet. ``BENCH_PHASES=after-raw,think`` picks phases; ``BENCH_WORKERS``
the server's processes; ``BENCH_INGEST_THREADS`` / ``BENCH_INGEST_NICE`` the after phases'
ingest (0 / 0: as before); ``BENCH_LONGEST`` the longest run; ``BENCH_WRITE=0`` prints only. Command: ``make bench-serve``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvloop

sys.path.insert(0, str(Path(__file__).parent))
from _bench import REPO, SHARED, machine, write_section  # noqa: E402
from _serve_clients import Clock, Hit, httpx_client, raw_client  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "50"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
INGEST = Path(os.environ.get("BENCH_INGEST", str(SHARED / "transborder/raw/year_2023")))

#: the Census monthly trade by country (a whole-store scan per request is not what an
#: analyst's client asks for: ``partner=MEX`` alone also matches millions of TransBorder rows)
CENSUS = "source=census&dataset=trade_by_country&freq=M&measure=value"
#: the request mix: (kind, URL); every client walks it from its own offset
MIX: list[tuple[str, str]] = [
    ("api", f"/api/v1/observations?{CENSUS}&partner=MEX&flow=export&limit=100"),
    ("api", f"/api/v1/observations?{CENSUS}&partner=CAN&flow=import&as_of=2024-12-31&limit=100"),
    (
        "api",
        f"/api/v1/observations?{CENSUS}&partner=MEX&flow=export"
        "&realtime_start=2024-01-01&realtime_end=2025-12-31&limit=200",
    ),
    (
        "api",
        "/api/v1/observations?source=transborder&partner=MEX&flow=export&geo_scheme=us_port"
        "&geo=2304&period_start=2022-01-01&limit=100",
    ),
    ("api", "/api/v1/series?source=census&dataset=trade_by_country&partner=MEX&limit=50"),
    ("api", "/api/v1/loads?limit=50"),
    ("api", "/api/v1/codes?scheme=partner&limit=100"),
    ("api", "/api/v1/goals"),
    ("api", "/api/v1/goals/3"),
    ("api", "/api/v1/findings?limit=10"),
    ("api", f"/api/v1/observations?{CENSUS}&partner=MEX&format=csv&limit=500"),
    ("page", "/"),
    ("page", "/goal-3.html"),
    ("page", "/partner-mex.html"),
    ("page", "/data.html"),
    ("page", "/es/index.html"),
    ("page", "/findings.html"),
    ("page", "/goals/3.json"),
]


@dataclass(frozen=True)
class Phase:
    """One measured run: which server code and flags, which load client, think time or not."""

    name: str
    code: str  # "before": the base commit's norte (h11 + asyncio); "after": this checkout
    client: str  # "httpx" (the old client) | "raw" (raw asyncio streams, _rawhttp)
    flags: tuple[str, ...] = ()
    think: bool = False  # each client waits 0.5–1.5 s between requests


PHASES = {
    "before": Phase("before, httpx client", "before", "httpx"),
    "before-raw": Phase("before, raw client", "before", "raw"),
    "after": Phase("after, httpx client", "after", "httpx"),
    "after-raw": Phase("after, raw client", "after", "raw"),
    "h11": Phase(
        "after but h11 + asyncio, raw client",
        "after",
        "raw",
        ("--http", "h11", "--loop", "asyncio"),
    ),
    "no-fast-path": Phase(
        "after but no fast path, raw client", "after", "raw", ("--no-fast-path",)
    ),
    "think": Phase("after, raw client, think time 0.5–1.5 s", "after", "raw", think=True),
}
#: which phases run, in this order (``BENCH_PHASES=after-raw,think`` for a subset)
CHOSEN = [PHASES[n] for n in os.environ.get("BENCH_PHASES", ",".join(PHASES)).split(",") if n]
#: the base commit the "before" phases run (``git archive`` into a temporary folder), with
#: httptools and uvloop hidden from it (they were not installed then: uvicorn used h11)
BASE = os.environ.get("BENCH_BASE", "6738460")
#: DuckDB threads and CPU priority of the ingest in the "after" phases
#: the longest a run goes on waiting for the move (``BENCH_LONGEST``, default twice)
LONGEST = float(os.environ.get("BENCH_LONGEST", str(2 * SECONDS)))
INGEST_THREADS = os.environ.get("BENCH_INGEST_THREADS", "1")
INGEST_NICE = int(os.environ.get("BENCH_INGEST_NICE", "10"))
HIDE_FAST = "import sys\nsys.modules['httptools'] = None\nsys.modules['uvloop'] = None\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _norte(*args: str) -> list[str]:
    return [sys.executable, "-m", "norte.cli", *args]


def build_store(tmp: Path) -> Path:
    """A full store from norte.toml's paths, without ``INGEST``, via ``norte build``."""
    import tomllib

    cfg = tomllib.loads((REPO / "norte.toml").read_text(encoding="utf-8"))
    paths: list[str] = []
    for p in cfg["ingest"]["paths"]:
        full = (REPO / p).resolve()
        if full == INGEST.parent:  # the TransBorder tree: every year but the one to ingest
            paths += [str(y) for y in sorted(full.iterdir()) if y != INGEST]
        elif full != INGEST:
            paths.append(str(full))
    conf = tmp / "norte.toml"
    prov = [str((REPO / d).resolve()) for d in cfg.get("provenance", {}).get("dirs", [])]
    conf.write_text(
        "[ingest]\npaths = [" + ", ".join(f'"{p}"' for p in paths) + "]\n"
        "[provenance]\ndirs = [" + ", ".join(f'"{p}"' for p in prov) + "]\n",
        encoding="utf-8",
    )
    db = tmp / "norte.duckdb"
    subprocess.run(
        _norte("--config", str(conf), "--db", str(db), "build", "--out", str(tmp / "site")),
        check=True,
        cwd=tmp,
    )
    return db


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))]


async def load(
    phase: Phase, base: str, db: Path, env: dict[str, str]
) -> tuple[list[Hit], list[str], dict[str, float]]:
    hits: list[Hit] = []
    errors: list[str] = []
    marks: dict[str, float] = {}
    clock = Clock(SECONDS, LONGEST)
    t0 = clock.t0
    after = phase.code == "after"

    async def ingest() -> None:
        await asyncio.sleep(SECONDS / 2)
        marks["ingest_start"] = time.monotonic() - t0
        proc = await asyncio.create_subprocess_exec(
            *_norte("--db", str(db), "--wait", "0", "ingest", str(INGEST)),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            env={**env, "NORTE_THREADS": INGEST_THREADS} if after else env,
            preexec_fn=(lambda: os.nice(INGEST_NICE)) if after else None,
        )
        _, err = await proc.communicate()
        marks["ingest_end"] = clock.ingest_end = time.monotonic() - t0
        marks["ingest_rc"] = float(proc.returncode or 0)
        if proc.returncode:
            print(err.decode(), file=sys.stderr)

    client = raw_client if phase.client == "raw" else httpx_client
    await asyncio.gather(
        ingest(),
        *(client(n, base, MIX, clock, hits, errors, phase.think) for n in range(CLIENTS)),
    )
    return hits, errors, marks


@dataclass
class Result:
    phase: Phase
    hits: list[Hit]
    errors: list[str]
    marks: dict[str, float]
    load_avg: float
    warm_s: float

    def during(self) -> list[Hit]:
        m = self.marks
        return [h for h in self.hits if m["ingest_start"] <= h.start <= m["ingest_end"]]

    def moved(self, kind: str | None = None) -> float | None:
        first = self.hits[0].etag if self.hits else ""
        return min(
            (
                h.start
                for h in self.hits
                if (kind is None or h.kind == kind) and h.etag and h.etag != first
            ),
            default=None,
        )


def _code(phase: Phase, work: Path) -> str:
    """The PYTHONPATH of a phase's server and ingest."""
    if phase.code == "after":
        return str(REPO)
    base = work / "base"
    if not base.exists():
        base.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", BASE], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        hide = work / "hide"
        hide.mkdir()
        (hide / "sitecustomize.py").write_text(HIDE_FAST, encoding="utf-8")
    return f"{base}{os.pathsep}{work / 'hide'}"


def run_phase(phase: Phase, source: Path, work: Path) -> Result:
    """A fresh copy of the store, its first snapshot, the server, the load, the ingest."""
    from norte.store import snapshot

    tmp = work / "run"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    db = tmp / "norte.duckdb"
    shutil.copyfile(source, db)
    env = {**os.environ, "PYTHONPATH": _code(phase, work)}
    subprocess.run(  # the first snapshot, published before the clock starts
        [
            sys.executable,
            "-c",
            "import sys; from norte.web.snapshots import ensure_published as e;"
            " e(__import__('pathlib').Path(sys.argv[1]))",
            str(db),
        ],
        env=env,
        check=True,
    )
    assert snapshot.current(db) is not None
    port = _free_port()
    args = ["--db", str(db), "serve", "--port", str(port), "--no-png", "--workers", str(WORKERS)]
    server = subprocess.Popen(_norte(*args, *phase.flags), cwd=tmp, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        t = time.monotonic()
        while True:  # ready, and the first snapshot's site rendered
            try:
                if httpx.get(base + "/", timeout=300).status_code == 200:
                    break
            except httpx.TransportError:
                assert server.poll() is None, f"{phase.name}: the server exited"
                time.sleep(0.5)
        warm_s = time.monotonic() - t
        load_avg = os.getloadavg()[0]
        # the light client runs on uvloop (whatever the server), the old one on asyncio
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy() if phase.client == "raw" else None)
        hits, errors, marks = asyncio.run(load(phase, base, db, env))
        asyncio.set_event_loop_policy(None)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    shutil.rmtree(tmp, ignore_errors=True)
    hits.sort(key=lambda h: h.start)
    return Result(phase, hits, errors, marks, load_avg, warm_s)


def cells(hits: list[Hit]) -> str:
    ms = [h.ms for h in hits]
    span = (max(h.start for h in hits) - min(h.start for h in hits)) if hits else 0
    rate = len(hits) / span if span else float("nan")
    return (
        f"{pct(ms, 50):,.1f} / **{pct(ms, 95):,.1f}** / {pct(ms, 99):,.1f}, "
        f"{rate:,.0f} req/s, {sum(not h.ok for h in hits)} err"
    )


def report(results: list[Result], rows: int, publish_s: float, snap_mb: float) -> str:
    head = (
        f"| run | all | first half (0–{SECONDS / 2:.0f} s) | while the ingest ran | after the "
        "move to the new snapshot | API only | pages only |"
    )
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|"]
    notes = []
    for r in results:
        first = [h for h in r.hits if h.start < SECONDS / 2]
        api = [h for h in r.hits if h.kind == "api"]
        pages = [h for h in r.hits if h.kind == "page"]
        moved = r.moved()
        later = [h for h in r.hits if moved is not None and h.start >= moved]
        lines.append(
            f"| {r.phase.name} | {cells(r.hits)} | {cells(first)} | {cells(r.during())} | "
            f"{cells(later) if later else '—'} | {cells(api)} | {cells(pages)} |"
        )
        api_m, page_m = r.moved("api"), r.moved("page")
        notes.append(
            f"- {r.phase.name}: load average {r.load_avg:.1f} when the clients started; "
            f"{len(r.hits):,} requests in {max(h.start for h in r.hits):.0f} s; site of the first snapshot rendered in {r.warm_s:.1f} s; "
            f"ingest (exit {r.marks['ingest_rc']:.0f}) "
            f"{r.marks['ingest_start']:.0f}–{r.marks['ingest_end']:.0f} s; moved to the new "
            f"snapshot: API at {f'{api_m:.1f} s' if api_m is not None else '— (never)'}, "
            f"pages at {f'{page_m:.1f} s' if page_m is not None else '— (never)'}; errors "
            f"{len(r.errors)}{': ' + '; '.join(r.errors[:3]) if r.errors else ''}."
        )
    ingest = INGEST.relative_to(SHARED) if INGEST.is_relative_to(SHARED) else INGEST
    return f"""
Command: `BENCH_DB=/tmp/perf/norte.duckdb make bench-serve` (runs `benchmarks/bench_serve.py`;
`BENCH_PHASES=` picks runs). Machine: {machine()} — the 2 cores are shared with the load client
and with other processes (load averages below). Store: {rows:,} observations (copied fresh for
every run). Each run: {CLIENTS} clients, one keep-alive connection each, for {SECONDS:.0f} s on
{len(MIX)} URLs ({sum(k == "api" for k, _ in MIX)} API, {sum(k == "page" for k, _ in MIX)} pages
and twins), `norte serve --workers {WORKERS}`; at {SECONDS / 2:.0f} s `norte ingest {ingest}`; when the
ingest or the server's move to its snapshot is not over at {SECONDS:.0f} s, the clients go on
until 5 s after both (at most {LONGEST:.0f} s), so that every run includes the move.
Runs one after the other in one invocation. Cells: p50 / **p95** / p99 in ms, throughput,
errors.

{chr(10).join(lines)}

{chr(10).join(notes)}
- Snapshot cost: the first publish of this store took **{publish_s:.1f} s**; the snapshot file
  is {snap_mb:,.0f} MB.
"""


def main() -> None:
    from norte.store import snapshot
    from norte.web.snapshots import ensure_published

    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmpdir:
        tmp = Path(tmpdir)
        given = os.environ.get("BENCH_DB")
        if given:
            source = tmp / "norte.duckdb"
            shutil.copyfile(given, source)
        else:
            source = build_store(tmp / "build")
        shutil.rmtree(snapshot.folder(source), ignore_errors=True)
        import duckdb

        con = duckdb.connect(str(source), read_only=True)
        rows = con.execute("SELECT count(*) FROM observations").fetchall()[0][0]
        con.close()
        probe = tmp / "probe.duckdb"
        shutil.copyfile(source, probe)
        t = time.monotonic()
        ensure_published(probe)
        publish_s = time.monotonic() - t
        found = snapshot.current(probe)
        assert found is not None
        snap_mb = found[1].stat().st_size / 1e6
        shutil.rmtree(snapshot.folder(probe))
        probe.unlink()
        results = []
        for phase in CHOSEN:
            print(f"bench-serve: {phase.name}", file=sys.stderr, flush=True)
            results.append(run_phase(phase, source, tmp))
            print(report(results[-1:], rows, publish_s, snap_mb), flush=True)
    body = report(results, rows, publish_s, snap_mb)
    print(body)
    if os.environ.get("BENCH_WRITE", "1") != "0":
        write_section("Web app under load", body)


if __name__ == "__main__":
    main()
