"""Benchmark: build the whole report site over all the shared data that norte's sources read.

Steps, each a child process measured for wall time and peak RSS:
  (a) ``norte ingest`` of every shared file whose format is registered (not the target; shown
      so the store's size is known);
  (b) the site: ``write_site`` in en/es/fr with SVG + PNG + CSV for every chart and map
      (the product's default geometry: vendored U.S. states, tile grid for Mexico) — target
      under 60 s on a 2-core machine;
  (c) ``norte report --pdf`` (one language, headless Chromium), when Chromium is installed.
Rewrites the "Site build" section of docs/benchmarks.md.  Command: ``make bench-site``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _bench import SHARED, machine, run_measured, table, write_section  # noqa: E402

from norte import sources  # noqa: E402

FILES = {
    "census-xlsx": ["census/country.xlsx"],
    "census-api": [
        "census/api/exports-country-2013-2024.json.gz",
        "census/api/imports-country-2013-2024.json.gz",
        "census/api/imports-hs2-country-2023-2024.json.gz",
    ],
    "transborder": ["transborder/raw"],
    "bts-crossings": ["bts/border_crossing_entry_data.csv.gz"],
    "inegi-raiavl": ["inegi/conjunto_de_datos_raiavl_mensual_exportacion_csv.zip"],
    "spi-mexico": ["spi/mexico-states/00_IPS_COMPLETE_LONG.xlsx"],
}

SITE = """
import sys, time
from pathlib import Path
from norte.store import Store
from norte.publish.site import write_site
with Store(Path(sys.argv[1]), read_only=True) as s:
    n = write_site(s, Path(sys.argv[2]), "official")
    rows = s.count()
print(n, rows, file=sys.stderr)
"""


def main() -> None:
    present = [f for f in FILES if f in sources.REGISTRY]
    paths = [str(SHARED / p) for f in present for p in FILES[f]]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        out = Path(tmp) / "site"
        a = run_measured(
            f"(a) norte ingest ({', '.join(present)})",
            [sys.executable, "-m", "norte.cli", "--db", str(db), "ingest", *paths],
            0,
        )
        import duckdb

        con = duckdb.connect(str(db), read_only=True)
        rows = int(con.execute("SELECT count(*) FROM observations").fetchall()[0][0])
        con.close()
        a.rows = rows
        load = os.getloadavg()[0]
        b = run_measured(
            "(b) site: all pages x en/es/fr, SVG+PNG+CSV per chart",
            [sys.executable, "-c", SITE, str(db), str(out)],
            rows,
        )
        pages = len(list(out.rglob("*.html")))
        charts = len(list(out.rglob("*.svg")))
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
        measures = [a, b]
        if shutil.which("chromium"):
            measures.append(
                run_measured(
                    "(c) norte report --pdf (en)",
                    [
                        sys.executable,
                        "-m",
                        "norte.cli",
                        "--db",
                        str(db),
                        "report",
                        "--pdf",
                        "--out",
                        str(Path(tmp) / "report.pdf"),
                    ],
                    rows,
                )  # fmt: skip
            )
    body = f"""
Command: `make bench-site` (runs `benchmarks/bench_site.py`). Machine: {machine()}.
Store: {rows:,} observations from the shared files of the registered formats
({", ".join(present)}).

{table(measures)}

Site (b): **{b.seconds:.1f} s** wall, peak RSS **{b.peak_rss_mb:,.0f} MB** (target < 60 s);
{pages} HTML pages, {charts} chart SVGs (plus as many PNGs), {size:,.1f} MB on disk.
rows/s of (b) and (c) is stored rows over build time, for scale only. Load average (1 min)
when (b) started: {load:.1f} on {os.cpu_count()} cores (other processes slow the numbers down).
"""
    write_section("Site build", body)
    print(body)


if __name__ == "__main__":
    main()
