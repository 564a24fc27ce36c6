"""Product-detail indicators on the shared data: the only product body by country beside the
HS6 seafood CSV is the Census API's HS2 imports of 2023-2024, so autos are computed at the
chapter level (HS 87, labelled so); the ATP, NAICS and HS4 indicators have no detail loaded,
and their JSON and the goal page say which command loads it instead of showing nothing."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from norte import cli
from norte.indicators import compute
from norte.ingest import ingest
from norte.publish.i18n import Translator
from norte.publish.pages.goal_products import product_views
from norte.store import Store

HS2 = "census/api/imports-hs2-country-2023-2024.json.gz"


def _chapter_87(shared: Path, cty: str, year: str) -> float:
    """The year's general imports of HS chapter 87 from one country, straight from the file."""
    rows = json.loads(gzip.decompress((shared / HS2).read_bytes()))
    i = {k: n for n, k in enumerate(rows[0])}
    return sum(
        float(r[i["GEN_VAL_MO"]])
        for r in rows[1:]
        if r[i["I_COMMODITY"]] == "87" and r[i["CTY_CODE"]] == cty and r[i["YEAR"]] == year
    )


@pytest.fixture(scope="module")
def hs2_db(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("hs2") / "norte.duckdb"
    with Store(db) as s:
        ingest(s, [shared / HS2])
        compute(s, only=["us-imports-vehicles-hs2-annual", "us-atp-balance-annual"])
    return db


def _show(db: Path, ident: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert cli.main(["--db", str(db), "indicators", "show", ident, "--json"]) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def test_autos_at_the_chapter_level_from_the_real_hs2_file(
    hs2_db: Path, shared: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store(hs2_db, read_only=True) as s:
        got = dict(
            s.con.execute(
                "SELECT period, value FROM indicator_values_latest "
                "WHERE indicator_id = 'us-imports-vehicles-hs2-annual.mex'"
            ).fetchall()
        )
    assert got == {
        dt.date(2023, 1, 1): pytest.approx(_chapter_87(shared, "2010", "2023")),
        dt.date(2024, 1, 1): pytest.approx(_chapter_87(shared, "2010", "2024")),
    }
    info = _show(hs2_db, "us-imports-vehicles-hs2-annual.mex", capsys)
    d = info["product_detail"]
    assert d["loaded"] and d["level"] == "HS2 (chapter)" and d["hint"] is None
    assert info["classification"] is None  # 2023-2024: one edition (HS 2022)


def test_indicators_without_detail_say_which_command_loads_it(
    hs2_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    want = {
        "us-atp-balance-annual": "norte fetch census --product hitech --from",
        "us-imports-naics-334-335-annual": "norte fetch census --product naics --level NA3 --from",
        "us-imports-autos-naics-annual.can": "--product naics --level NA4 --partner 1220 --from",
        "us-imports-autos-parts-hs4-annual.mex": "--product hs --level HS4 --partner 2010 --from",
    }
    for ident, command in want.items():
        d = _show(hs2_db, ident, capsys)["product_detail"]
        assert not d["loaded"] and d["rows"] == 0, ident
        assert d["hint"].startswith("no product detail loaded: run `norte fetch census"), ident
        assert command in d["hint"], ident


def test_goal_page_section_shows_values_or_the_command(hs2_db: Path) -> None:
    with Store(hs2_db, read_only=True) as s:
        for lang, none in (
            ("en", "No product detail loaded: run"),
            ("es", "No hay detalle por producto cargado: ejecute"),
        ):
            tr = Translator(lang)
            ctx: Any = SimpleNamespace(
                con=s.con, lang=lang, tr=tr, t=tr.t, site=SimpleNamespace(once=lambda k, f: f())
            )
            views = {v["id"]: v for v in product_views(ctx, 3)}
            mex = views["us-imports-vehicles-hs2-annual.mex"]
            assert mex["none"] is None and mex["level"] == "HS2 (chapter)"
            assert mex["shown"] == [("87 MEX", tr.usd(136_556_709_549.0))]
            atp = views["us-atp-balance-annual"]
            assert atp["none"] == none and atp["shown"] == []
            assert atp["command"].startswith("norte fetch census --product hitech")


def test_goal_page_renders_the_loaded_product_values(hs2_db: Path, tmp_path: Path) -> None:
    """The whole site over a store with product detail loaded: goal 3 shows the chapter-87
    imports from Mexico as a table (the template once iterated a dict's ``values`` method,
    so ``norte build`` failed on the full shared data)."""
    from norte.publish.site import write_site

    out = tmp_path / "site"
    with Store(hs2_db, read_only=True) as s:
        write_site(s, out, "official", png=False)
    g3 = (out / "goal-3.html").read_text(encoding="utf-8")
    card = g3[g3.index('id="us-imports-vehicles-hs2-annual.mex"') :]
    card = card[: card.index("</article>")]
    assert '<th scope="row">87 MEX</th>' in card and "$136.6 bn" in card, card
