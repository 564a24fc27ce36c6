"""Interactive charts: the data a chart's JavaScript component draws, embedded in the page.

A chart keeps its static SVG (it works without JavaScript and in the PDF); when the page has
JavaScript, ``js/norte-chart.js`` draws an interactive SVG over the same data from a
``<script type="application/json">`` block (the static site opens from ``file://``: no fetch)
or from a URL (``data-src``: the web app serves the same payload as JSON). Hover values, a date
range, levels / year-over-year / index, first release vs latest vintage, a legend that toggles
series, a permalink and an embed snippet; see docs/architecture.md ("Interactive charts").

Page modules mount it with one call after building the static chart::

    interactive.partner_trade(ctx, chart, "MEX")          # Census exports/imports, both vintages
    interactive.indicator(ctx, chart, indicator_id, select, unit)   # a goal's indicator

and the ``figure`` macro does the rest (``chart.interactive`` set: the component is mounted).
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import duckdb
from babel.dates import format_date

from norte.publish import charts as ch
from norte.publish.context import PageContext

#: where the component lands in the site (language-neutral)
JS_ASSET = "js/norte-chart.js"
#: transforms and vintage views the component knows (also the permalink's values)
TRANSFORMS = ("levels", "yoy", "index")
VIEWS = ("latest", "first", "both")
FREQS = ("A", "Q", "M")


@dataclass
class Series:
    """One line: ``latest`` values aligned with the chart's periods (None: no value), and
    ``first`` the first release of each period when the store holds more than one vintage of
    the series (else None). A ``ref`` series (a target path) is drawn in levels only."""

    key: str
    label: str
    latest: list[float | None]
    first: list[float | None] | None = None
    ref: bool = False


@dataclass
class Data:
    """What the component draws: periods (first day, ISO), their frequency, the unit of the
    values (``USD``: US$, shown in billions; ``percent``: 12.5 is 12.5 %; else a unit name)
    and the series, with the vintages behind the two views."""

    id: str
    title: str
    freq: str
    unit: str
    periods: list[str]
    series: list[Series]
    vintages: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.freq not in FREQS:
            raise ValueError(f"chart {self.id}: frequency {self.freq!r}, expected one of {FREQS}")
        n = len(self.periods)
        for s in self.series:
            for name, values in (("latest", s.latest), ("first", s.first)):
                if values is not None and len(values) != n:
                    raise ValueError(
                        f"chart {self.id}: series {s.key} has {len(values)} {name} values "
                        f"for {n} periods"
                    )


@cache
def strings(lang: str) -> dict[str, str]:
    """The component's UI strings in ``lang`` (``norte/publish/static/js/norte-chart.toml``)."""
    text = (
        resources.files("norte.publish").joinpath("static/js/norte-chart.toml").read_text("utf-8")
    )
    table: dict[str, dict[str, str]] = tomllib.loads(text)
    return dict(table[lang])


def formats(ctx: PageContext) -> dict[str, Any]:
    """Number and date formats of the page's language, made by the site's own formatters so
    the component writes numbers exactly as the tables do (``$27.0 bn``, ``12.5%``)."""
    tr = ctx.tr
    one = tr.num(1234.5, 1)  # "1,234.5" / "1.234,5" / "1 234,5"
    return {
        "group": one[1],
        "decimal": one[-2],
        "usd_bn": ctx.t("usd_bn", value="{v}"),
        "pct": tr.pct(0.5).replace(tr.num(50, 1), "{v}"),
        "months": [
            str(format_date(dt.date(2000, m, 1), "LLL", locale=tr.locale)) for m in range(1, 13)
        ],
    }


