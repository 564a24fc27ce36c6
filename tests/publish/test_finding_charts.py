"""Every top finding on the site has its chart: the series its ``chart`` descriptor names,
the story's periods marked, money in US$ bn, and the CSV beside it."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from norte.findings.cli import refresh
from norte.findings.run import read
from norte.publish import queries as q
from norte.publish import trade
from norte.publish.context import PageContext, SiteContext
from norte.publish.pages import findings as page
from norte.store import Store
from tests.publish.conftest import BuiltSite


def test_top_findings_have_their_charts(official_site: BuiltSite, tmp_path: Path) -> None:
    db = tmp_path / "norte.duckdb"
    shutil.copy(official_site.db, db)
    out = tmp_path / "site"
    with Store(db) as store:
        refresh(store, out=io.StringIO())
        found = read(store.con, limit=page.CHART_LIMIT)
        assert found and all(f.chart for f in found)
        q.prepare(store.con)
        trade.prepare(store.con)
        site = SiteContext(store=store, out=out, mode="official", languages=("en",), png=False)
        ctx = PageContext(site, "en")
        charts = {f.id: page.finding_chart(ctx, f) for f in found}
        drawn = {i: c for i, c in charts.items() if c is not None}
        # a finding's descriptor names stored series: (almost) every one is drawn
        assert len(drawn) >= len(found) - 2, [f.chart for f in found if charts[f.id] is None]
        for f in found:
            c = charts[f.id]
            if c is None:
                continue
            rows = list(csv.DictReader(io.StringIO((out / "data" / f"{c.id}.csv").read_text())))
            marked = {r["period"] for r in rows if r["mark"] == "highlight"}
            assert marked == set(f.chart["highlight"]) & {r["period"] for r in rows}, f.id
            assert marked, f"{f.id}: the story's period is not on its chart"
            if any(r["unit"] == "USD_bn" for r in rows):
                assert "US$ billions" in c.svg
                # values scaled: no stored dollar amount above a trillion bn
                assert max(float(r["value"]) for r in rows) < 1e4


def test_finding_chart_rows_are_queried_once_per_build(
    official_site: BuiltSite, tmp_path: Path
) -> None:
    """A finding's chart reads its series once per build (kept in the site's cache), not once
    per language: every language draws the same periods, values and marks."""
    db = tmp_path / "norte.duckdb"
    shutil.copy(official_site.db, db)
    with Store(db) as store:
        refresh(store, out=io.StringIO())
        found = [f for f in read(store.con, limit=page.CHART_LIMIT) if f.chart]
        assert found
        q.prepare(store.con)
        trade.prepare(store.con)
        site = SiteContext(
            store=store, out=tmp_path / "site", mode="official", languages=("en", "es", "fr")
        )
        drawn: dict[str, dict[str, list[tuple[str, float, str]]]] = {}
        for lang in site.languages:
            ctx = PageContext(site, lang)
            drawn[lang] = {
                f.id: [(r["period"], r["value"], r["mark"]) for r in page._chart_rows(ctx, f.chart)]
                for f in found
            }
        kept = [k for k in site.cache if k.startswith('["finding-chart-rows"')]
        assert 0 < len(kept) <= len(found)
        assert any(drawn["en"].values())
        assert drawn["es"] == drawn["en"] and drawn["fr"] == drawn["en"]
