"""Mirror-gap findings: the band rule on constructed series, and the wording in en/es/fr of the
findings the real shared files give (Census vs the Secretaría de Economía's monthly pages)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from norte.findings.data import Series
from norte.findings.gaps import MAD_SCALE, band, gap_findings
from norte.findings.run import detect
from norte.indicators.catalog import load_catalog
from norte.indicators.engine import compute
from norte.ingest import ingest
from norte.store import Store

CFG = {"years": 10, "k": 3.0, "min_width": 1.0, "min_history": {"A": 5}, "recent": {"A": 1}}
SIDES = {"g": ("USA", "MEX")}


def _series(values: list[float]) -> Series:
    pts = [(dt.date(2000 + i, 1, 1), v) for i, v in enumerate(values)]
    dims = {"flow": "import", "partner": "MEX", "product_code": None, "mode": None}
    return Series("g", "g", dims, "percent", "A", pts)  # type: ignore[arg-type]


def test_band_is_median_plus_minus_k_scaled_mad() -> None:
    b = band([1.0, 2.0, 3.0, 4.0, 100.0], k=3.0, min_width=0.0)
    assert (b.median, b.mad, b.n) == (3.0, 1.0, 5)  # the outlier moves neither
    assert b.high == pytest.approx(3 + 3 * MAD_SCALE) and b.low == pytest.approx(3 - 3 * MAD_SCALE)
    flat = band([-4.0] * 6, k=3.0, min_width=1.0)  # no spread: the band keeps +/- 1 point
    assert (flat.low, flat.high) == (-5.0, -3.0)


HISTORY = [-4.0, -4.2, -3.9, -4.4, -4.1, -3.8, -4.3, -4.0, -4.2, -4.1]


def test_inside_the_band_no_finding_outside_a_finding() -> None:
    assert gap_findings([_series([*HISTORY, -4.5])], CFG, SIDES) == []
    (low,) = gap_findings([_series([*HISTORY, -9.0])], CFG, SIDES)
    assert low.type == "mirror_gap" and low.period == "2010"
    assert low.values["variant"] == "mirror_gap_below" and low.values["value"] == -9.0
    assert low.values["median"] == pytest.approx(-4.1)
    assert float(low.values["low"]) > -9.0  # type: ignore[arg-type]
    (high,) = gap_findings([_series([*HISTORY, 1.0])], CFG, SIDES)
    assert high.values["variant"] == "mirror_gap_above"
    assert high.subject == {"partner": "MEX", "flow": "import"}
    # too little history (fewer than min_history earlier values): no band, no finding
    assert gap_findings([_series([-4.0, -4.1, -9.0])], CFG, SIDES) == []
    # a series that is not a mirror indicator is never tested
    assert gap_findings([_series([*HISTORY, -9.0])], CFG, {}) == []


def test_the_band_uses_only_the_previous_years() -> None:
    # an old regime (+20%) ten years back is out of the window: -4% history judges -9%
    old = [20.0] * 5
    (f,) = gap_findings([_series([*old, *HISTORY, -9.0])], CFG, SIDES)
    assert f.values["history_n"] == 10 and f.values["median"] == pytest.approx(-4.1)


@pytest.fixture(scope="module")
def found(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> list:  # type: ignore[type-arg]
    path = tmp_path_factory.mktemp("gapf") / "norte.duckdb"
    se = shared / "se"
    defs = [d for d in load_catalog() if d.id.startswith("mirror-gap-")]
    with Store(path) as s:
        ingest(
            s,
            [
                shared / "census" / "country.xlsx",
                se / "bcm_e" / "G8_ESTADOS UNIDOS DE AMERICA.html",
                se / "bc_e" / "G8_ESTADOS UNIDOS DE AMERICA.html",
            ],
            out=io.StringIO(),
        )
        compute(s, catalog=defs)
        report = detect(s, targets=[], catalog=defs)
    return [f for f in report.findings if f.type == "mirror_gap"]


def test_real_gaps_worded_in_three_languages(found: list) -> None:  # type: ignore[type-arg]
    # 2020: April's collapse and December's gap leave the band of 2010-2019 (monthly)
    by_period = {f.period: f for f in found if f.indicators == ["mirror-gap-us-imports-mex"]}
    dec = by_period["2020-12"]
    assert dec.values["variant"] == "mirror_gap_below"
    assert dec.headline["en"].endswith("the gap fell below its usual band in December 2020")
    assert "quedó por debajo de su banda habitual en diciembre de 2020" in dec.headline["es"]
    assert "est passé sous sa bande habituelle en décembre 2020" in dec.headline["fr"]
    pct = f"{abs(float(dec.values['value'])):.1f}"  # type: ignore[arg-type]
    assert f"−{pct}% of the first one (Mexico recorded more)" in dec.text["en"]
    assert f"−{pct.replace('.', ',')}\u00a0% de la primera (México registró más)" in dec.text["es"]
    assert "(chiffre le plus élevé : Mexique)" in dec.text["fr"]
    assert "120 months" in dec.text["en"] and "120 meses" in dec.text["es"]
    # scored by the common rule, sourced from both reporters' agencies
    assert 0 < dec.score <= 100 and dec.score_parts["importance"] > 0
    assert {s["source"] for s in dec.sources} >= {"census", "se"}
    assert dec.meta["en"].startswith("Mirror gap out of its band")
