"""The data the interactive chart component draws (``norte.publish.interactive``): periods,
vintages (first release vs latest, checked against the store), units and formats, the JSON
embedded in the page, and the mount on the built site."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from norte.ingest import ingest
from norte.publish import charts as ch
from norte.publish import interactive as ic
from norte.publish.context import PageContext, SiteContext
from norte.publish.i18n import LANGUAGES
from norte.store import Store
from tests.publish.conftest import BuiltSite

CENSUS = ["census/api/exports-country-2013-2024.json.gz", "census/country.xlsx"]


@pytest.fixture(scope="module")
def census(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The real Census files: the workbook (1985–mid 2024) and the API (2013–2024), two
    vintages that overlap for 2013–2024 with revised values."""
    root = tmp_path_factory.mktemp("census")
    with Store(root / "norte.duckdb") as store:
        ingest(store, [shared / f for f in CENSUS], out=io.StringIO())
        yield store


def _ctx(store: Store, out: Path, lang: str = "en") -> PageContext:
    return PageContext(SiteContext(store=store, out=out, mode="official"), lang)


def _chart(
    chart_id: str = "mex-exports-imports", rows: list[dict[str, Any]] | None = None
) -> ch.Chart:
    spec: dict[str, Any] = {"data": {"values": rows or []}}
    return ch.Chart(chart_id, "Trade with Mexico", "", "<svg></svg>", "", spec)


def _payload(chart: ch.Chart) -> dict[str, Any]:
    assert chart.interactive, "the component was not mounted"
    got: dict[str, Any] = json.loads(chart.interactive)
    return got


def test_revisions_keep_the_newest_and_the_oldest_vintage_of_each_period() -> None:
    d1, d2, d3 = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)
    v1, v2, v3 = dt.date(2024, 3, 5), dt.date(2024, 4, 5), dt.date(2024, 5, 5)
    rows = [(d1, v2, 11.0), (d1, v1, 10.0), (d1, v3, 12.0), (d2, v2, 20.0), (d3, v3, None)]
    latest, first, vintages = ic.revisions(rows)
    assert latest == {d1: 12.0, d2: 20.0}
    assert first == {d1: 10.0, d2: 20.0}
    assert vintages == [v1, v2, v3]  # a missing value names no vintage of its own


def test_partner_trade_embeds_every_month_at_its_latest_and_first_release(
    census: Store, tmp_path: Path
) -> None:
    chart = ic.partner_trade(_ctx(census, tmp_path), _chart(), "MEX")
    d = _payload(chart)
    assert d["id"] == "mex-exports-imports" and d["freq"] == "M" and d["unit"] == "USD"
    assert d["axis"] == "US$ billions"
    periods = [dt.date.fromisoformat(p) for p in d["periods"]]
    # monthly, contiguous, from the workbook's first month to the API's last
    assert periods[0] == dt.date(1985, 1, 1) and periods[-1] == dt.date(2024, 12, 1)
    assert all(
        (b.year * 12 + b.month) - (a.year * 12 + a.month) == 1
        for a, b in zip(periods, periods[1:], strict=False)
    )
    (exports,) = [s for s in d["series"] if s["key"] == "export"]
    assert exports["label"] == "U.S. exports" and exports["color"] == ch.PALETTE[0]
    con = census.con
    # latest: the store's own newest row per month; first: the oldest vintage's value
    latest = dict(
        con.execute(
            """SELECT period, value FROM observations_latest WHERE source = 'census'
               AND dataset = 'trade_by_country' AND partner = 'MEX' AND flow = 'export'
               AND freq = 'M' AND measure = 'value'"""
        ).fetchall()
    )
    first = dict(
        con.execute(
            """SELECT period, arg_min(value, vintage) FROM observations WHERE source = 'census'
               AND dataset = 'trade_by_country' AND partner = 'MEX' AND flow = 'export'
               AND freq = 'M' AND measure = 'value' GROUP BY period"""
        ).fetchall()
    )
    assert exports["latest"] == [latest.get(p) for p in periods]
    assert exports["first"] == [first.get(p) for p in periods]
    mar24 = periods.index(dt.date(2024, 3, 1))
    # the two releases differ for March 2024 (the API revised the workbook's figure)
    assert exports["first"][mar24] != exports["latest"][mar24]
    assert d["vintages"] == {"first": "2024-08-06", "latest": "2025-02-06"}


def test_a_series_with_one_vintage_has_no_first_release(census: Store, tmp_path: Path) -> None:
    # imports come from the workbook only here (the API file loaded is the exports one)
    d = _payload(ic.partner_trade(_ctx(census, tmp_path), _chart(), "MEX"))
    (imports,) = [s for s in d["series"] if s["key"] == "import"]
    assert "first" not in imports
    assert imports["latest"][-1] is None  # after the workbook's last month: no value


