"""The chart of an assessed indicator's light, drawing the reasoning of its method, so a
reader sees why the light has its colour:

- **threshold** (México, ¿cómo vamos?'s semáforo): the bands as coloured regions — green at or
  beyond the meta, amber down to the second threshold, red beyond, and a region of its own
  below zero when a negative value has its own colour — labelled with their limits; the
  citation of the bands is the chart's note;
- **direction of travel** (Eurostat): the CAGR window shaded, the compound path from the
  window's first value to the latest (the rate in its label) and the paths of the grade
  boundaries (e.g. +1 %, 0 %, −1 % a year from the same start);
- **benchmark**: the benchmark series and the averaging window, or the base period's value
  with the bands of the base tolerance (better / near / worse).

:func:`reasoning_spec` is a pure function of the light's :class:`~norte.goals.status.Status`,
its :class:`~norte.goals.assessment.Assessment` and the stored rows: the drawn band limits and
path values are the goal data's (tests compare them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from norte.goals.assessment import Assessment
from norte.goals.status import Status
from norte.publish.charts import FONT
from norte.publish.pages.reasoning_layers import (
    BAND_COLOURS,
    BAND_INK,
    BENCH,
    GUIDE,
    LINE,
    Words,
    _iso,
    bands_layer,
    base_layer,
    fan_layer,
    latest_layer,
    line_layers,
    values_layer,
    window_layer,
)

__all__ = ["Words", "layer", "reasoning_spec"]

Rows = Sequence[tuple[dt.date, float]]


def _bands(
    green: float,
    amber: float,
    higher: bool,
    negative: bool,
    lo: float,
    hi: float,
    w: Words,
    div: float,
) -> list[dict[str, Any]]:
    """Coloured regions of a two-limit light between ``lo`` and ``hi`` (already divided):
    green at or beyond ``green``, amber at or beyond ``amber``, red beyond; with
    ``negative``, values below zero get a band of their own."""
    g, a = green / div, amber / div
    out: list[dict[str, Any]] = []

    def add(status: str, y0: float, y1: float, label: str) -> None:
        if y1 > y0:
            out.append(
                {
                    "band": status,
                    "label": label,
                    "lo": y0,
                    "hi": y1,
                    "mid": (y0 + y1) / 2,
                    "colour": BAND_COLOURS[status],
                    "ink": BAND_INK[status],
                }
            )

    ge, le = "≥", "≤"
    if higher:
        add("on_track", g, hi, f"{w.t('status_on_track')} {ge} {w.num(green)}")
        add("at_risk", a, g, f"{w.t('status_at_risk')} {ge} {w.num(amber)}")
        red_lo = 0.0 if negative and a > 0 else lo
        add("off_track", red_lo, a, f"{w.t('status_off_track')} < {w.num(amber)}")
        if negative and a > 0:
            add("negative", lo, 0.0, f"{w.t('band_negative')} < {w.num(0.0)}")
    else:
        add("on_track", lo, g, f"{w.t('status_on_track')} {le} {w.num(green)}")
        add("at_risk", g, a, f"{w.t('status_at_risk')} {le} {w.num(amber)}")
        add("off_track", a, hi, f"{w.t('status_off_track')} > {w.num(amber)}")
        if negative:
            add("negative", lo, min(0.0, g), f"{w.t('band_negative')} < {w.num(0.0)}")
    return out


def _extent(values: Sequence[float]) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.12 or abs(hi) * 0.1 or 1.0
    return lo - pad, hi + pad


def _compound(
    start: dt.date, v0: float, rate: float, years: int, last: dt.date
) -> list[tuple[dt.date, float]]:
    """``v0`` compounded at ``rate`` a year from ``start``, one point a year, ending at
    ``last`` (``years`` after ``start``)."""
    pts = [(start.replace(year=start.year + k), v0 * (1 + rate) ** k) for k in range(years)]
    return [*pts, (last, v0 * (1 + rate) ** years)]


#: Eurostat's grades in order of progress, with the colour of their region
def reasoning_spec(
    title: str,
    a: Assessment,
    st: Status,
    rows: Rows,
    freq: str,
    w: Words,
    div: float = 1.0,
    y_title: str | None = None,
    bench: Rows = (),
    bench_name: str | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The Vega-Lite spec of the light's chart and its rows (``period, series, value``, the
    values divided by ``div``). Layers are named (``values``, ``bands``, ``window``, ``cagr``,
    ``boundaries``, ``benchmark``, ``base``) so the drawn numbers can be checked."""
    actual = w.t("series_actual")
    data = sorted(rows)
    out: list[dict[str, Any]] = [
        {"period": _iso(p), "series": actual, "value": v / div} for p, v in data
    ]
    x: dict[str, Any] = {"field": "period", "type": "temporal", "title": None}
    # years on the axis, one tick a year at most and about a dozen ticks in all
    n_years = len({p.year for p, _ in data})
    x["axis"] = {"format": "%Y", "tickCount": {"interval": "year", "step": 1 + n_years // 12}}
    higher = a.direction == "higher_is_better"
    layers: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []  # extra line rows: period, series, value, colour, dash
    extent: list[float] = [r["value"] for r in out]
    rules: list[dict[str, Any]] = []
    window: dict[str, Any] | None = None
    bands: list[dict[str, Any]] = []
    fan: tuple[list[list[tuple[dt.date, float]]], tuple[float, ...]] | None = None

    def line(name: str, pts: Sequence[tuple[dt.date, float]], colour: str, dash: str) -> None:
        for p, v in pts:
            lines.append(
                {
                    "period": _iso(p),
                    "series": name,
                    "value": v / div,
                    "colour": colour,
                    "dash": dash,
                }
            )

    if a.method == "threshold" and len(a.thresholds) >= 2:
        green, amber = a.thresholds[0], a.thresholds[1]
        extent += [green / div, amber / div] + ([0.0] if a.negative_distinct else [])
        lo, hi = _extent(extent)
        bands = _bands(green, amber, higher, a.negative_distinct, lo, hi, w, div)
    elif a.method == "direction" and st.trend_from_period and st.latest_period:
        start, last = st.trend_from_period, st.latest_period
        v0 = st.trend_from_value
        assert v0 is not None
        window = {"start": _iso(start), "end": _iso(last), "label": w.t("band_window")}
        s = 1.0 if higher else -1.0
        paths: list[list[tuple[dt.date, float]]] = []
        for th in a.thresholds:
            name = f"{w.rate(s * th / 100)} {w.t('per_year')}"
            pts = _compound(start, v0, s * th / 100, a.window_years, last)
            paths.append(pts)
            line(name, pts, GUIDE, "guide")
            extent += [v / div for _, v in pts]
        fan = (paths, a.thresholds)
        if st.growth is not None:
            name = f"{w.t('series_cagr')} {w.rate(st.growth)} {w.t('per_year')}"
            line(name, _compound(start, v0, st.growth, a.window_years, last), LINE, "cagr")
        # the chart shows three windows before the latest period: the window stays readable
        since = last.replace(year=last.year - 3 * a.window_years)
        out = [r for r in out if r["period"] >= _iso(since)]
        extent = [r["value"] for r in out] + extent[len(data) :]
    elif a.method == "benchmark" and a.base_period is not None and st.baseline_value is not None:
        base, bp = st.baseline_value, st.baseline_period
        assert bp is not None
        on, risk = a.tolerance
        s = 1.0 if higher else -1.0
        green, amber = base + s * on * abs(base), base - s * risk * abs(base)
        rules.append(
            {
                "value": base / div,
                "label": f"{w.t('series_base')} ({w.period(bp)}): {w.num(base)}",
            }
        )
        extent += [green / div, amber / div]
        lo, hi = _extent(extent)
        bands = _bands(green, amber, higher, False, lo, hi, w, div)
    elif a.method == "benchmark" and bench:
        first = data[0][0] if data else None
        shown = sorted(p for p in bench if first is None or p[0] >= first)  # the own span
        line(bench_name or w.t("series_benchmark"), shown, BENCH, "bench")
        extent += [v / div for _, v in shown]
        if st.baseline_period and st.latest_period:
            bp, lp = st.baseline_period, st.latest_period
            window = {"start": _iso(bp), "end": _iso(lp), "label": w.t("band_window")}
            # the two averages over the window that the light compares
            if st.projected_value is not None and st.path_at_latest is not None:
                own, other = st.projected_value, st.path_at_latest
                line(f"{w.t('series_average')} {w.num(own)}", [(bp, own), (lp, own)], LINE, "avg")
                name = f"{w.t('series_average')} {w.num(other)}"
                line(name, [(bp, other), (lp, other)], BENCH, "avg")
    lo, hi = _extent(extent)
    y_scale = {"domain": [lo, hi], "zero": False, "nice": False}
    y: dict[str, Any] = {"field": "value", "type": "quantitative", "title": y_title}
    y["scale"] = y_scale
    if fan is not None:
        layers.append(fan_layer(fan[0], fan[1], higher, lo * div, hi * div, w, div, x, y_scale))
    if bands:
        layers.append(bands_layer(bands, y_scale, y_title))
    if window is not None:
        layers.append(window_layer(window, x))
    layers += [base_layer(r, y) for r in rules]
    layers.append(values_layer(freq, x, y))
    if st.latest_period is not None and st.latest_value is not None:
        latest = {"period": _iso(st.latest_period), "value": st.latest_value / div}
        layers.append(latest_layer(latest, BAND_INK.get(st.status, GUIDE), x, y))
    layers += line_layers(lines, x, y)
    out += [{k: r[k] for k in ("period", "series", "value")} for r in lines]
    out += [
        {"period": b["band"], "series": b["label"], "value": f"{b['lo']:.6g}..{b['hi']:.6g}"}
        for b in bands
    ]
    spec: dict[str, Any] = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": title, "anchor": "start", "fontSize": 14},
        "width": 560,
        "height": 240,
        "padding": {"right": 120},
        "background": "white",
        "data": {"values": [r for r in out if r["series"] == actual]},
        "config": {
            "font": FONT,
            "view": {"stroke": None},
            "axis": {"labelFontSize": 11, "titleFontSize": 11, "grid": True, "gridColor": "#eee"},
        },
        "layer": layers,
        # the bands' legend has its own colour scale; the other layers give colours directly
        "resolve": {"scale": {"color": "independent"}},
    }
    return spec, out


def layer(spec: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The named layer of a spec from :func:`reasoning_spec` (None when not drawn)."""
    for lay in spec.get("layer", []):
        if lay.get("name") == name:
            found: dict[str, Any] = lay
            return found
    return None
