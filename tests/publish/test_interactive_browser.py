"""The interactive chart component in a real browser (Playwright driving Debian's Chromium) on
the built static site opened from disk (``file://``, as a reader opens it: no server, no
fetch): hover values checked against the store, year-over-year percentages, the permalink
restoring the state in a new page, keyboard use, the embed view, print keeping the static SVG;
and the web app's way (``data-src``: the payload fetched from a local server)."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from norte.publish.i18n import Translator
from tests.publish.conftest import BuiltSite

CHROMIUM = os.environ.get("NORTE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(
        f"Chromium is not installed ({CHROMIUM}); apt-get install -y chromium (CI does)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api")

from norte.publish.pdf import CHROMIUM_FLAGS  # noqa: E402

FLAGS = [f for f in CHROMIUM_FLAGS if f != "--headless"]
FIG = "#mex-exports-imports"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    p = browser.new_page(viewport={"width": 1100, "height": 900})
    errors: list[str] = []
    p.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.on("request", lambda r: None if r.url.startswith("file://") else errors.append(r.url))
    yield p
    p.close()
    assert errors == [], errors  # no script error, no request leaving the disk


def _store_values(db: Path, flow: str) -> dict[dt.date, float]:
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute(
            """SELECT period, value FROM observations_latest WHERE source = 'census'
               AND dataset = 'trade_by_country' AND reporter = 'USA' AND partner = 'MEX'
               AND flow = ? AND freq = 'M' AND measure = 'value'""",
            [flow],
        ).fetchall()
    return dict(got)


def _hover(page: Any, period: str) -> str:
    """Move the mouse over ``period`` (first day, ISO) on the chart; the tooltip's text."""
    page.locator(f"{FIG} svg.nc-plot").scroll_into_view_if_needed()
    x = page.evaluate(
        "p => document.querySelector('#mex-exports-imports').norteChart.clientX(p)", period
    )
    box = page.locator(f"{FIG} svg.nc-plot").bounding_box()
    page.mouse.move(x, box["y"] + box["height"] / 2)
    tip = page.locator(f"{FIG} .nc-tip")
    tip.wait_for(state="visible")
    return str(tip.inner_text())


def _values(tip: str) -> dict[str, str]:
    return dict(re.findall(r"^\W*(U\.S\. \w+(?: \(first release\))?): (.+)$", tip, re.M))


def _select(page: Any, label: str, value: str) -> None:
    page.locator(FIG).get_by_label(label, exact=True).select_option(value)


def test_hover_shows_the_store_value_as_people_read_it(official_site: BuiltSite, page: Any) -> None:
    uri = (official_site.out / "partner-mex.html").as_uri()
    page.goto(uri)
    assert page.url == uri  # the URL changes when the reader changes the chart, not before
    # with JavaScript the interactive chart replaces the static one on screen
    assert page.locator(f"{FIG} > svg").first.is_hidden()
    assert page.locator(f"{FIG} svg.nc-plot path.nc-line").count() == 2
    tip = _hover(page, "2024-03-01")
    exports, imports = (
        _store_values(official_site.db, "export"),
        _store_values(official_site.db, "import"),
    )
    mar = dt.date(2024, 3, 1)
    en = Translator("en")
    assert tip.splitlines()[0] == "Mar 2024"
    assert _values(tip) == {
        "U.S. exports": en.usd(exports[mar]),
        "U.S. imports": en.usd(imports[mar]),
    }
    assert re.fullmatch(r"\$\d+\.\d bn", en.usd(exports[mar]))


def test_year_over_year_gives_the_change_on_the_same_month_a_year_earlier(
    official_site: BuiltSite, page: Any
) -> None:
    page.goto((official_site.out / "partner-mex.html").as_uri())
    _select(page, "Show", "yoy")
    tip = _hover(page, "2024-03-01")
    en = Translator("en")
    want = {}
    for flow, name in (("export", "U.S. exports"), ("import", "U.S. imports")):
        v = _store_values(official_site.db, flow)
        want[name] = en.pct(v[dt.date(2024, 3, 1)] / v[dt.date(2023, 3, 1)] - 1)
    assert _values(tip) == want
    assert page.locator(f"{FIG} svg.nc-plot").text_content().count("Change on a year earlier") == 1
    assert "t=yoy" in page.url


