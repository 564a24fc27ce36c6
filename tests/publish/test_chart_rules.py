"""The rules a chart follows so a reader can tell it apart (issue 17): as many distinct colours
(or colour × dash) as series, map-tile labels with WCAG contrast computed from each tile's fill,
units and scale on every value axis, annual data labelled as years, a goal's chart drawing its
target path and the projection that decides the light."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest

from norte.goals import add_file
from norte.publish import charts as ch
from norte.publish import geo
from norte.publish.context import PageContext, SiteContext
from norte.publish.pages.maps_border import tile_grid
from norte.publish.site import write_site
from norte.store import Store
from tests.goals.conftest import real_db  # noqa: F401  (the goals tests' real Census store)
from tests.goals.test_stakeholders import GOOD
from tests.publish.conftest import BuiltSite


def _marks(svg: str, role: str, attr: str) -> list[str]:
    """``attr`` of every mark of ``role`` (``bar``, ``line mark``) in a vl-convert SVG."""
    out = []
    for m in re.finditer(r'<path([^>]*)aria-roledescription="' + role + r'"([^>]*)>', svg):
        tag = m.group(1) + m.group(2)
        got = re.search(attr + r'="([^"]+)"', tag)
        out.append(got.group(1) if got else "")
    return out


def test_stacked_bars_get_one_colour_per_series_up_to_eight() -> None:
    modes = ["vessel", "air", "mail", "truck", "rail", "pipeline", "other", "FTZ"]
    rows = [{"year": "2023", "mode": m, "v": i + 1} for i, m in enumerate(modes)]
    chart = ch.bars("t", "t", "", rows, "year", "v", "US$ bn", temporal=False, color="mode")
    fills = _marks(chart.svg, "bar", "fill")
    assert len(fills) == 8 and len(set(fills)) == 8  # the bug: 8 modes in 5 colours
    with pytest.raises(ValueError, match="9 stacked series"):
        ch.bars("t", "t", "", [*rows, {"year": "2023", "mode": "x", "v": 1}], "year", "v",
                "US$ bn", temporal=False, color="mode")  # fmt: skip


def test_lines_past_eight_series_differ_by_colour_and_dash() -> None:
    rows = [{"m": f"2024-0{k}-01", "s": f"s{i}", "v": i + k} for i in range(11) for k in (1, 2)]
    chart = ch.time_lines("t", "t", "", rows, "m", "v", "s", "US$ bn")
    strokes = _marks(chart.svg, "line mark", "stroke")
    dashes = _marks(chart.svg, "line mark", "stroke-dasharray")
    assert len(strokes) == 11 and len(set(zip(strokes, dashes, strict=True))) == 11


def _deutan(hex_colour: str) -> tuple[float, float, float]:
    """Machado et al. (2009) deuteranopia simulation, severity 1, on linear RGB."""
    h = hex_colour.lstrip("#")
    rgb = [ch._lin(int(h[i : i + 2], 16)) for i in (0, 2, 4)]
    m = ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
         (-0.011820, 0.042940, 0.968881))  # fmt: skip
    return tuple(sum(a * b for a, b in zip(row, rgb, strict=True)) for row in m)  # type: ignore[return-value]


def test_palette_stays_distinct_for_deuteranopes() -> None:
    sim = [_deutan(c) for c in ch.PALETTE]
    nearest = min(
        sum((a - b) ** 2 for a, b in zip(x, y, strict=True)) ** 0.5
        for i, x in enumerate(sim)
        for y in sim[i + 1 :]
    )
    assert nearest > 0.05  # the old five-colour palette: 0.04 (two colours merge)


def test_tile_labels_contrast_with_their_own_fill(store: Store, tmp_path: Path) -> None:
    ctx = PageContext(SiteContext(store=store, out=tmp_path, mode="official"), "en")
    # scores over the full range, so dark and light tiles both occur (AGU, CMX were dark on dark)
    codes = sorted(geo.MX_TILES)
    values = {c: 40 + 40 * i / (len(codes) - 1) for i, c in enumerate(codes)}
    spec = tile_grid(ctx, "t", values, "SPI", us_values={"TX": 90.0, "CA": 10.0})
    tiles = spec["data"]["values"]
    assert len({t["fill"] for t in tiles}) >= 5 and {t["ink"] for t in tiles} == {
        "#ffffff",
        ch.DARK_TEXT,
    }
    for t in tiles:
        assert ch.contrast(t["ink"], t["fill"]) >= 4.5, t
    svg = ch.render(spec)  # the labels are drawn in the colour computed for their tile
    for t in tiles:
        assert re.search(rf'fill="{t["ink"]}"[^>]*>{t["abbr"]}</text>', svg), t["abbr"]


BARE = re.compile(r">-?\d{1,3}(?:,\d{3}){3,}<")  # a tick like 1,000,000,000,000 (no scale)


def test_every_value_axis_of_the_site_has_a_title_and_a_scale(official_site: BuiltSite) -> None:
    svgs = sorted((official_site.out / "charts").glob("*.svg"))
    assert svgs
    for svg in svgs:
        text = svg.read_text(encoding="utf-8")
        if 'class="mark-group role-axis"' not in text:
            continue  # a map
        assert "role-axis-title" in text, svg.name
        assert not BARE.search(text), svg.name


@pytest.fixture(scope="module")
def goal_site(real_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    root = tmp_path_factory.mktemp("goal-site")
    db = root / "real.duckdb"
    shutil.copy(real_db, db)
    (root / "acme.toml").write_text(GOOD, encoding="utf-8")
    with Store(db) as s:
        add_file(s, root / "acme.toml")
        write_site(s, root / "site", "official", languages=["en"], png=False)
    return root / "site"


def test_a_goal_chart_has_units_years_the_path_and_the_projection(goal_site: Path) -> None:
    svg = (goal_site / "charts" / "goal-acme-mx-trade-acme-mx-trade-t1.svg").read_text("utf-8")
    assert ">US$ billions<" in svg and not BARE.search(svg)  # was 1,000,000,000,000, no unit
    for series in ("Indicator", "Target path", "Projection", "Target"):
        assert f">{series}<" in svg, series
    ticks = re.findall(r">(\d{4})</text>", svg)  # annual data: ticks are years, each once
    assert ticks and len(ticks) == len(set(ticks)), ticks


def test_the_site_charts_have_a_colour_per_series(official_site: BuiltSite) -> None:
    """On the real site: every stacked-bar chart draws as many colours as its CSV has series
    (TransBorder by mode: 8 modes, was 5 colours)."""
    checked = 0
    for svg in sorted((official_site.out / "charts").glob("*.svg")):
        fills = set(_marks(svg.read_text(encoding="utf-8"), "bar", "fill"))
        text = (official_site.out / "data" / f"{svg.stem}.csv").read_text("utf-8")
        rows = list(csv.DictReader(io.StringIO(text)))
        if not rows or "series" not in rows[0]:
            continue
        series = {r["series"] for r in rows}
        assert len(fills) == len(series), (svg.name, len(fills), len(series))
        checked += 1
    assert checked  # the TransBorder mode chart at least
