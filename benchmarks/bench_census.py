"""Benchmark: load every Census file of ../shared/data into a fresh store.

Runs, in one process tree and one run:
  (a) ``norte ingest`` of country.xlsx and the three API files into a fresh store;
  (b) a straightforward pandas baseline: read the workbook (pandas.read_excel) and the JSON
      files, melt to one long table, write Parquet — no vintages, no code mapping, no checks.
Reports wall time, rows/s and peak RSS of each and the ratio b/a; rewrites the "Census ingest"
section of docs/benchmarks.md.  Command: ``make bench-census``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _bench import SHARED, machine, python, run_measured, table, write_section  # noqa: E402

FILES = [
    SHARED / "census/country.xlsx",
    SHARED / "census/api/exports-country-2013-2024.json.gz",
    SHARED / "census/api/imports-country-2013-2024.json.gz",
    SHARED / "census/api/imports-hs2-country-2023-2024.json.gz",
]

PANDAS = """
import gzip, json, sys, pandas as pd
files = sys.argv[1:]
x = pd.read_excel(files[0], sheet_name="country", dtype={"CTY_CODE": str, "year": str})
months = [c for c in x.columns if c[:1] in "IE" and c[1:] != "YR" and len(c) == 4]
long = x.melt(id_vars=["year", "CTY_CODE"], value_vars=months, var_name="col", value_name="value")
long["value"] = long["value"] * 1e6
parts = [long]
for f in files[1:]:
    rows = json.load(gzip.open(f, "rt"))
    df = pd.DataFrame(rows[1:], columns=rows[0])
    val = next(c for c in ("ALL_VAL_MO", "GEN_VAL_MO") if c in df.columns)
    df["value"] = pd.to_numeric(df[val])
    parts.append(df)
out = pd.concat(parts, ignore_index=True)
out.astype({c: str for c in out.columns if c != "value"}).to_parquet(sys.argv[0] + ".parquet")
print(len(out))
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        rows = 564_695
        a = run_measured(
            "(a) norte ingest (4 Census files)",
            [sys.executable, "-m", "norte.cli", "--db", str(db), "ingest", *map(str, FILES)],
            rows,
        )
        b = run_measured(
            "(b) pandas baseline (read_excel + json + melt + Parquet)",
            [
                sys.executable,
                "-c",
                PANDAS.replace("sys.argv[0]", repr(str(Path(tmp) / "out"))),
                *map(str, FILES),
            ],
            rows,
        )
    _ = python
    body = f"""
Command: `make bench-census` (runs `benchmarks/bench_census.py`). Machine: {machine()}.

{table([a, b])}

Ratio pandas / norte: **{b.seconds / a.seconds:.2f}x** (norte also maps every code, checks keys,
records vintages and loads, all in one transaction). Rows: {rows:,} observations stored by (a).
"""
    write_section("Census ingest", body)
    print(body)


if __name__ == "__main__":
    main()
