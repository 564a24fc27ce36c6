"""The static report site: plain HTML + inline SVG charts + CSV downloads; opens from disk."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any, TextIO

from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, PackageLoader, select_autoescape

from norte.publish import queries as q
from norte.publish.charts import Chart, bars, time_lines
from norte.store import Store

PARTNERS = {"MEX": "Mexico", "CAN": "Canada", "CHN": "China"}
CENSUS_NOTE = (
    "Source: U.S. Census Bureau, U.S. international trade in goods (exports: total exports, "
    "F.A.S. basis; imports: general imports, customs value). Not seasonally adjusted."
)


def usd(v: float | None, scale: str = "bn") -> str:
    """US$ in billions (or millions) with one decimal, locale-formatted."""
    if v is None:
        return "–"
    div = 1e9 if scale == "bn" else 1e6
    return f"${format_decimal(v / div, format='#,##0.0', locale='en_US')} {scale}"


def pct(v: float | None) -> str:
    return "–" if v is None else format_percent(v, format="#,##0.0%", locale="en_US")


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("norte", "publish/templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["usd"] = usd
    env.filters["pct"] = pct
    env.filters["num"] = lambda v: "–" if v is None else format_decimal(v, locale="en_US")
    return env


def _partner_charts(con: Any, code: str, name: str) -> tuple[list[Chart], list[dict[str, Any]]]:
    monthly = q.monthly(con, code)
    if not monthly:
        return [], []
    long_rows = []
    bal_rows = []
    for r in monthly:
        p = r["period"].isoformat()
        for flow, key in (("U.S. exports", "exports"), ("U.S. imports", "imports")):
            if r[key] is not None:
                long_rows.append({"month": p, "flow": flow, "usd_bn": round(r[key] / 1e9, 6)})
        if r["exports"] is not None and r["imports"] is not None:
            bal_rows.append(
                {"month": p, "balance_usd_bn": round((r["exports"] - r["imports"]) / 1e9, 6)}
            )
    years = set(q.complete_years(con))
    annual: dict[int, float] = {}
    for r in monthly:
        y = r["period"].year
        if y in years and r["exports"] is not None and r["imports"] is not None:
            annual[y] = annual.get(y, 0.0) + r["exports"] + r["imports"]
    total_rows = [
        {"year": str(y), "total_trade_usd_bn": round(v / 1e9, 6)} for y, v in sorted(annual.items())
    ]
    slug = code.lower()
    charts = [
        time_lines(
            f"{slug}-exports-imports",
            f"U.S. exports to and imports from {name}, monthly",
            CENSUS_NOTE,
            long_rows,
            "month",
            "usd_bn",
            "flow",
            "US$ billions",
        ),
        bars(
            f"{slug}-balance",
            f"U.S. trade balance with {name}, monthly",
            "Balance = exports − imports; negative is a U.S. deficit. " + CENSUS_NOTE,
            bal_rows,
            "month",
            "balance_usd_bn",
            "US$ billions",
            signed=True,
        ),
        bars(
            f"{slug}-total-trade",
            f"U.S. total trade (exports + imports) with {name}, by year",
            "Complete calendar years only. " + CENSUS_NOTE,
            total_rows,
            "year",
            "total_trade_usd_bn",
            "US$ billions",
            temporal=False,
        ),
    ]
    return charts, monthly


def write_site(store: Store, out: Path, mode: str, progress: TextIO | None = None) -> int:
    """Render every page into ``out``; returns the number of pages written."""
    con = store.con
    env = _env()
    if out.exists():
        shutil.rmtree(out)
    (out / "data").mkdir(parents=True)
    (out / "charts").mkdir()
    q.prepare(con)
    built = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    years = q.complete_years(con)
    latest = q.latest_month(con)
    tables: list[dict[str, Any]] = []
    for y in years[:3]:
        tables.append(
            {
                "title": f"Top U.S. trading partners, {y} (total trade)",
                "id": f"top-partners-{y}",
                "rows": q.top_partners(con, dt.date(y, 1, 1), dt.date(y, 12, 1)),
            }
        )
    if latest is not None and (not years or latest.year > years[0]):
        tables.insert(
            0,
            {
                "title": f"Top U.S. trading partners, {latest:%B %Y} (latest month)",
                "id": f"top-partners-{latest:%Y-%m}",
                "rows": q.top_partners(con, latest, latest),
            },
        )
    for t in tables:
        _write_csv(out / "data" / f"{t['id']}.csv", t["rows"])
    common = {"built": built, "mode": mode, "partners": PARTNERS}
    pages = 0

    partner_pages = []
    for code, name in PARTNERS.items():
        charts, monthly = _partner_charts(con, code, name)
        for c in charts:
            (out / "data" / f"{c.id}.csv").write_text(c.csv, encoding="utf-8")
            (out / "charts" / f"{c.id}.svg").write_text(c.svg, encoding="utf-8")
        summary = []
        for y in years[:5]:
            ex = sum(r["exports"] or 0 for r in monthly if r["period"].year == y)
            im = sum(r["imports"] or 0 for r in monthly if r["period"].year == y)
            summary.append(
                {"year": y, "exports": ex, "imports": im, "balance": ex - im, "total": ex + im}
            )
        ranks = {
            t["id"]: next((r["rank"] for r in t["rows"] if r["partner"] == code), None)
            for t in tables
        }
        page = env.get_template("partner.html").render(
            **common,
            code=code,
            name=name,
            charts=charts,
            summary=summary,
            tables=tables,
            ranks=ranks,
            seed=q.seed_figures(con, code) if mode == "seed" else [],
        )
        (out / f"partner-{code.lower()}.html").write_text(page, encoding="utf-8")
        partner_pages.append({"code": code, "name": name, "charts": len(charts)})
        pages += 1
        if progress:
            print(f"  page partner-{code.lower()}.html ({len(charts)} charts)", file=progress)

    index = env.get_template("index.html").render(
        **common,
        tables=tables,
        partner_pages=partner_pages,
        seed=q.seed_figures(con) if mode == "seed" else [],
        latest=latest,
    )
    (out / "index.html").write_text(index, encoding="utf-8")
    pages += 1
    data = env.get_template("data.html").render(
        **common,
        coverage=q.coverage(con),
        loads=q.loads(con),
        vintages=q.vintages(con),
    )
    (out / "data.html").write_text(data, encoding="utf-8")
    pages += 1
    if progress:
        print(f"  pages index.html, data.html; {len(tables)} partner tables", file=progress)
    return pages


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        if not rows:
            f.write("")
            return
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
