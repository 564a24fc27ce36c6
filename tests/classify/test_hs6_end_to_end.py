"""End to end on the real files: the HS6 imports from Mexico for 2020 (a third party's CSV of
Census API rows, read with its provenance manifest) loaded, then mapped to NAICS 2017 through
the Schedule B 2019 concordance with every split (1:n, n:n) link reported and never divided."""

from __future__ import annotations

import csv
import gzip
import shutil
from pathlib import Path

import pytest

from norte import cli
from norte.classify.link import link_products
from norte.errors import InputError
from norte.ingest import ingest
from norte.store import Store

REPO = Path(__file__).resolve().parents[2]
HS6 = "census/api-csv/imports-hs6-seafood-by-country-2020-derived.csv.gz"
EXP = "census/concordance/exp-code-2019.txt"
OPTIONS = {"provenance_dirs": [str(REPO / "provenance")]}


def _file_total(shared: Path) -> tuple[float, set[str]]:
    """Mexico's 2020 general imports and HS6 codes, read straight from the CSV."""
    total, codes = 0.0, set()
    with gzip.open(shared / HS6, "rt", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["CTY_CODE"] == "2010" and r["YEAR"] == "2020":
                total += float(r["GEN_VAL_MO"])
                codes.add(r["I_COMMODITY"])
    return total, codes


def test_hs6_imports_from_mexico_2020_mapped_to_naics(shared: Path, tmp_path: Path) -> None:
    db = tmp_path / "norte.duckdb"
    with Store(db) as s:
        summary = ingest(s, [shared / EXP, shared / HS6], options=OPTIONS)
        assert summary.loaded == 2
        assert s.con.execute(
            "SELECT DISTINCT classification FROM product_observations WHERE partner = 'MEX'"
        ).fetchall() == [("hs2017",)]
        lk = link_products(s.con, "naics2017", "trade_by_country_hs", "MEX", "import", 2020)
    total, codes = _file_total(shared)
    assert {p.code for p in lk.products} == codes
    unmapped = sum(p.value for p in lk.products if not p.targets)
    # Every dollar is either in one NAICS industry or reported as split: none divided, none lost.
    assert sum(lk.by_target.values()) + lk.split_value + unmapped == pytest.approx(total)
    assert lk.splits, "the seafood codes include HS6 codes that span several industries"
    for p in lk.splits:
        assert len(p.targets) >= 2 and all(r in ("1:n", "n:n") for _, r in p.targets)
    scallops = next(p for p in lk.splits if p.code == "030731")
    assert scallops.targets == [("112512", "1:n"), ("114112", "n:n")]
    assert lk.sources == ["exp-code-2019.txt (load #1): hs2017 -> naics2017"]


def test_cli_reports_each_split(
    shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "norte.duckdb"
    with Store(db) as s:
        ingest(s, [shared / EXP, shared / HS6], options=OPTIONS)
    args = ["--db", str(db), "codes", "link", "--to", "naics2017", "--partner", "MEX"]
    assert cli.main([*args, "--year", "2020"]) == 0
    out = capsys.readouterr().out
    assert "split: hs2017 030731" in out and "112512 (1:n), 114112 (n:n): not divided" in out


def test_the_derived_copy_needs_its_manifest(shared: Path, tmp_path: Path) -> None:
    copy = tmp_path / "imports-hs6-seafood-by-country-2020-derived.csv.gz"
    shutil.copy(shared / HS6, copy)
    with Store(tmp_path / "s.duckdb") as s, pytest.raises(InputError, match="manifest") as e:
        ingest(s, [copy])
    assert 'agency = "U.S. Census Bureau"' in str(e.value)
