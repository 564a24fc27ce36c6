"""An indicator's product series across the HS 2017 -> HS 2022 change (2022-01-01), in the
engine: the real Census HS6 imports of 2020 (HS 2017, the shared seafood file) and the UN's
real HS 2022 <-> 2017 correlations, with 2022 months (HS 2022 codes) as test inputs.

- light vehicles: NAICS 2017 336111 and 336112 merged into NAICS 2022 336110 (n:1, the
  Census concordance): converted;
- fish flours: HS 2017 030510 became HS 2022 030910 (a 1:1 link with a new code): the 2020
  rows are converted and added whole, and the JSON/page note says with which file;
- scallops: HS 2022 030721 also takes part of HS 2017 030791, which splits between 030721 and
  other codes (the UN gives no weights): the series starts at the break and says why;
- the shipped catalog's autos and parts by HS4: 8703 converts, 8708 stops (HS 2022 moved
  display modules out of 8708 parts into 8524);
- the same plan gives the same values on DuckDB and Spark (one Ibis expression)."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from norte import cli
from norte.indicators import bridging
from norte.indicators.catalog import load_catalog, parse_file
from norte.indicators.engine import compute, evaluate
from norte.ingest import ingest
from norte.store import Store

REPO = Path(__file__).resolve().parents[2]
UN = "classifications/HS2022toHS2017ConversionAndCorrelationTables.xlsx"
NAICS = "classifications/2022_to_2017_NAICS.xlsx"
HS6 = "census/api-csv/imports-hs6-seafood-by-country-2020-derived.csv.gz"
HEADER = ["I_COMMODITY", "CTY_CODE", "CTY_NAME", "GEN_VAL_MO", "YEAR", "MONTH", "COMM_LVL"]
#: 2022 months in HS 2022 codes (test values)
ROWS_2022 = [
    ("030910", "5700", "CHINA", "1000"),
    ("030721", "2010", "MEXICO", "2000"),
]
CATALOG = """
[[indicator]]
id = "fish-flours-chn"
goal = 3
unit = "USD"
direction = "neutral"
title = { en = "Fish flours from China", es = "Harinas de pescado de China", fr = "Farines de poisson de Chine" }
description = { en = "HS 2022 030910.", es = "SA 2022 030910.", fr = "SH 2022 030910." }
series = { source = "census", dataset = "trade_by_country_hs", reporter = "USA", flow = "import", partner = "CHN", product_scheme = "HS6", product_code = "030910", measure = "value", freq = "M" }
transforms = []

[[indicator]]
id = "scallops-mex"
goal = 3
unit = "USD"
direction = "neutral"
title = { en = "Scallops from Mexico", es = "Vieiras de México", fr = "Pétoncles du Mexique" }
description = { en = "HS 2022 030721.", es = "SA 2022 030721.", fr = "SH 2022 030721." }
series = { source = "census", dataset = "trade_by_country_hs", reporter = "USA", flow = "import", partner = "MEX", product_scheme = "HS6", product_code = "030721", measure = "value", freq = "M" }
transforms = []