def test_permalink_restores_range_transform_vintage_and_series(
    official_site: BuiltSite, browser: Any, page: Any
) -> None:
    page.goto((official_site.out / "partner-mex.html").as_uri())
    _select(page, "From", "2020-01")
    _select(page, "To", "2024-06")
    _select(page, "Show", "index")
    _select(page, "Release", "both")
    page.locator(f"{FIG} .nc-legend input[value=import]").uncheck()
    link = page.locator(f"{FIG} a.nc-permalink").get_attribute("href")
    assert link == "#mex-exports-imports?from=2020-01&to=2024-06&t=index&v=both&s=export"
    before = _hover(page, "2023-03-01")
    assert "Index, Jan 2020 = 100" in page.locator(f"{FIG} svg.nc-plot").text_content()
    embed = page.locator(f"{FIG} details.nc-embed textarea").input_value()
    assert embed.startswith('<iframe src="file://') and "embed=1" in embed

    other = browser.new_page(viewport={"width": 1100, "height": 900})
    other.goto((official_site.out / "partner-mex.html").as_uri() + link)
    for label, value in (("From", "2020-01"), ("To", "2024-06"), ("Show", "index")):
        assert other.locator(FIG).get_by_label(label, exact=True).input_value() == value
    assert other.locator(FIG).get_by_label("Release", exact=True).input_value() == "both"
    assert not other.locator(f"{FIG} .nc-legend input[value=import]").is_checked()
    after = _hover(other, "2023-03-01")
    assert after == before
    # index: first period shown = 100, the first release drawn beside the latest
    assert set(_values(after)) == {"U.S. exports", "U.S. exports (first release)"}
    other.close()


def test_keyboard_reads_the_values(official_site: BuiltSite, page: Any) -> None:
    page.goto((official_site.out / "partner-mex.html").as_uri() + f"{FIG}?from=2024-01&to=2024-12")
    plot = page.locator(f"{FIG} svg.nc-plot")
    plot.focus()
    tip = page.locator(f"{FIG} .nc-tip")
    assert tip.inner_text().splitlines()[0] == "Dec 2024"
    page.keyboard.press("Home")
    assert tip.inner_text().splitlines()[0] == "Jan 2024"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert tip.inner_text().splitlines()[0] == "Mar 2024"
    assert tip.get_attribute("role") == "status"
    # the controls are native form controls, reached with Tab
    page.locator(FIG).get_by_label("Show", exact=True).focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SELECT"


def test_embed_view_shows_only_the_chart(official_site: BuiltSite, page: Any) -> None:
    page.goto((official_site.out / "partner-mex.html").as_uri() + f"{FIG}?t=yoy&v=latest&embed=1")
    assert page.locator(f"{FIG} svg.nc-plot").is_visible()
    assert page.locator("header").is_hidden() and page.locator("h1").is_hidden()


