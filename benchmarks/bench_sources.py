"""Benchmark: ingest of the trinational sources (issue #12) against a parse-only floor.

For each group of shared files, in the same run, each step a child process (wall time, peak
RSS):
  (a) ``norte ingest`` of the files into a fresh store (detection, integrity check, parsing,
      codes, staging, key checks, one transaction);
  (b) the floor: the same bytes parsed into memory by the fastest plain tool for the format,
      nothing validated or stored — DuckDB ``read_csv`` for CSV (zip members extracted first),
      python-calamine for workbooks, the standard library's ``html.parser`` collecting every
      table cell for the SE pages.
a/b says how much norte's checks and store cost over reading the bytes at all.
Rewrites the "Trinational sources ingest" section of docs/benchmarks.md.
Command: ``make bench-sources``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _bench import REPO, SHARED, Measure, machine, python, run_measured, write_section  # noqa: E402

CSV_FLOOR = """
import sys, zipfile, tempfile, duckdb
from pathlib import Path
con = duckdb.connect()
n = 0
with tempfile.TemporaryDirectory() as tmp:
    for p in sys.argv[1:]:
        files = [p]
        if p.endswith('.zip'):
            with zipfile.ZipFile(p) as z:
                members = [m for m in z.namelist() if m.endswith('.csv') and 'conjunto_de_datos/' in m]
                z.extractall(tmp, members)
            files = [str(Path(tmp) / m) for m in members]
        elif Path(p).is_dir():
            files = [str(f) for f in sorted(Path(p).glob('*.csv'))]
        for f in files:
            n += con.execute("SELECT count(*) FROM read_csv(?, all_varchar=true)", [f]).fetchone()[0]
print(n, file=sys.stderr)
"""

XLSX_FLOOR = """
import sys
from python_calamine import CalamineWorkbook
n = 0
for p in sys.argv[1:]:
    wb = CalamineWorkbook.from_path(p)
    for name in wb.sheet_names:
        n += len(wb.get_sheet_by_name(name).to_python())
print(n, file=sys.stderr)
"""

HTML_FLOOR = """
import sys
from html.parser import HTMLParser
from pathlib import Path
class Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells, self.inside = [], False
    def handle_starttag(self, tag, attrs):
        if tag == 'td':
            self.inside = True
            self.cells.append('')
    def handle_endtag(self, tag):
        if tag == 'td':
            self.inside = False
    def handle_data(self, data):
        if self.inside:
            self.cells[-1] += data
n = 0
for d in sys.argv[1:]:
    for f in sorted(Path(d).glob('*.html')):
        p = Cells()
        p.feed(f.read_bytes().decode('latin-1'))
        n += len(p.cells)
print(n, file=sys.stderr)
"""

#: group -> (files under ../shared/data, floor script)
GROUPS: dict[str, tuple[list[str], str]] = {
    "INEGI BCMM (mode-of-transport zip + partner extract)": (
        [
            "inegi/bcmm/conjunto_de_datos_bcmm_mensual_mtra_csv.zip",
            "inegi/bcmm/bcmm_paises_bien_mensual_2026-01_extract.csv",
        ],
        CSV_FLOOR,
    ),
    "SE SIC monthly balance pages (252)": (["se/bcm_e"], HTML_FLOOR),
    "INEGI GDP and IGAE tabulados (.xlsx)": (
        ["inegi/pib/pibt_cte_valor.xlsx", "inegi/pib/igae_indice.xlsx"],
        XLSX_FLOOR,
    ),
    "StatCan FDI full table (36-10-0008-01)": (
        ["statcan/3610000801_databaseLoadingData.csv"],
        CSV_FLOOR,
    ),
    "FRED copies (7 series, with manifests)": (["fred"], CSV_FLOOR),
}


def main() -> None:
    rows_out: list[tuple[str, Measure, Measure, int]] = []
    env = {"NORTE_PROVENANCE_DIRS": str(REPO / "provenance")}
    for group, (rel, floor) in GROUPS.items():
        paths = [str(SHARED / p) for p in rel]
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bench.duckdb"
            a = run_measured(
                "(a) norte ingest",
                [sys.executable, "-m", "norte.cli", "--db", str(db), "ingest", *paths],
                0,
                env,
            )
            import duckdb

            con = duckdb.connect(str(db), read_only=True)
            stored = int(con.execute("SELECT count(*) FROM observations").fetchall()[0][0])
            con.close()
        b = run_measured("(b) floor", [*python(floor), *paths], 0)
        rows_out.append((group, a, b, stored))
    lines = [
        "| files | (a) norte ingest (s) | peak RSS (MB) | (b) parse-only floor (s) | peak RSS (MB) "
        "| a/b | observations stored |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for group, a, b, stored in rows_out:
        lines.append(
            f"| {group} | {a.seconds:.2f} | {a.peak_rss_mb:,.0f} | {b.seconds:.2f} | "
            f"{b.peak_rss_mb:,.0f} | {a.seconds / b.seconds:.2f} | {stored:,} |"
        )
    body = f"""
Command: `make bench-sources` (runs `benchmarks/bench_sources.py`). Machine: {machine()}.
Load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.
Each group in a fresh store; (a) includes interpreter start-up and opening the store (about
1 s); (b) parses the same bytes with the fastest plain tool for the format and stores nothing.

{chr(10).join(lines)}
"""
    write_section("Trinational sources ingest", body)
    print(body)


if __name__ == "__main__":
    main()