def payload(ctx: PageContext, data: Data) -> dict[str, Any]:
    """The JSON the component reads: data, colours (Okabe–Ito, dashes past eight), formats
    and UI strings of the page's language."""
    series = []
    for i, s in enumerate(data.series):
        item: dict[str, Any] = {
            "key": s.key,
            "label": s.label,
            "color": ch.PALETTE[i % len(ch.PALETTE)],
            "dash": ch.DASHES[i // len(ch.PALETTE) % len(ch.DASHES)],
            "latest": s.latest,
        }
        if s.first is not None:
            item["first"] = s.first
        if s.ref:
            item["ref"] = True
        series.append(item)
    return {
        "id": data.id,
        "title": data.title,
        "freq": data.freq,
        "unit": data.unit,
        "axis": axis_title(ctx, data.unit),
        "periods": data.periods,
        "series": series,
        "vintages": data.vintages,
        "fmt": formats(ctx),
        "t": strings(ctx.lang),
    }


def axis_title(ctx: PageContext, unit: str) -> str:
    """The value axis title of levels, as the static charts name it (unit and scale)."""
    if unit == "USD":
        return ctx.t("axis_usd_bn")
    if unit == "percent":
        return ctx.t("axis_percent")
    return unit


def script_json(value: Any) -> str:
    """JSON safe inside ``<script type="application/json">`` (no ``</script>``, no ``<!--``)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def attach(ctx: PageContext, chart: ch.Chart, data: Data) -> ch.Chart:
    """Mount the component on ``chart`` (the ``figure`` macro embeds ``chart.interactive``)
    and write the script into the site once."""
    if not data.periods or not any(any(v is not None for v in s.latest) for s in data.series):
        return chart  # nothing to draw: the static chart stays alone
    chart.interactive = script_json(payload(ctx, data))
    chart.links["script"] = ctx.asset(JS_ASSET)
    ctx.site.once("interactive:js", lambda: _write_js(ctx))
    return chart


def _write_js(ctx: PageContext) -> str:
    target = ctx.site.out / JS_ASSET
    target.parent.mkdir(parents=True, exist_ok=True)
    source = resources.files("norte.publish").joinpath("static/js/norte-chart.js")
    target.write_bytes(source.read_bytes())
    return JS_ASSET


# --- the data, straight from the store ------------------------------------------------------
def aligned(periods: Sequence[dt.date], values: dict[dt.date, float]) -> list[float | None]:
    return [values.get(p) for p in periods]


def revisions(
    rows: Iterable[tuple[dt.date, dt.date, float | None]],
) -> tuple[dict[dt.date, float], dict[dt.date, float], list[dt.date]]:
    """(latest, first release, vintages) of one series from ``(period, vintage, value)`` rows:
    for each period the value of its newest and of its oldest vintage."""
    latest: dict[dt.date, tuple[dt.date, float]] = {}
    first: dict[dt.date, tuple[dt.date, float]] = {}
    vintages: set[dt.date] = set()
    for period, vintage, value in rows:
        if value is None:
            continue
        vintages.add(vintage)
        if period not in latest or vintage > latest[period][0]:
            latest[period] = (vintage, value)
        if period not in first or vintage < first[period][0]:
            first[period] = (vintage, value)
    return (
        {p: v for p, (_, v) in latest.items()},
        {p: v for p, (_, v) in first.items()},
        sorted(vintages),
    )


def census_trade_rows(
    con: duckdb.DuckDBPyConnection, partner: str, flow: str
) -> list[tuple[dt.date, dt.date, float | None]]:
    """Every stored vintage of U.S. monthly ``flow`` with ``partner`` (Census trade by
    country), summed per period and vintage as the partner page sums them."""
    got = con.execute(
        """SELECT period, vintage, sum(value) FROM observations
           WHERE source = 'census' AND dataset = 'trade_by_country' AND reporter = 'USA'
             AND measure = 'value' AND freq = 'M' AND partner = ? AND flow = ?
           GROUP BY period, vintage ORDER BY period, vintage""",
        [partner, flow],
    ).fetchall()
    return [(r[0], r[1], r[2]) for r in got]


def _build(
    chart_id: str,
    title: str,
    freq: str,
    unit: str,
    parts: Sequence[tuple[str, str, list[tuple[dt.date, dt.date, float | None]]]],
    extra_periods: Iterable[dt.date] = (),
) -> Data:
    """Series from ``(key, label, rows)`` parts: first releases kept for the series whose
    store holds more than one vintage."""
    done = [(key, label, revisions(rows)) for key, label, rows in parts]
    periods = sorted({p for _, _, (latest, _, _) in done for p in latest} | set(extra_periods))
    series = [
        Series(
            key,
            label,
            aligned(periods, latest),
            aligned(periods, first) if len(vs) > 1 else None,
        )
        for key, label, (latest, first, vs) in done
    ]
    all_vs = sorted({v for _, _, (_, _, vs) in done for v in vs})
    vintages = {"first": all_vs[0].isoformat(), "latest": all_vs[-1].isoformat()} if all_vs else {}
    iso = [p.isoformat() for p in periods]
    return Data(chart_id, title, freq, unit, iso, series, vintages)


def partner_trade(ctx: PageContext, chart: ch.Chart, partner: str) -> ch.Chart:
    """Mount the component on a partner page's exports/imports chart: U.S. monthly exports
    and imports with ``partner``, latest and first release of every month."""

    def compute() -> list[tuple[str, list[tuple[dt.date, dt.date, float | None]]]]:
        return [(f, census_trade_rows(ctx.con, partner, f)) for f in ("export", "import")]

    rows: list[tuple[str, list[Any]]] = ctx.site.once(f"interactive:trade:{partner}", compute)
    labels = {"export": ctx.t("flow_exports"), "import": ctx.t("flow_imports")}
    data = _build(chart.id, chart.title, "M", "USD", [(f, labels[f], r) for f, r in rows])
    return attach(ctx, chart, data)


def indicator_rows(
    con: duckdb.DuckDBPyConnection, indicator_id: str, select: dict[str, str] | None
) -> tuple[list[tuple[dt.date, dt.date, float | None]], str | None]:
    """Every input vintage of one indicator series (``goals.status.series`` per vintage, so
    the selection means what the goal's light reads); and its frequency."""
    from norte.goals.status import series, vintages

    rows: list[tuple[dt.date, dt.date, float | None]] = []
    freq: str | None = None
    for v in vintages(con, indicator_id):
        got, f, varying = series(con, indicator_id, select, v)
        if varying:
            return [], None
        freq = freq or f
        rows.extend((p, v, value) for p, value in got)
    return rows, freq


def indicator(
    ctx: PageContext,
    chart: ch.Chart,
    indicator_id: str,
    select: dict[str, str] | None,
    unit: str | None,
) -> ch.Chart:
    """Mount the component on a goal's chart: the indicator at every input vintage (first
    release vs latest) and, drawn in levels only, the chart's other series (target path,
    projection, target) read from its spec."""
    key = f"interactive:indicator:{indicator_id}:{sorted((select or {}).items())}"
    rows, freq = ctx.site.once(key, lambda: indicator_rows(ctx.con, indicator_id, select))
    if not rows or freq not in FREQS:
        return chart
    u = unit or ""
    drawn = spec_series(chart, scale=1e9 if u == "USD" else 1.0)
    name = drawn[0][0] if drawn else indicator_id
    periods = {dt.date.fromisoformat(p) for _, values in drawn[1:] for p in values}
    data = _build(chart.id, chart.title, freq, u, [(indicator_id, name, rows)], periods)
    data.series.extend(
        Series(f"ref{i}", label, [values.get(p) for p in data.periods], ref=True)
        for i, (label, values) in enumerate(drawn[1:], start=1)
    )
    return attach(ctx, chart, data)


def spec_series(chart: ch.Chart, scale: float) -> list[tuple[str, dict[str, float]]]:
    """The series of a chart's spec in the order they appear, as ``(name, {period: value})``
    (rows with ``period``, ``series`` and ``value``; values in axis units times ``scale``);
    none when the spec's rows have another shape."""
    values = chart.spec.get("data", {}).get("values", [])
    out: dict[str, dict[str, float]] = {}
    for r in values:
        if not isinstance(r, dict) or not {"period", "series", "value"} <= set(r):
            return []
        try:
            p = dt.date.fromisoformat(str(r["period"])[:10]).isoformat()
            v = float(r["value"]) * scale
        except (TypeError, ValueError):
            return []
        out.setdefault(str(r["series"]), {})[p] = v
    return list(out.items())
