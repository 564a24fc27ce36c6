"""Helpers shared by page families."""

from __future__ import annotations

import datetime as dt
from typing import Any

from norte.publish.charts import SourceRef
from norte.publish.context import PageContext


def source_refs(ctx: PageContext, prov: list[dict[str, Any]]) -> list[SourceRef]:
    """:func:`norte.publish.queries.provenance` rows as chart sources, labelled in the language."""
    return [
        SourceRef(
            source=p["source"],
            dataset=p["dataset"],
            label=ctx.label("dataset", p["dataset"]),
            vintages=[ctx.tr.date(v) for v in p["vintages"]],
            rows=int(p["rows"]),
            first=period(ctx, p["first"], p.get("freq")),
            last=period(ctx, p["last"], p.get("freq")),
        )
        for p in prov
    ]


def period(ctx: PageContext, d: dt.date | None, freq: str | None) -> str:
    """A period as its frequency reads: ``2024`` for annual data, ``January 2024`` for monthly,
    ``2024 Q1`` for quarterly."""
    if d is None:
        return ctx.tr.month(d)
    if freq == "A":
        return str(d.year)
    if freq == "Q":
        return f"{d.year} Q{(d.month - 1) // 3 + 1}"
    return ctx.tr.month(d)


def spi_summary(ctx: PageContext, rows: list[dict[str, Any]]) -> str:
    """Alt-text summary of SPI scores by state: how many, the best and the worst."""
    hi = max(rows, key=lambda r: r["spi_overall"])
    lo = min(rows, key=lambda r: r["spi_overall"])
    return ctx.t(
        "alt_spi",
        n=len(rows),
        hi=hi["state"],
        hi_v=ctx.tr.num(hi["spi_overall"], 1),
        lo=lo["state"],
        lo_v=ctx.tr.num(lo["spi_overall"], 1),
    )
