"""Partner pages (``partner-mex.html``...): U.S. trade with Mexico, Canada and China — yearly
summary with rank, monthly exports/imports, balance and total trade charts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from norte.errors import NorteError
from norte.publish import charts as ch
from norte.publish import queries as q
from norte.publish import trade
from norte.publish.context import NavItem, PageContext, SiteContext
from norte.publish.interactive import partner_trade
from norte.publish.pages import PageFamily
from norte.publish.pages.common import source_refs
from norte.publish.pages.home import PARTNERS
from norte.publish.pages.report import add_charts
from norte.publish.pages.reporter import own_side


def _data(site: SiteContext, code: str) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        con = site.con
        monthly = q.monthly(con, code)
        return {
            "monthly": monthly,
            # every year complete in one release of this partner's own rows (not the world's)
            "years": trade.partner_years(con, code),
            "sources": q.provenance(con, q.TRADE, "partner = ?", [code]),
        }

    result: dict[str, Any] = site.once(f"partner:{code}", compute)
    return result


def partner_charts(ctx: PageContext, code: str) -> list[ch.Chart]:
    """The three charts of a partner page, in the context's language."""
    d = _data(ctx.site, code)
    monthly = d["monthly"]
    if not monthly:
        return []
    name = ctx.label("partner", code)
    tr = ctx.tr
    exports, imports = ctx.t("flow_exports"), ctx.t("flow_imports")
    long_rows = []
    bal_rows = []
    for r in monthly:
        p = r["period"].isoformat()
        for flow, key in ((exports, "exports"), (imports, "imports")):
            if r[key] is not None:
                long_rows.append({"month": p, "flow": flow, "usd_bn": round(r[key] / 1e9, 6)})
        if r["exports"] is not None and r["imports"] is not None:
            bal_rows.append(
                {"month": p, "balance_usd_bn": round((r["exports"] - r["imports"]) / 1e9, 6)}
            )
    total_rows = [
        {"year": str(r["year"]), "total_trade_usd_bn": round(r["total"] / 1e9, 6)}
        for r in d["years"]
    ]
    slug = code.lower()
    note = ctx.t("census_note")
    refs = source_refs(ctx, d["sources"])
    first, last = monthly[0]["period"], monthly[-1]["period"]
    out = [
        ch.time_lines(
            f"{slug}-exports-imports",
            ctx.t("chart_exports_imports", name=name),
            note,
            long_rows,
            "month",
            "usd_bn",
            "flow",
            ctx.t("axis_usd_bn"),
            locale=tr.d3,
        ),
        ch.bars(
            f"{slug}-balance",
            ctx.t("chart_balance", name=name),
            ctx.t("chart_balance_note") + " " + note,
            bal_rows,
            "month",
            "balance_usd_bn",
            ctx.t("axis_usd_bn"),
            signed=True,
            locale=tr.d3,
        ),
    ]
    if total_rows:
        out.append(
            ch.bars(
                f"{slug}-total-trade",
                ctx.t("chart_total_trade", name=name),
                ctx.t("chart_complete_years") + " " + note,
                total_rows,
                "year",
                "total_trade_usd_bn",
                ctx.t("axis_usd_bn"),
                temporal=False,
                locale=tr.d3,
            )
        )
    partner_trade(ctx, out[0], code)  # hover, range, YoY, first release, permalink
    last_row = monthly[-1]
    out[0].alt = ctx.t(
        "alt_lines",
        title=out[0].title,
        n=len(monthly),
        first=tr.month(first),
        last=tr.month(last),
        latest=f"{exports} {tr.usd(last_row['exports'])}, {imports} {tr.usd(last_row['imports'])}",
    )
    for c, rows_, key, label in (
        (out[1], bal_rows, "balance_usd_bn", "month"),
        (out[2] if len(out) > 2 else None, total_rows, "total_trade_usd_bn", "year"),
    ):
        if c is None or not rows_:
            continue
        hi = max(rows_, key=lambda r: r[key])
        lo = min(rows_, key=lambda r: r[key])
        c.alt = ctx.t(
            "alt_bars",
            title=c.title,
            n=len(rows_),
            first=rows_[0][label],
            last=rows_[-1][label],
            max_label=hi[label],
            max=tr.usd(hi[key] * 1e9),
            min_label=lo[label],
            min=tr.usd(lo[key] * 1e9),
        )
    for c in out:
        c.sources = refs
        ctx.publish_chart(c)
    mirror = mirror_chart(ctx, code)
    if mirror is not None:
        out.append(ctx.publish_chart(mirror))
    add_charts(ctx, "partners", out, heading=name)
    return out


