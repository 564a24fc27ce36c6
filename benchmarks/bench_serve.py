"""Benchmark: ``norte serve`` under load, with ``norte ingest`` writing during the second half.

50 concurrent clients (asyncio + httpx, one connection each) for 60 s on a mix of API and page
requests against a full store; at 30 s ``norte ingest`` loads more files into the store the
server is serving (the server reads snapshots, so the ingest does not wait for it, and the
server moves to the new snapshot when the ingest publishes it). Reports p50/p95/p99, errors and
throughput for each half, the snapshot's cost (the first publish, timed here) and when the
server moved. Target: p95 under 50 ms and 0 errors during the ingest.

The store: ``BENCH_DB=/path/norte.duckdb`` (copied into a temporary folder: the benchmark
writes to it), else one is built with ``norte build`` from ``norte.toml``'s paths without the
last TransBorder year. ``BENCH_INGEST`` (default: the TransBorder ``year_2023`` folder) is
what the ingest loads; it must not be in the store yet. ``BENCH_SECONDS``, ``BENCH_CLIENTS``
change the load, ``BENCH_WORKERS`` the server's processes (default 2: one per core here). Rewrites the "Web app under load" section of docs/benchmarks.md.
Command: ``make bench-serve``.
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

sys.path.insert(0, str(Path(__file__).parent))
from _bench import REPO, SHARED, machine, write_section  # noqa: E402

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


@dataclass
class Hit:
    start: float
    ms: float
    ok: bool
    kind: str
    etag: str


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


async def client(
    n: int, base: str, t0: float, end: float, hits: list[Hit], errors: list[str]
) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        i = n
        while time.monotonic() < end:
            kind, url = MIX[i % len(MIX)]
            i += 1
            s = time.monotonic()
            try:
                r = await http.get(url)
                ok = r.status_code == 200
                if not ok:
                    errors.append(f"{r.status_code} {url}: {r.text[:200]}")
                etag = r.headers.get("etag", "")
            except httpx.HTTPError as e:
                ok, etag = False, ""
                errors.append(f"{type(e).__name__} {url}")
            hits.append(Hit(s - t0, (time.monotonic() - s) * 1000, ok, kind, etag))


async def load(base: str, db: Path) -> tuple[list[Hit], list[str], dict[str, float]]:
    hits: list[Hit] = []
    errors: list[str] = []
    marks: dict[str, float] = {}
    t0 = time.monotonic()
    end = t0 + SECONDS

    async def ingest() -> None:
        await asyncio.sleep(SECONDS / 2)
        marks["ingest_start"] = time.monotonic() - t0
        proc = await asyncio.create_subprocess_exec(
            *_norte("--db", str(db), "--wait", "0", "ingest", str(INGEST)),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await proc.communicate()
        marks["ingest_end"] = time.monotonic() - t0
        marks["ingest_rc"] = float(proc.returncode or 0)
        if proc.returncode:
            print(err.decode(), file=sys.stderr)

    await asyncio.gather(
        ingest(), *(client(n, base, t0, end, hits, errors) for n in range(CLIENTS))
    )
    return hits, errors, marks


def summary(name: str, hits: list[Hit]) -> str:
    ms = [h.ms for h in hits]
    bad = sum(not h.ok for h in hits)
    span = (max(h.start for h in hits) - min(h.start for h in hits)) if hits else 0
    rate = len(hits) / span if span else float("nan")
    return (
        f"| {name} | {len(hits):,} | {bad} | {pct(ms, 50):.1f} | {pct(ms, 95):.1f} | "
        f"{pct(ms, 99):.1f} | {rate:,.0f} |"
    )


def main() -> None:
    from norte.store import snapshot
    from norte.web.snapshots import ensure_published

    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmpdir:
        tmp = Path(tmpdir)
        given = os.environ.get("BENCH_DB")
        if given:
            db = tmp / "norte.duckdb"
            shutil.copyfile(given, db)
        else:
            db = build_store(tmp)
        shutil.rmtree(snapshot.folder(db), ignore_errors=True)
        t = time.monotonic()
        ensure_published(db)
        publish_s = time.monotonic() - t
        found = snapshot.current(db)
        assert found is not None
        snap_mb = found[1].stat().st_size / 1e6
        import duckdb

        con = duckdb.connect(str(db), read_only=True)
        rows = con.execute("SELECT count(*) FROM observations").fetchall()[0][0]
        con.close()
        port = _free_port()
        server = subprocess.Popen(
            _norte(
                "--db", str(db), "serve", "--port", str(port), "--no-png", "--workers", str(WORKERS)
            ),
            cwd=tmp,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            t = time.monotonic()
            while True:  # ready, and the first snapshot's site rendered
                try:
                    if httpx.get(base + "/", timeout=300).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.5)
            warm_s = time.monotonic() - t
            load_avg = os.getloadavg()[0]
            hits, errors, marks = asyncio.run(load(base, db))
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    first = [h for h in hits if h.start < SECONDS / 2]
    second = [h for h in hits if h.start >= SECONDS / 2]
    during = [h for h in hits if marks["ingest_start"] <= h.start <= marks["ingest_end"]]
    etags = sorted({h.etag for h in hits if h.etag})
    moved = min((h.start for h in hits if h.etag and h.etag != hits[0].etag), default=None)
    api_moved = min(
        (h.start for h in hits if h.kind == "api" and h.etag and h.etag != hits[0].etag),
        default=None,
    )
    header = (
        "| requests | count | errors | p50 (ms) | p95 (ms) | p99 (ms) | req/s |\n"
        "|---|---:|---:|---:|---:|---:|---:|"
    )
    lines = [
        header,
        summary("all", hits),
        summary(f"first half (0–{SECONDS / 2:.0f} s)", first),
        summary(f"second half ({SECONDS / 2:.0f}–{SECONDS:.0f} s)", second),
        summary("while the ingest ran", during),
        summary("API only", [h for h in hits if h.kind == "api"]),
        summary("pages only", [h for h in hits if h.kind == "page"]),
    ]
    body = f"""
