"""Mirror reconciliation: both sides of one flow of goods, side by side.

The U.S. says it imported X from Mexico; Mexico says it exported Y to the U.S. Both are
official and both are right on their own terms; the gap between them is information.
:func:`mirror` puts the two reporters' figures of the same flow next to each other, by month
or by year, with the gap and its usual causes (:data:`REASONS`, documented in
``docs/architecture.md`` "Mirror reconciliation").

Side A is ``reporter``'s figure of ``flow`` with ``partner``; side B is ``partner``'s own figure
of the opposite flow with ``reporter`` (U.S. imports from Mexico ↔ Mexico's exports to the U.S.).
Each side reads the newest vintage (``observations_latest``) of national totals only — no
product, mode, customs-office or state breakdown, ``measure = 'value'``, ``unit = 'USD'`` — and,
when several sources of one reporter hold the flow (Mexico: the SE pages and INEGI's BCMM), the
first source of :data:`PRECEDENCE` with a value for the period; every row names the source of
each side. Annual figures are the source's own annual rows when it publishes them, else the
sum of twelve monthly values (a year with a missing month has no annual value: never a partial
sum).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import duckdb

from norte.errors import UsageError

#: Sources per reporter, most authoritative first, for a period both hold.
PRECEDENCE: dict[str, tuple[str, ...]] = {
    "USA": ("census",),
    "MEX": ("se", "inegi"),
    "CAN": ("statcan",),
}
OPPOSITE = {"import": "export", "export": "import"}
FLOW_WORDS = {"imports": "import", "exports": "export", "import": "import", "export": "export"}

#: Why two official figures of the same flow differ (en). Sources: UN Statistics Division,
#: *International Merchandise Trade Statistics: Concepts and Definitions 2010* (valuation,
#: partner attribution, time of recording); Secretaría de Economía's balance pages (the
#: buyer-country note); U.S. Census Bureau, *Guide to Foreign Trade Statistics* (re-exports,
#: general imports, customs value).
REASONS: tuple[tuple[str, str], ...] = (
    (
        "valuation",
        "Exports are valued at the exporter's border (F.A.S./F.O.B.); an importer may value "
        "the same goods including freight and insurance (C.I.F.). U.S. imports are at customs "
        "value, which excludes them; check each agency's basis before reading the gap as error.",
    ),
    (
        "partner attribution",
        "Importers attribute goods to the country of origin, exporters to the country of "
        "destination (or, for Mexico's exports before 2002, to the buyer's country, as the "
        "Secretaría de Economía notes): goods of third-country origin count on one side only.",
    ),
    (
        "re-exports and transit",
        "U.S. total exports include re-exports of foreign goods; goods passing through the "
        "partner on their way elsewhere can be recorded as trade with it by one side.",
    ),
    (
        "timing",
        "A shipment leaving at the end of a month is recorded by the importer in the next one: "
        "monthly gaps swing, annual gaps are steadier.",
    ),
    (
        "coverage and revisions",
        "Low-value shipments, confidential records and revisions are treated differently by "
        "each agency; compare the same vintage era where it matters.",
    ),
)


@dataclass(frozen=True)
class MirrorRow:
    period: dt.date
    freq: str
    #: side A: ``reporter``'s figure of ``flow`` with ``partner`` (US$)
    value_a: float | None
    source_a: str | None
    #: side B: ``partner``'s figure of the opposite flow with ``reporter`` (US$)
    value_b: float | None
    source_b: str | None

    @property
    def gap(self) -> float | None:
        """A − B in US$."""
        if self.value_a is None or self.value_b is None:
            return None
        return self.value_a - self.value_b

    @property
    def gap_pct(self) -> float | None:
        """(A − B) / B × 100."""
        g = self.gap
        if g is None or not self.value_b:
            return None
        return g / self.value_b * 100

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["period"] = self.period.isoformat()
        d["gap"] = self.gap
        d["gap_pct"] = self.gap_pct
        return d


@dataclass(frozen=True)
class Mirror:
    reporter: str
    partner: str
    flow: str
    freq: str
    rows: list[MirrorRow]
    #: why a side is missing where the store has its figures in a form that can't be compared
    notes: tuple[str, ...] = ()

    @property
    def mirror_flow(self) -> str:
        return OPPOSITE[self.flow]

    def to_json(self) -> dict[str, Any]:
        return {
            "side_a": {"reporter": self.reporter, "partner": self.partner, "flow": self.flow},
            "side_b": {
                "reporter": self.partner,
                "partner": self.reporter,
                "flow": self.mirror_flow,
            },
            "freq": self.freq,
            "unit": "USD",
            "gap": "side_a - side_b; gap_pct = gap / side_b * 100",
            "reasons": [{"reason": k, "text": t} for k, t in REASONS],
            "notes": list(self.notes),
            "rows": [r.to_json() for r in self.rows],
        }


def _side(
    con: duckdb.DuckDBPyConnection, reporter: str, partner: str, flow: str, freq: str
) -> dict[dt.date, tuple[float, str]]:
    """``{period: (value, source)}`` of one side: national totals, newest vintage."""
    order = PRECEDENCE.get(reporter, ())
    rows = con.execute(
        "SELECT source, dataset, period, freq, value FROM observations_latest "
        "WHERE reporter = ? AND partner = ? AND flow = ? AND measure = 'value' AND unit = 'USD' "
        "AND product_code IS NULL AND mode IS NULL AND geo_code IS NULL AND detail IS NULL "
        "AND freq IN ('M', 'A') AND value IS NOT NULL",
        [reporter, partner, flow],
    ).fetchall()
    # One series per (source, dataset): two datasets of one source can hold the same total
    # (the SE balance pages and the SE product pages' total row) and are never added up.
    by_series: dict[tuple[str, str], dict[str, dict[dt.date, float]]] = {}
    for source, dataset, period, f, value in rows:
        by_series.setdefault((source, dataset), {}).setdefault(f, {})[period] = float(value)
    ranked = sorted(
        by_series,
        key=lambda k: (
            order.index(k[0]) if k[0] in order else len(order),
            k[0],
            -sum(len(v) for v in by_series[k].values()),  # the longest series of a source first
            k[1],
        ),
    )
    out: dict[dt.date, tuple[float, str]] = {}
    for key in ranked:
        series = by_series[key]
        if freq == "M":
            values = series.get("M", {})
        else:
            values = dict(series.get("A", {}))
            years: dict[int, list[float]] = {}
            for p, v in series.get("M", {}).items():
                years.setdefault(p.year, []).append(v)
            for y, vs in years.items():
                day = dt.date(y, 1, 1)
                if day not in values and len(vs) == 12:
                    values[day] = sum(vs)
        for p, v in values.items():
            out.setdefault(p, (v, key[0]))
    return out


def mirror(
    con: duckdb.DuckDBPyConnection,
    reporter: str,
    partner: str,
    flow: str = "import",
    freq: str = "A",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Mirror:
    """Both sides of ``reporter``'s ``flow`` with ``partner``, every period either side has."""
    reporter, partner = reporter.upper(), partner.upper()
    if flow not in FLOW_WORDS:
        raise UsageError(f"--flow {flow!r}: expected imports or exports")
    flow = FLOW_WORDS[flow]
    if freq not in ("M", "A"):
        raise UsageError(f"--freq {freq!r}: expected M (monthly) or A (annual)")
    if reporter == partner:
        raise UsageError(f"--reporter and --partner are both {reporter}: name two countries")
    a = _side(con, reporter, partner, flow, freq)
    b = _side(con, partner, reporter, OPPOSITE[flow], freq)
    notes = tuple(
        n
        for n in (
            _unusable(con, reporter, partner, flow) if not a else "",
            _unusable(con, partner, reporter, OPPOSITE[flow]) if not b else "",
        )
        if n
    )
    if not a and not b and not notes:
        raise UsageError(
            f"no {flow} figures of {reporter} with {partner} nor of {partner} with {reporter} "
            "in the store — load both countries' trade files first (norte formats lists them)"
        )
    periods = sorted(
        p for p in set(a) | set(b) if (start is None or p >= start) and (end is None or p <= end)
    )
    rows = [
        MirrorRow(
            p,
            freq,
            a[p][0] if p in a else None,
            a[p][1] if p in a else None,
            b[p][0] if p in b else None,
            b[p][1] if p in b else None,
        )
        for p in periods
    ]
    return Mirror(reporter, partner, flow, freq, rows, notes)


def _unusable(con: duckdb.DuckDBPyConnection, reporter: str, partner: str, flow: str) -> str:
    """A note when ``reporter``'s figures of the flow exist but not as comparable national
    US$ totals (e.g. StatCan's trade in Canadian dollars, by product section only)."""
    rows = con.execute(
        "SELECT DISTINCT source, unit, product_code IS NOT NULL FROM observations_latest "
        "WHERE reporter = ? AND partner = ? AND flow = ? AND measure = 'value' ORDER BY ALL",
        [reporter, partner, flow],
    ).fetchall()
    if not rows:
        return ""
    units = sorted({str(u) for _, u, _ in rows} - {"USD"})
    what = ", ".join(sorted({str(s) for s, _, _ in rows}))
    if units:
        return (
            f"{reporter}'s {flow}s with {partner} are stored ({what}) in {', '.join(units)}, "
            "not US$: no exchange-rate series is loaded, so they are not compared"
        )
    return (
        f"{reporter}'s {flow}s with {partner} are stored ({what}) only by product or another "
        "breakdown, not as a national total: they are not summed into one"
    )