@pytest.mark.parametrize("lang", LANGUAGES)
def test_formats_are_the_site_formatters(census: Store, tmp_path: Path, lang: str) -> None:
    ctx = _ctx(census, tmp_path, lang)
    d = _payload(ic.partner_trade(ctx, _chart(), "MEX"))
    fmt = d["fmt"]
    # the component writes v with the group and decimal marks and fills the patterns: the
    # same text as the tables' formatters
    v = 27_012_345_678.0
    text = f"{v / 1e9:,.1f}".replace(",", "G").replace(".", "D")
    text = text.replace("G", fmt["group"]).replace("D", fmt["decimal"])
    assert fmt["usd_bn"].replace("{v}", text) == ctx.tr.usd(v)
    assert fmt["pct"].replace("{v}", "12" + fmt["decimal"] + "5") == ctx.tr.pct(0.125)
    assert len(fmt["months"]) == 12 and fmt["months"][2].lower().startswith("mar")
    assert set(d["t"]) == set(ic.strings("en")), "every UI string in every language"


def test_goal_indicator_embeds_input_vintages_and_the_target_as_a_reference(
    store: Store, tmp_path: Path
) -> None:
    con = store.con
    rows = [
        # (period, value, input vintage): 2022 revised by the second vintage, 2023 new in it
        (dt.date(2022, 1, 1), 100.0e9, dt.date(2023, 2, 1)),
        (dt.date(2022, 1, 1), 104.0e9, dt.date(2024, 2, 1)),
        (dt.date(2023, 1, 1), 110.0e9, dt.date(2024, 2, 1)),
    ]
    for period, value, vintage in rows:
        con.execute(
            """INSERT INTO indicator_values (indicator_id, base_id, partner, period, freq, value,
                 unit, input_vintage, inputs_hash, computed_at)
               VALUES ('t.trade', 't', 'MEX', ?, 'A', ?, 'USD', ?, 'h', now())""",
            [period, value, vintage],
        )
    spec_rows = [
        {"period": "2022-01-01", "series": "Indicator", "value": 104.0},
        {"period": "2023-01-01", "series": "Indicator", "value": 110.0},
        {"period": "2022-01-01", "series": "Target path", "value": 104.0},
        {"period": "2030-01-01", "series": "Target path", "value": 200.0},
        {"period": "2030-01-01", "series": "Target", "value": 200.0},
    ]
    chart = ic.indicator(_ctx(store, tmp_path), _chart("goal-1-t", spec_rows), "t.trade", {}, "USD")
    d = _payload(chart)
    assert d["freq"] == "A" and d["unit"] == "USD"
    assert d["periods"] == ["2022-01-01", "2023-01-01", "2030-01-01"]
    ind, path, target = d["series"]
    assert ind["label"] == "Indicator"
    assert ind["latest"] == [104.0e9, 110.0e9, None]
    assert ind["first"] == [100.0e9, 110.0e9, None]
    assert path["ref"] and path["latest"] == [104.0e9, None, 200.0e9]  # back to US$
    assert target["ref"] and target["latest"] == [None, None, 200.0e9]
    assert d["vintages"] == {"first": "2023-02-01", "latest": "2024-02-01"}


def test_nothing_to_draw_leaves_the_static_chart_alone(store: Store, tmp_path: Path) -> None:
    chart = ic.partner_trade(_ctx(store, tmp_path), _chart(), "MEX")  # empty store
    assert chart.interactive == "" and "script" not in chart.links
    assert not (tmp_path / ic.JS_ASSET).exists()


def test_misaligned_series_are_refused() -> None:
    with pytest.raises(ValueError, match="2 latest values for 3 periods"):
        ic.Data(
            "x",
            "X",
            "M",
            "USD",
            ["2024-01-01", "2024-02-01", "2024-03-01"],
            [ic.Series("a", "A", [1.0, 2.0])],
        )
    with pytest.raises(ValueError, match="frequency 'W'"):
        ic.Data("x", "X", "W", "USD", [], [])


def test_embedded_json_cannot_close_its_script_element() -> None:
    text = ic.script_json({"label": "</script><script>alert(1)</script> & <!--"})
    assert "</" not in text and "<!--" not in text
    assert json.loads(text) == {"label": "</script><script>alert(1)</script> & <!--"}


def test_site_mounts_the_component_on_partner_charts(official_site: BuiltSite) -> None:
    out = official_site.out
    js = out / ic.JS_ASSET
    assert js.exists() and js.stat().st_size < 40_000  # the size budget, unminified
    js.read_bytes().decode("ascii")  # ASCII: read right whatever charset a server announces
    for page, prefix in (("partner-mex.html", ""), ("es/partner-mex.html", "../")):
        html = (out / page).read_text(encoding="utf-8")
        fig = html[html.index('<figure id="mex-exports-imports"') :]
        fig = fig[: fig.index("</figure>")]
        assert fig.index("<svg ") < fig.index('<div class="nc"'), "the static SVG comes first"
        assert f'<script src="{prefix}js/norte-chart.js" defer></script>' in fig
        (data,) = re.findall(r'<script type="application/json" class="nc-data">(.*?)</script>', fig)
        d = json.loads(data)
        assert d["id"] == "mex-exports-imports" and len(d["periods"]) > 400
    # charts without series over time (bars of a year, maps) keep only their static SVG
    assert 'class="nc"' not in (out / "prosperity-map.html").read_text(encoding="utf-8")
