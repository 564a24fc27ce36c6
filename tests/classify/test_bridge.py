"""A product series across a classification edition change (HS 2017 -> HS 2022 on
2022-01-01): converted with the UN correlation when every old code lies wholly inside the asked
codes, stopped at the break (saying why) when one would have to be divided, and stopped when no
concordance is loaded. The codes and their links are the UN's; the values are test inputs."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest

from norte import cli
from norte.classify.bridge import bridge
from norte.classify.editions import edition
from norte.ingest import ingest
from norte.store import Store

UN = "classifications/HS2022toHS2017ConversionAndCorrelationTables.xlsx"
HEADER = ["I_COMMODITY", "CTY_CODE", "CTY_NAME", "GEN_VAL_MO", "YEAR", "MONTH", "COMM_LVL"]
ROWS = [
    # December 2021: HS 2017 codes
    ("490510", "2021", "12", "100"),  # HS 2017 490510 + 490599 = HS 2022 490590 (a merge)
    ("490599", "2021", "12", "50"),
    ("030721", "2021", "12", "10"),  # wholly inside HS 2022 030721 ...
    ("030791", "2021", "12", "20"),  # ... but 030791 splits between 030721 and other codes
    # January 2022: HS 2022 codes
    ("490590", "2022", "01", "160"),
    ("030721", "2022", "01", "33"),
]


def _body(tmp_path: Path) -> Path:
    data = [HEADER] + [[c, "2010", "MEXICO", v, y, m, "HS6"] for c, y, m, v in ROWS]
    path = tmp_path / "imports-hs6-mex.json.gz"
    path.write_bytes(gzip.compress(json.dumps(data).encode()))
    return path


@pytest.fixture
def db(shared: Path, tmp_path: Path) -> Path:
    path = tmp_path / "norte.duckdb"
    with Store(path) as s:
        ingest(s, [shared / UN, _body(tmp_path)])
    return path


def test_editions_by_period() -> None:
    assert edition("HS6", dt.date(2021, 12, 1)) == "hs2017"
    assert edition("HS6", dt.date(2022, 1, 1)) == "hs2022"
    assert edition("NAICS", dt.date(2019, 6, 1)) == "naics2017"
    assert edition("ATP", dt.date(2019, 6, 1)) == "atp"


def test_a_merge_is_converted_and_says_with_what(db: Path) -> None:
    with Store(db, read_only=True) as s:
        b = bridge(s.con, ["490590"], "hs2022", "trade_by_country_hs", "import", "MEX")
    assert b.points == [(dt.date(2021, 12, 1), 150.0), (dt.date(2022, 1, 1), 160.0)]
    assert b.stopped is None
    (how,) = b.method
    assert "2021-12 to 2021-12: hs2017 code(s) 490510, 490599 added whole into hs2022 490590" in how
    assert "HS2022toHS2017ConversionAndCorrelationTables.xlsx" in how


def test_a_split_stops_the_series_at_the_break(db: Path) -> None:
    with Store(db, read_only=True) as s:
        b = bridge(s.con, ["030721"], "hs2022", "trade_by_country_hs", "import", "MEX")
    assert b.points == [(dt.date(2022, 1, 1), 33.0)]  # nothing before the break
    assert b.stopped is not None and not b.method
    assert "hs2017 030791 splits between the asked hs2022 code(s) and" in b.stopped
    assert "gives no weights" in b.stopped and "stops at the break" in b.stopped


def test_without_a_concordance_it_stops_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "bare.duckdb"
    with Store(path) as s:
        ingest(s, [_body(tmp_path)])
        b = bridge(s.con, ["490590"], "hs2022", "trade_by_country_hs")
    assert b.points == [(dt.date(2022, 1, 1), 160.0)]
    assert b.stopped is not None and "no concordance between the two is loaded" in b.stopped


def test_cli_json_says_how(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--db", str(db), "codes", "bridge", "490590", "--to", "hs2022", "--json"]
    assert cli.main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["points"] == [
        {"period": "2021-12-01", "value": 150.0},
        {"period": "2022-01-01", "value": 160.0},
    ]
    assert out["stopped"] is None and "added whole" in out["method"][0]
