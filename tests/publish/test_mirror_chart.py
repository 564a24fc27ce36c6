"""The partner page shows both sides of the trade when the partner's own statistics are loaded:
U.S. figures (Census) next to Mexico's (Secretaría de Economía), for the years both cover."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from norte.ingest import ingest
from norte.publish import queries as q
from norte.publish import trade
from norte.publish.context import PageContext, SiteContext
from norte.publish.pages.partner import mirror_chart
from norte.store import Store


def _ctx(store: Store, out: Path) -> PageContext:
    q.prepare(store.con)
    trade.prepare(store.con)
    site = SiteContext(store=store, out=out, mode="official", languages=("en",), png=False)
    return PageContext(site, "en")


def test_mexico_page_has_both_sides(shared: Path, tmp_path: Path) -> None:
    se = shared / "se"
    with Store(tmp_path / "norte.duckdb") as store:
        ingest(store, [shared / "census" / "country.xlsx"], out=io.StringIO())
        ctx = _ctx(store, tmp_path / "site")
        assert mirror_chart(ctx, "MEX") is None  # U.S. figures only: no mirror chart
        ingest(
            store,
            [se / "bc_e" / "G8_ESTADOS UNIDOS DE AMERICA.html", se / "bc_e" / "D9_CANADA.html"],
            out=io.StringIO(),
        )
        ctx = _ctx(store, tmp_path / "site")
        chart = mirror_chart(ctx, "MEX")
        assert chart is not None
        ctx.publish_chart(chart)
        se_2019 = store.con.execute(
            "SELECT value FROM observations_latest WHERE source = 'se' AND partner = 'USA' "
            "AND flow = 'export' AND year(period) = 2019"
        ).fetchone()
    rows = list(csv.DictReader(io.StringIO((tmp_path / "site/data/mex-mirror.csv").read_text())))
    years = sorted({r["year"] for r in rows})
    assert years[0] == "1993" and years[-1] == "2020"  # the years both sides cover
    mx = {r["year"]: float(r["usd_bn"]) for r in rows if r["series"].startswith("Exports to")}
    assert se_2019 is not None and mx["2019"] * 1e9 == pytest.approx(se_2019[0])
    assert {r["series"] for r in rows} == {
        "U.S. imports from Mexico (U.S. figure)",
        "Exports to the U.S. (Mexico's figure)",
        "U.S. exports to Mexico (U.S. figure)",
        "Imports from the U.S. (Mexico's figure)",
    }