[[indicator]]
id = "light-vehicles-mex"
goal = 3
unit = "USD"
direction = "neutral"
title = { en = "Light vehicles from Mexico", es = "Vehículos ligeros de México", fr = "Véhicules légers du Mexique" }
description = { en = "NAICS 2022 336110.", es = "SCIAN 2022 336110.", fr = "SCIAN 2022 336110." }
series = { source = "census", dataset = "trade_by_country_naics", reporter = "USA", flow = "import", partner = "MEX", product_scheme = "NAICS", product_code = "336110", measure = "value", freq = "M" }
transforms = []
"""


def _body(tmp_path: Path, name: str, rows: list[list[str]]) -> Path:
    path = tmp_path / name
    path.write_bytes(gzip.compress(json.dumps([HEADER, *rows]).encode()))
    return path


def _real_2020(shared: Path, code: str, cty: str) -> dict[dt.date, float]:
    """The 2020 monthly values of one HS 2017 code and country, read straight from the CSV."""
    out: dict[dt.date, float] = {}
    with gzip.open(shared / HS6, "rt", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["I_COMMODITY"] == code and r["CTY_CODE"] == cty and r["YEAR"] == "2020":
                out[dt.date(2020, int(r["MONTH"]), 1)] = float(r["GEN_VAL_MO"])
    return out


@pytest.fixture(scope="module")
def db(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("bridging")
    hs6 = [[c, cty, name, v, "2022", "01", "HS6"] for c, cty, name, v in ROWS_2022]
    # autos (8703) and parts (8708) from Mexico by HS4, every month of 2021 and 2022
    hs4 = [
        [c, "2010", "MEXICO", str(v), str(y), f"{m:02d}", "HS4"]
        for y in (2021, 2022)
        for m in range(1, 13)
        for c, v in (("8703", 100 * m), ("8708", 10 * m))
    ]
    # NAICS 2017 (to 2022) then NAICS 2022 (from 2023): automobiles and light trucks merged
    naics = [
        ["336111", "2010", "MEXICO", "100", "2022", "12", "NA6"],
        ["336112", "2010", "MEXICO", "50", "2022", "12", "NA6"],
        ["336110", "2010", "MEXICO", "160", "2023", "01", "NA6"],
    ]
    naics_body = tmp / "imports-naics-mex.json.gz"
    naics_header = ["NAICS", *HEADER[1:]]
    naics_body.write_bytes(gzip.compress(json.dumps([naics_header, *naics]).encode()))
    path = tmp / "norte.duckdb"
    with Store(path) as s:
        summary = ingest(
            s,
            [
                shared / UN,
                shared / HS6,
                _body(tmp, "imports-hs6-2022.json.gz", hs6),
                _body(tmp, "imports-hs4-mex.json.gz", hs4),
                shared / NAICS,
                naics_body,
            ],
            options={"provenance_dirs": [str(REPO / "provenance")]},
        )
    assert summary.loaded == 6
    return path


@pytest.fixture(scope="module")
def defs(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    f = tmp_path_factory.mktemp("cat") / "bridge.toml"
    f.write_text(CATALOG, encoding="utf-8")
    return parse_file(f)


def _points(t: Any) -> dict[dt.date, float]:
    return dict(zip(t.column("period").to_pylist(), t.column("value").to_pylist(), strict=True))


def test_a_one_to_one_code_change_converts_and_says_with_what(
    db: Path, defs: list[Any], shared: Path
) -> None:
    real = _real_2020(shared, "030510", "5700")  # HS 2017 code of the 2020 rows
    assert len(real) == 12 and sum(real.values()) > 0
    with Store(db) as s:
        out = evaluate(s, catalog=defs)["fish-flours-chn"]
        (b,) = [d.bridge for d in bridging.attach(s.con, defs) if d.id == "fish-flours-chn"]
    assert _points(out) == {**real, dt.date(2022, 1, 1): 1000.0}
    assert b is not None and not b.stops
    assert b.editions == ("hs2017", "hs2022") and b.converted == 1 and b.refused == 0
    (seg,) = b.segments
    assert seg.codes == (("030510", "030910"),) and seg.until == dt.date(2022, 1, 1)
    j = b.as_dict()
    assert j["status"] == "converted"
    assert "HS2022toHS2017ConversionAndCorrelationTables.xlsx" in j["note"]
    assert "hs2017 periods 2020-01 to 2020-12: 1 code(s) added whole into hs2022" in j["note"]


def test_a_naics_merge_converts_with_the_census_concordance(db: Path, defs: list[Any]) -> None:
    """NAICS 2017 336111 + 336112 = NAICS 2022 336110 (n:1): both added whole."""
    with Store(db) as s:
        out = evaluate(s, catalog=defs)["light-vehicles-mex"]
        (b,) = [d.bridge for d in bridging.attach(s.con, defs) if d.id == "light-vehicles-mex"]
    assert _points(out) == {dt.date(2022, 12, 1): 150.0, dt.date(2023, 1, 1): 160.0}
    assert b is not None and not b.stops and b.editions == ("naics2017", "naics2022")
    (seg,) = b.segments
    assert seg.codes == (("336111", "336110"), ("336112", "336110")) and seg.converted == 2
    assert seg.until == dt.date(2023, 1, 1)
    assert seg.files[0].startswith("2022_to_2017_NAICS.xlsx")


def test_a_split_code_stops_at_the_break_and_says_why(db: Path, defs: list[Any]) -> None:
    with Store(db) as s:
        out = evaluate(s, catalog=defs)["scallops-mex"]
        (b,) = [d.bridge for d in bridging.attach(s.con, defs) if d.id == "scallops-mex"]
    # the 2020 rows of HS 2017 030721 are in the store, but not in the series
    assert _points(out) == {dt.date(2022, 1, 1): 2000.0}
    assert b is not None and not b.segments
    (stop,) = b.stops
    assert stop.codes == ("030721",) and stop.at == dt.date(2022, 1, 1) and stop.refused == 1
    assert "hs2017 030791 splits between hs2022 030721 and 030791, 030990" in stop.reason
    assert "gives no weights" in stop.reason and "nothing is divided" in stop.reason
    assert b.as_dict()["status"] == "stopped"


def test_shipped_autos_by_hs4_convert_8703_and_stop_8708(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = [d for d in load_catalog() if d.id == "us-imports-autos-parts-hs4-annual"]
    with Store(db) as s:
        compute(s, catalog=catalog)
        rows = s.con.execute(
            "SELECT product_code, year(period), value FROM indicator_values_latest "
            "WHERE indicator_id = 'us-imports-autos-parts-hs4-annual.mex' ORDER BY ALL"
        ).fetchall()
    assert rows == [("8703", 2021, 7800.0), ("8703", 2022, 7800.0), ("8708", 2022, 780.0)]
    assert (
        cli.main(
            [
                "--db",
                str(db),
                "indicators",
                "show",
                "us-imports-autos-parts-hs4-annual.mex",
                "--json",
            ]
        )
        == 0
    )
    info = json.loads(capsys.readouterr().out)
    c = info["classification"]
    assert c["status"] == "stopped" and c["editions"] == ["hs2017", "hs2022"]
    assert c["converted"] == 14 and c["refused"] == 14
    assert c["segments"][0]["codes"] == [["8703", "8703"]]
    assert c["stops"][0]["codes"] == ["8708"]
    assert "hs2017 870810 splits between hs2022 8708 and 852411" in c["note"]


def test_the_note_reads_in_the_page_language(db: Path, defs: list[Any]) -> None:
    """The page's classification note of the autos-and-parts plan in es/fr names the
    editions, the converted codes' file and where 8708 stops, with no English sentence left."""
    catalog = [d for d in load_catalog() if d.id == "us-imports-autos-parts-hs4-annual"]
    with Store(db) as s:
        (b,) = [d.bridge for d in bridging.attach(s.con, catalog)]
    from norte.publish.pages.goal_products import bridge_note

    en, es, fr = (bridge_note(b, lang) for lang in ("en", "es", "fr"))
    assert en == bridging.note(b)  # the page's English note is the JSON's
    assert en is not None and es is not None and fr is not None
    assert en.startswith("Classification hs2017 → hs2022: ") and "stopped: " in en
    for text, lead, stop in (
        (es, "Clasificación hs2017 → hs2022: ", "detenida: 8708 de hs2022"),
        (fr, "Classification hs2017 → hs2022 : ", "arrêtée : 8708 de hs2022"),
    ):
        assert text.startswith(lead) and stop in text and "(2022-01)" in text
        assert "HS2022toHS2017ConversionAndCorrelationTables.xlsx" in text
        for english in ("stopped", "periods", "added whole", "splits between"):
            assert english not in text, (english, text)


def test_no_bridge_without_an_edition_change(db: Path) -> None:
    with Store(db) as s:
        series = {
            "source": ("census",),
            "dataset": ("trade_by_country_hs",),
            "partner": ("MEX",),
            "product_scheme": ("HS6",),
            "product_code": ("030617",),
            "flow": ("import",),
        }
        assert bridging.plan(s.con, {**series, "partner": ("CAN",)}) is None  # 2020 only
        assert (
            bridging.plan(s.con, {k: v for k, v in series.items() if k != "product_code"}) is None
        )


def test_same_values_on_duckdb_and_spark(db: Path, defs: list[Any], spark: Any) -> None:
    with Store(db) as s:
        duck = evaluate(s, "duckdb", catalog=defs)
        sp = evaluate(s, "spark", catalog=defs, spark=spark)
    for ident in ("fish-flours-chn", "scallops-mex", "light-vehicles-mex"):
        assert _points(sp[ident]) == pytest.approx(_points(duck[ident]))
        assert sp[ident].num_rows == duck[ident].num_rows > 0