Command: `make bench-serve` (runs `benchmarks/bench_serve.py`). Machine: {machine()}; load
average (1 min) when the clients started: {load_avg:.1f} (other processes share the cores).
Store: {rows:,} observations. {CLIENTS} clients (asyncio + httpx, one connection each) for
{SECONDS:.0f} s on {len(MIX)} URLs ({sum(k == "api" for k, _ in MIX)} API, {
        sum(k == "page" for k, _ in MIX)
    } pages and twins), `norte serve --workers {WORKERS}`; at {
        marks["ingest_start"]:.0f} s `norte ingest
{INGEST.relative_to(SHARED) if INGEST.is_relative_to(SHARED) else INGEST}` (exit {
        marks["ingest_rc"]:.0f}) ran {marks["ingest_start"]:.0f}–{marks["ingest_end"]:.0f} s,
snapshot included.

{chr(10).join(lines)}

- Snapshot cost: the first publish of this store (`ATTACH` + `COPY FROM DATABASE` + pointer
  swap) took **{publish_s:.1f} s**; the snapshot file is {snap_mb:,.0f} MB. Ingests pay it only
  when the store's snapshot folder exists (a server asked for it).
- Rendering the site of the first snapshot (before the clients started): {warm_s:.1f} s.
- Snapshots served: {len(etags)}; the API moved to the new snapshot at {
        f"{api_moved:.1f} s" if api_moved is not None else "— (never)"
    }, pages at {f"{moved:.1f} s" if moved is not None else "— (never)"}.
- Errors: {len(errors)}{": " + "; ".join(errors[:5]) if errors else ""}.
"""
    print(body)
    write_section("Web app under load", body)


if __name__ == "__main__":
    main()