def test_print_keeps_the_static_svg(official_site: BuiltSite, page: Any) -> None:
    page.goto((official_site.out / "partner-mex.html").as_uri())
    page.emulate_media(media="print")
    assert page.locator(f"{FIG} > svg").first.is_visible()
    assert page.locator(f"{FIG} .nc").is_hidden()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_web_app_mode_reads_the_payload_from_a_url(
    official_site: BuiltSite, browser: Any, tmp_path: Path
) -> None:
    html = (official_site.out / "partner-mex.html").read_text(encoding="utf-8")
    (data,) = re.findall(
        r'<div class="nc" data-nc="mex-exports-imports" hidden></div>\s*'
        r'<script type="application/json" class="nc-data">(.*?)</script>',
        html,
    )
    (tmp_path / "js").mkdir()
    shutil.copy(official_site.out / "js/norte-chart.js", tmp_path / "js")
    (tmp_path / "chart.json").write_text(json.dumps(json.loads(data)), encoding="utf-8")
    (tmp_path / "page.html").write_text(
        '<!doctype html><html lang="en"><body><figure id="mex-exports-imports">'
        '<div class="nc" data-src="chart.json" hidden></div>'
        '<script src="js/norte-chart.js" defer></script></figure></body></html>',
        encoding="utf-8",
    )
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        p = browser.new_page()
        p.goto(f"http://127.0.0.1:{httpd.server_address[1]}/page.html")
        p.locator(f"{FIG} svg.nc-plot path.nc-line").first.wait_for()
        tip = _hover(p, "2024-03-01")
        v = _store_values(official_site.db, "export")
        assert "U.S. exports" in _values(tip), tip
        assert _values(tip)["U.S. exports"] == Translator("en").usd(v[dt.date(2024, 3, 1)])
        p.close()
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def goal_site(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A stakeholder goal with a dated target over the Census indicators computed at two
    input vintages (the mid-2024 workbook, then the 2025 API files), its pages in English."""
    from norte.goals import add_file
    from norte.indicators import compute, load_catalog
    from norte.publish.site import write_site
    from norte.sources import census_api, census_xlsx
    from norte.store import Store
    from tests.goals.conftest import AS_OF_2024, USED
    from tests.goals.test_stakeholders import GOOD

    root = tmp_path_factory.mktemp("goal-site")
    with Store(root / "norte.duckdb") as s:
        s.load_file(shared / "census/country.xlsx", census_xlsx)
        for flow in ("exports", "imports"):
            s.load_file(shared / f"census/api/{flow}-country-2013-2024.json.gz", census_api)
        defs = [d for d in load_catalog() if d.id in USED]
        compute(s, catalog=defs, as_of=AS_OF_2024)
        compute(s, catalog=defs)
        (root / "acme.toml").write_text(GOOD, encoding="utf-8")
        add_file(s, root / "acme.toml")
        write_site(s, root / "site", "official", languages=("en",), png=False)
    return root / "norte.duckdb", root / "site"


def test_goal_chart_shows_both_releases_and_the_target_path(
    goal_site: tuple[Path, Path], page: Any
) -> None:
    db, site = goal_site
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute(
            """SELECT period, input_vintage, value FROM indicator_values
               WHERE indicator_id = 'us-total-trade-annual.mex' AND flow = 'total'
                 AND year(period) IN (2022, 2023) ORDER BY input_vintage"""
        ).fetchall()
    first = {p.year: v for p, _, v in reversed(got)}  # the oldest vintage wins
    latest = {p.year: v for p, _, v in got}  # the newest vintage wins
    assert first[2023] != latest[2023]  # revised by the API files
    fig = "#goal-acme-mx-trade-acme-mx-trade-t1"
    page.goto((site / "goal-3.html").as_uri() + fig + "?v=both")
    page.locator(f"{fig} svg.nc-plot").scroll_into_view_if_needed()
    x = page.evaluate(f"document.querySelector('{fig}').norteChart.clientX('2023-01-01')")
    box = page.locator(f"{fig} svg.nc-plot").bounding_box()
    page.mouse.move(x, box["y"] + box["height"] / 2)
    tip = page.locator(f"{fig} .nc-tip")
    tip.wait_for(state="visible")
    rows = tip.inner_text().splitlines()
    en = Translator("en")
    assert rows[0] == "2023"  # annual data read as years
    assert f"Indicator (first release): {en.usd(first[2023])}" in rows[1]
    assert rows[2].startswith(f"\u25cf Indicator: {en.usd(latest[2023])} (revised by ")
    assert any(r.startswith("\u25cf Target path: $") for r in rows)
    assert not any("no value" in r for r in rows)  # a reference without a value is left out
    page.locator(fig).get_by_label("Show", exact=True).select_option("yoy")
    page.locator(fig).get_by_label("Release", exact=True).select_option("latest")
    page.mouse.move(x, box["y"] + box["height"] / 2)
    rows = tip.inner_text().splitlines()
    assert rows == ["2023", f"\u25cf Indicator: {en.pct(latest[2023] / latest[2022] - 1)}"]
