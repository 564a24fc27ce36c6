"""Benchmark: release day — one new TransBorder month into the full shared store.

In one run:
  prep: ``norte build`` of every file ``norte.toml`` names except the newest TransBorder month
        (not timed for the ratio);
  (a)   ``norte ingest`` of that month + ``norte refresh`` (the rebuild that follows: indicators
        whose inputs changed, findings, goal lights, the site), into the prep store;
  (b)   a full ``norte build`` into a fresh store.
Reports wall time and peak RSS of each, the ratio (a)/(b) (target <= 0.25) and whether (a) is
under 10 s; rewrites the "Release day" section of docs/benchmarks.md.
Command: ``make bench-release-day``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _bench import REPO, SHARED, machine, run_measured, table, write_section  # noqa: E402

MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan",),
            ("feb",),
            ("mar",),
            ("apr",),
            ("may",),
            ("jun",),
            ("jul",),
            ("aug",),
            ("sep",),
            ("oct",),
            ("nov",),
            ("dec",),
        ],
        start=1,
    )
    for m in names
}


def month_of(zip_path: Path) -> tuple[int, int]:
    m = re.match(r"([A-Za-z]+?)(\d{4})\.zip$", zip_path.name)
    if not m:
        raise SystemExit(f"{zip_path}: not a TransBorder monthly zip name")
    return int(m.group(2)), MONTHS[m.group(1).lower()[:3]]


def configs(tmp: Path) -> tuple[Path, Path, Path]:
    """(config without the newest month, full config, the newest month's zip)."""
    base = tomllib.loads((REPO / "norte.toml").read_text())
    paths = [(REPO / p).resolve() for p in base["ingest"]["paths"]]
    raw = (SHARED / "transborder" / "raw").resolve()
    zips = sorted(raw.rglob("*.zip"), key=month_of)
    newest = zips[-1]
    without = [p for p in paths if p != raw] + [z for z in zips if z != newest]
    out = []
    for name, listed in (("without.toml", without), ("full.toml", paths)):
        cfg = tmp / name
        lines = ",\n  ".join(f'"{p}"' for p in listed)
        cfg.write_text(
            f'[ingest]\npaths = [\n  {lines}\n]\nunknown_codes = "error"\n'
            f'[provenance]\ndirs = ["{REPO / "provenance"}"]\n'
        )
        out.append(cfg)
    return out[0], out[1], newest


def norte(db: Path, cfg: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "norte.cli", "--db", str(db), "--config", str(cfg), *args]


def main() -> None:
    # byte-compile norte first, as an installed package is: with PYTHONDONTWRITEBYTECODE set
    # (this machine sets it), every command would otherwise compile the edited modules again
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "norte")], check=True)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        without, full, newest = configs(tmp)
        db, site = tmp / "release.duckdb", tmp / "site-a"
        prep = run_measured(
            "prep: norte build without the newest month (not in the ratio)",
            norte(db, without, "build", "--out", str(site)),
            0,
        )
        a1 = run_measured(
            f"(a1) norte ingest {newest.name}", norte(db, without, "ingest", str(newest)), 0
        )
        a2 = run_measured(
            "(a2) norte refresh (recompute + site)",
            norte(db, without, "refresh", "--out", str(site)),
            0,
        )
        b = run_measured(
            "(b) norte build into a fresh store",
            norte(tmp / "fresh.duckdb", full, "build", "--out", str(tmp / "site-b")),
            0,
        )
    a = a1.seconds + a2.seconds
    ratio = a / b.seconds
    body = f"""
Command: `make bench-release-day` (runs `benchmarks/bench_release_day.py`; norte byte-compiled
first, as an installed package is). Machine: {machine()}
(shared with other jobs while measured: figures vary run to run).

{table([prep, a1, a2, b])}

(a) = (a1) + (a2) = **{a:.1f} s** (target < 10 s: {"met" if a < 10 else "not met"}); (b) = {b.seconds:.1f} s;
**(a)/(b) = {ratio:.2f}** (target <= 0.25: {"met" if ratio <= 0.25 else "not met"}). Peak RSS: (a)
{max(a1.peak_rss_mb, a2.peak_rss_mb):,.0f} MB, (b) {b.peak_rss_mb:,.0f} MB. The new month:
`{newest.relative_to(SHARED)}`.
"""
    write_section("Release day", body)
    print(body)


if __name__ == "__main__":
    main()
