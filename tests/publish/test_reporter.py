"""The partner pages show the partner's own side (issue 13): Mexico as INEGI records its trade
(exports by HS chapter, mode and customs office from the BCMM open data; light-vehicle exports
to the U.S. from RAIAVL), Canada as Statistics Canada records its trade with the U.S., each
chart with its source line and vintage; the numbers drawn are the stored ones, summed here by
hand."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from norte.ingest import ingest
from norte.publish.site import write_site
from norte.store import Store

REPO = Path(__file__).resolve().parents[2]
FILES = (
    "inegi/bcmm",
    "inegi/conjunto_de_datos_raiavl_mensual_exportacion_csv.zip",
    "statcan/canada-us-trade-by-napcs-section-annual-2014-2024.csv",
    "census/api/exports-country-2013-2024.json.gz",
    "census/api/imports-country-2013-2024.json.gz",
)


@pytest.fixture(scope="module")
def built(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Path]]:
    root = tmp_path_factory.mktemp("reporter")
    s = Store(root / "norte.duckdb")
    ingest(
        s,
        [shared / f for f in FILES],
        options={"provenance_dirs": [str(REPO / "provenance")]},
        out=io.StringIO(),
    )
    out = root / "site"
    write_site(s, out, "official", png=False)
    yield s, out
    s.close()


def _csv(out: Path, chart: str) -> list[list[str]]:
    text = (out / "data" / f"{chart}.csv").read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(text)))[1:]


def test_mexico_page_shows_mexicos_own_side(built: tuple[Store, Path]) -> None:
    store, out = built
    html = (out / "partner-mex.html").read_text(encoding="utf-8")
    assert "Mexico&#39;s side: its trade as INEGI records it" in html or "Mexico's side" in html
    for chart in ("mex-side-chapters", "mex-side-modes", "mex-side-customs", "mex-side-vehicles"):
        assert f'id="{chart}"' in html, chart
    # the chapters drawn are the top ten of the newest complete year, summed by hand
    (year,) = store.con.execute(
        "SELECT max(y) FROM (SELECT year(period) y FROM observations_latest"
        " WHERE dataset = 'bcmm_mode_chapter' AND flow = 'export' AND mode IS NULL"
        " AND product_code IS NULL GROUP BY 1 HAVING count(DISTINCT period) = 12)"
    ).fetchone() or (None,)
    assert year is not None and f"HS chapter, {year}" in html
    top = store.con.execute(
        "SELECT product_code, sum(value) FROM observations_latest WHERE dataset ="
        " 'bcmm_mode_chapter' AND flow = 'export' AND product_scheme = 'HS2'"
        " AND year(period) = ? GROUP BY 1 ORDER BY 2 DESC LIMIT 10",
        [year],
    ).fetchall()
    drawn = [float(r[-1]) for r in _csv(out, "mex-side-chapters")]
    assert drawn == pytest.approx([v / 1e9 for _, v in top])
    # each chart says where its numbers come from, with the release date
    fig = html.split('id="mex-side-chapters"', 1)[1].split("</figure>", 1)[0]
    assert "INEGI BCMM" in fig and "bcmm_mode_chapter" in fig
    # vehicles to the U.S.: every month, summed over brands and models
    (units,) = store.con.execute(
        "SELECT sum(value) FROM observations_latest WHERE dataset = 'raiavl_exports'"
        " AND partner = 'USA'"
    ).fetchone() or (0,)
    assert sum(float(r[-1]) for r in _csv(out, "mex-side-vehicles")) == pytest.approx(units)


def test_canada_page_shows_canadas_own_side_in_canadian_dollars(
    built: tuple[Store, Path],
) -> None:
    store, out = built
    html = (out / "partner-can.html").read_text(encoding="utf-8")
    for chart in ("can-side-totals", "can-side-provinces"):
        assert f'id="{chart}"' in html, chart
    assert "C$ billions" in (out / "charts" / "can-side-totals.svg").read_text(encoding="utf-8")
    fig = html.split('id="can-side-totals"', 1)[1].split("</figure>", 1)[0]
    assert "statcan_trade_napcs_annual" in fig
    totals = store.con.execute(
        "SELECT sum(value) FROM observations_latest WHERE dataset = 'statcan_trade_napcs_annual'"
        " AND partner = 'USA' AND product_code IS NULL AND geo_code IS NULL"
    ).fetchone()
    assert totals is not None
    drawn = sum(float(r[-1]) for r in _csv(out, "can-side-totals"))
    assert drawn == pytest.approx(totals[0] / 1e9)


def test_china_page_has_no_own_side(built: tuple[Store, Path]) -> None:
    _, out = built
    html = (out / "partner-chn.html").read_text(encoding="utf-8")
    assert "-side-" not in html
