"""The home page leads with the board — the four shared goals, their lights counted, and a
small multiple per lit light (sparkline, light, the number that decided it) — in the three
languages, before the findings and the partner tables; the PDF cover prints the same board.
The decided number is checked against a compound rate worked out by hand from the stored
indicator values of real Census files."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest

from norte.goals import load_shared
from norte.indicators import compute, load_catalog
from norte.publish.charts import sparkline
from norte.publish.i18n import Translator
from norte.publish.pages.goals import gt
from norte.publish.site import write_site
from norte.sources import census_api, census_xlsx
from norte.store import Store

USED = ("us-total-trade-annual", "us-total-trade", "us-balance-annual")
KEY = "us-total-trade-annual.mex[flow=total]~direction"


@pytest.fixture(scope="module")
def site(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Path]]:
    root = tmp_path_factory.mktemp("board")
    s = Store(root / "norte.duckdb")
    s.load_file(shared / "census/country.xlsx", census_xlsx)
    s.load_file(shared / "census/api/exports-country-2013-2024.json.gz", census_api)
    s.load_file(shared / "census/api/imports-country-2013-2024.json.gz", census_api)
    compute(s, catalog=[d for d in load_catalog() if d.id in USED])
    out = root / "site"
    write_site(s, out, "official", png=False)
    yield s, out
    s.close()


def _cards(html: str) -> dict[str, str]:
    found = re.findall(
        r'<li class="card" data-status="([^"]+)">\s*<a class="card-title" href="([^"]+)">'
        r"(.*?)</li>",
        html,
        re.S,
    )
    return {href.split("#", 1)[1]: status + "|" + body for status, href, body in found}


def hand_cagr(s: Store) -> tuple[float, dt.date, dt.date]:
    (vintage,) = s.con.execute(
        "SELECT max(input_vintage) FROM indicator_values WHERE indicator_id = ?",
        ["us-total-trade-annual.mex"],
    ).fetchone() or (None,)
    rows = dict(
        s.con.execute(
            "SELECT period, value FROM indicator_values WHERE indicator_id = ? AND flow = 'total'"
            " AND input_vintage = ? AND value IS NOT NULL",
            ["us-total-trade-annual.mex", vintage],
        ).fetchall()
    )
    last = max(rows)
    first = last.replace(year=last.year - 5)
    return (rows[last] / rows[first]) ** (1 / 5) - 1, first, last


def test_home_leads_with_the_board_in_three_languages(site: tuple[Store, Path]) -> None:
    store, out = site
    rate, first, last = hand_cagr(store)
    for lang, folder in (("en", ""), ("es", "es/"), ("fr", "fr/")):
        html = unescape((out / folder / "index.html").read_text(encoding="utf-8"))
        board = html.index('id="board"')
        # the board comes before the partner tables (and the findings when there are any)
        assert board < html.index("<table")
        if "findings.html#f-" in html:
            assert board < html.index("findings.html#f-")
        for goal in load_shared():
            assert f"{gt(lang, 'goal_n', n=goal.number)}. {goal.title[lang]}" in html
        cards = _cards(html)
        assert KEY in cards, list(cards)
        status, body = cards[KEY].split("|", 1)
        assert status in ("on_track", "at_risk", "off_track")
        assert gt(lang, f"status_{status}") in body
        # the number that decided it: the CAGR over the window, by hand, in the locale's style
        tr = Translator(lang)
        decided = gt(lang, "dec_direction", rate=tr.pct(rate), start=first.year, end=last.year)
        assert decided in body, body
        # its sparkline draws the stored series (one point a year, up to 40)
        points = re.search(r'points="([^"]+)"', body)
        assert points is not None
        (n,) = store.con.execute(
            "SELECT count(*) FROM indicator_values WHERE indicator_id = ? AND flow = 'total'"
            " AND input_vintage = (SELECT max(input_vintage) FROM indicator_values"
            " WHERE indicator_id = ?) AND value IS NOT NULL",
            ["us-total-trade-annual.mex", "us-total-trade-annual.mex"],
        ).fetchone() or (0,)
        assert len(points.group(1).split()) == min(n, 40)
        # the card links to the light on its goal page
        assert f'href="goal-3.html#{KEY}"' in html


def test_pdf_cover_prints_the_same_board(site: tuple[Store, Path]) -> None:
    _, out = site
    for folder in ("", "es/", "fr/"):
        home = _cards(unescape((out / folder / "index.html").read_text(encoding="utf-8")))
        cover = _cards(unescape((out / folder / "report.html").read_text(encoding="utf-8")))
        assert home
        # the same lights with the same colours and decided numbers (the cover has no method line)
        assert set(cover) == set(home)
        for k, v in cover.items():
            assert v.split("|")[0] == home[k].split("|")[0]
            decided = re.search(r'<span class="decided">(.*?)</span>', v)
            assert decided is not None and decided.group(1) in home[k]


def test_sparkline_draws_every_value_and_ends_in_the_light_colour() -> None:
    svg = sparkline([1.0, 3.0, 2.0, 5.0], "#0b6e4f")
    points = re.search(r'points="([^"]+)"', svg)
    assert points is not None and len(points.group(1).split()) == 4
    ys = [float(p.split(",")[1]) for p in points.group(1).split()]
    assert ys.index(min(ys)) == 3 and ys.index(max(ys)) == 0  # highest value drawn highest
    assert 'fill="#0b6e4f"' in svg and 'aria-hidden="true"' in svg
    assert sparkline([1.0], "#000000") == ""