def mirror_chart(ctx: PageContext, code: str) -> ch.Chart | None:
    """Both reporters' figures of each flow (``norte mirror``), annual, for the years both
    sides cover; None when the partner's own statistics are not loaded (or not in US$)."""
    from norte.mirror import Mirror, mirror

    name = ctx.label("partner", code)
    rows: list[dict[str, Any]] = []
    for flow, a_key, b_key in (
        ("import", "mirror_us_imports", "mirror_partner_exports"),
        ("export", "mirror_us_exports", "mirror_partner_imports"),
    ):

        def both_sides(flow: str = flow) -> Mirror | None:
            try:
                return mirror(ctx.con, "USA", code, flow, "A")
            except NorteError:  # no figures of either side
                return None

        # the same figures in every language: read once per site
        m: Mirror | None = ctx.site.once(f"mirror:{code}:{flow}", both_sides)
        if m is None:
            continue
        for r in m.rows:
            if r.value_a is None or r.value_b is None:
                continue
            year = str(r.period.year)
            rows.append(
                {"year": year, "series": ctx.t(a_key, name=name), "usd_bn": r.value_a / 1e9}
            )
            rows.append(
                {"year": year, "series": ctx.t(b_key, name=name), "usd_bn": r.value_b / 1e9}
            )
    if not rows:
        return None
    chart = ch.time_lines(
        f"{code.lower()}-mirror",
        ctx.t("chart_mirror", name=name),
        ctx.t("chart_mirror_note", name=name),
        rows,
        "year",
        "usd_bn",
        "series",
        ctx.t("axis_usd_bn"),
        locale=ctx.tr.d3,
    )
    years = sorted({r["year"] for r in rows})
    chart.alt = f"{chart.title}: {years[0]}–{years[-1]}"
    return chart


def _rank(site: SiteContext, code: str, year: int, vintage: dt.date) -> int | None:
    # every partner page asks the same years of the same releases: one ranking each
    got: dict[str, int] = site.once(
        f"ranks:{year}:{vintage}", lambda: trade.ranks(site.con, year, vintage)
    )
    return got.get(code)


def render(ctx: PageContext) -> None:
    for code in PARTNERS:
        d = _data(ctx.site, code)
        # the newest five years complete in one release of this partner's rows; the rank is
        # among the countries of that same release
        summary = list(reversed(d["years"][-5:]))
        ranks = {s["year"]: _rank(ctx.site, code, s["year"], s["vintage"]) for s in summary}
        name = ctx.label("partner", code)
        ctx.write_page(
            f"partner-{code.lower()}.html",
            "partner.html",
            code=code,
            name=name,
            charts=partner_charts(ctx, code),
            own=[ctx.publish_chart(c) for c in own_side(ctx, code)],
            own_title=ctx.t(f"own_side_{code}") if code in ("MEX", "CAN") else "",
            summary=summary,
            ranks=ranks,
            seed=q.seed_figures(ctx.con, code) if ctx.mode == "seed" else [],
        )


def nav(site: SiteContext) -> list[NavItem]:
    return [NavItem(f"partner-{c.lower()}.html", f"partner:{c}", order=10) for c in PARTNERS]


FAMILY = PageFamily("partner", render, nav, order=20, loads_only=True)
