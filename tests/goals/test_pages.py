"""Goal pages: rendered from a real store, offline (no network reference), every light with
its numbers and method, the target chart, and stakeholder goals under their shared goal."""

from __future__ import annotations

import re
from pathlib import Path

from norte.goals import add_file
from norte.publish.pages.goals import gt
from norte.publish.site import write_site
from norte.store import Store

from .test_stakeholders import GOOD
from .test_status import hand_projection


def test_goal_pages_offline_with_numbers_and_method(real: Store, tmp_path: Path) -> None:
    f = tmp_path / "acme.toml"
    f.write_text(GOOD, encoding="utf-8")
    add_file(real, f)
    out = tmp_path / "site"
    write_site(real, out, "official", png=False)
    for lang in ("", "es/", "fr/"):
        assert (out / lang / "goals.html").exists()
        for n in (1, 2, 3, 4):
            assert (out / lang / f"goal-{n}.html").exists()
    for page in sorted(out.rglob("goal*.html")):
        html = page.read_text(encoding="utf-8")
        # offline: no http(s) reference outside text (links, scripts, images, styles)
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), page
        assert "@import" not in html, page
        # scripts: only the interactive chart component, from the site, and its data
        for tag in re.findall(r"<script[^>]*>", html):
            assert tag in (
                '<script type="application/json" class="nc-data">',
                f'<script src="{"../" if page.parent != out else ""}js/norte-chart.js" defer>',
            ), (page, tag)
    g3 = (out / "goal-3.html").read_text(encoding="utf-8")
    g4 = (out / "goal-4.html").read_text(encoding="utf-8")
    # product detail: none is loaded in this store, so each product indicator says which
    # command loads it instead of an empty chart (issue 18)
    assert '<h2 id="product-detail">Product detail</h2>' in g3
    assert "No product detail loaded: run <code>norte fetch census --product hitech" in g3
    assert "--product hs --level HS4 --partner 2010" in g3
    es3 = (out / "es" / "goal-3.html").read_text(encoding="utf-8")
    assert "No hay detalle por producto cargado: ejecute <code>norte fetch census" in es3
    # the stakeholder goal sits under goal 3 only, with its owner
    assert "ACME Trade Association" in g3 and "ACME Trade Association" not in g4
    # every light of a target shows its numbers and its method
    cards = re.findall(r'<article class="light-card" id="([^"]+)">(.*?)</article>', g3, re.S)
    targets = [(i, body) for i, body in cards if i.startswith("acme-mx-trade.t")]
    assert [i for i, _ in targets] == ["acme-mx-trade.t1", "acme-mx-trade.t2"]
    for _, body in targets:
        for label in (
            "Target",
            "Latest",
            "Projected at target date",
            "Method",
            "Input vintage",
            "Tolerance bands",
            "Periods used",
            "Rationale",
            "Citation",
        ):
            assert f">{label}" in body, label
        assert "<svg" in body  # trend chart with the target path
        assert '<div class="nc"' in body  # and the interactive chart over it
        assert "Status history" in body
    t1 = dict(targets)["acme-mx-trade.t1"]
    assert "compound annual growth over the last 3 years" in t1
    _, _, projected = hand_projection(real)  # from the stored observations, by hand
    assert "On track" in t1 and f"${projected / 1e9:,.1f} bn" in t1
    # the report's commitments: no data, with the data that would be needed and the citation
    for cid in (
        "rvc-heavy-trucks",
        "rvc-autos",
        "steel-aluminum-originating",
        "lvc-autos",
        "us-chip-capacity",
    ):
        body = dict(
            re.findall(r'<article class="light-card" id="([^"]+)">(.*?)</article>', g4, re.S)
        )[cid]
        assert "No data" in body and "Data needed:" in body and "Citation:" in body
    assert "70.0% by 2027" in g4  # percentages in the locale's style (Babel), as elsewhere
    # an assessed indicator says why its light has its colour (the method's grade)
    from norte.goals import lights, load_shared

    st = {x.id: x.status for x in lights(real.con, load_shared())}
    grade = st["us-total-trade-annual.mex[flow=total]~direction"].reason
    assert grade in ("significant_progress", "moderate_progress", "moderate_away")
    assert gt("en", f"why_{grade}") in g3
    # its trend is a compound rate a year, shown as a percentage (not "$0.0 bn / yr")
    card = dict(re.findall(r'<article class="light-card" id="([^"]+)">(.*?)</article>', g3, re.S))
    body = next(v for k, v in card.items() if "direction" in k)
    assert re.search(r"-?\d+\.\d% / yr", body) and "bn / yr" not in body, body
    es = (out / "es" / "goal-3.html").read_text(encoding="utf-8")
    assert "Semáforos" in es and "Metas de actores" in es
