"""The Vega-Lite layers of a light's reasoning chart (:mod:`norte.publish.pages.reasoning`):
the colours, the chart's words, and one builder per named layer — ``regions`` (the
direction-of-travel grades), ``bands``, ``window``, ``base``, ``values``, ``latest`` and the
dashed lines (``boundaries``, ``cagr``, ``benchmark``, ``averages``). Pure functions of the
rows :func:`~norte.publish.pages.reasoning.reasoning_spec` worked out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

#: light colours of the bands (the pages' light colours) and the negative band
BAND_COLOURS = {
    "on_track": "#0b6e4f",
    "at_risk": "#e69f00",
    "off_track": "#b3412a",
    "negative": "#5b2a86",
}
LINE = "#0072b2"
BENCH = "#d55e00"
GUIDE = "#5b6270"
#: label colours of the bands: dark enough to read on the pale band (WCAG AA on white)
BAND_INK = {
    "on_track": "#0b6e4f",
    "at_risk": "#8a5a00",
    "off_track": "#b3412a",
    "negative": "#5b2a86",
}


@dataclass(frozen=True)
class Words:
    """The chart's words in one language and its number and period formatters."""

    t: Callable[[str], str]
    num: Callable[[float], str]
    rate: Callable[[float], str]
    period: Callable[[dt.date], str]


def _iso(d: dt.date) -> str:
    return d.isoformat()


GRADE_REGIONS = (
    ("significant_progress", "#0b6e4f"),
    ("moderate_progress", "#e69f00"),
    ("moderate_away", "#b3412a"),
    ("significant_away", "#5b2a86"),
)


def fan_regions(
    paths: Sequence[Sequence[tuple[dt.date, float]]],
    thresholds: Sequence[float],
    higher: bool,
    lo: float,
    hi: float,
    w: Words,
    div: float = 1.0,
) -> list[dict[str, Any]]:
    """The regions of the direction-of-travel grades over the window: between the compound
    paths of the limits (``paths[i]`` at ``thresholds[i]`` % a year in the desired
    direction), open to ``lo``/``hi`` (undivided) at the ends; one row per region and period
    (``period, grade, label, lo, hi, colour``, values divided by ``div``)."""
    rows: list[dict[str, Any]] = []
    sig, mod, away = thresholds[0], thresholds[1], thresholds[2]
    labels = {
        "significant_progress": f"{w.t('grade_significant_progress')} (≥ {w.rate(sig / 100)})",
        "moderate_progress": f"{w.t('grade_moderate_progress')} ({w.rate(mod / 100)} – {w.rate(sig / 100)})",
        "moderate_away": f"{w.t('grade_moderate_away')} ({w.rate(away / 100)} – {w.rate(mod / 100)})",
        "significant_away": f"{w.t('grade_significant_away')} (< {w.rate(away / 100)})",
    }
    for k, (p, _) in enumerate(paths[0]):
        v_sig, v_mod, v_away = (paths[i][k][1] for i in range(3))
        # limits from the best region to the worst, in the direction of progress
        if higher:
            limits = [(v_sig, hi), (v_mod, v_sig), (v_away, v_mod), (lo, v_away)]
        else:
            limits = [(lo, v_sig), (v_sig, v_mod), (v_mod, v_away), (v_away, hi)]
        for (grade, colour), (a, b) in zip(GRADE_REGIONS, limits, strict=True):
            rows.append(
                {
                    "period": _iso(p),
                    "grade": grade,
                    "label": labels[grade],
                    "lo": a / div,
                    "hi": b / div,
                    "colour": colour,
                }
            )
    return rows


def fan_layer(
    paths: Sequence[Sequence[tuple[dt.date, float]]],
    thresholds: Sequence[float],
    higher: bool,
    lo: float,
    hi: float,
    w: Words,
    div: float,
    x: dict[str, Any],
    y_scale: dict[str, Any],
) -> dict[str, Any]:
    rows = fan_regions(paths, thresholds, higher, lo, hi, w, div)
    seen = list(dict.fromkeys((r["label"], r["colour"]) for r in rows))
    return {
        "name": "regions",
        "data": {"values": rows},
        "mark": {"type": "area", "opacity": 0.18},
        "encoding": {
            "x": x,
            "y": {"field": "lo", "type": "quantitative", "scale": y_scale, "title": None},
            "y2": {"field": "hi"},
            "color": {
                "field": "label",
                "type": "nominal",
                "sort": None,
                "scale": {"domain": [a for a, _ in seen], "range": [b for _, b in seen]},
                "legend": {
                    "title": None,
                    "orient": "bottom",
                    "columns": 2,
                    "symbolOpacity": 0.5,
                    "labelLimit": 320,
                },
            },
        },
    }


def bands_layer(
    bands: list[dict[str, Any]], y_scale: dict[str, Any], y_title: str | None
) -> dict[str, Any]:
    """The bands as coloured regions; their labels (with their limits) are the legend, so
    narrow bands stay readable."""
    band_y = {"field": "lo", "type": "quantitative", "scale": y_scale, "title": y_title}
    return {
        "name": "bands",
        "data": {"values": bands},
        "mark": {"type": "rect", "opacity": 0.2},
        "encoding": {
            "y": band_y,
            "y2": {"field": "hi"},
            "color": {
                "field": "label",
                "type": "nominal",
                "sort": None,
                "scale": {
                    "domain": [b["label"] for b in bands],
                    "range": [b["colour"] for b in bands],
                },
                "legend": {
                    "title": None,
                    "orient": "right",
                    "symbolOpacity": 0.5,
                    "labelLimit": 200,
                },
            },
        },
    }


def window_layer(window: dict[str, Any], x: dict[str, Any]) -> dict[str, Any]:
    """The shaded window the light looks at (``start``, ``end``)."""
    return {
        "name": "window",
        "data": {"values": [window]},
        "mark": {"type": "rect", "color": GUIDE, "opacity": 0.1},
        "encoding": {
            "x": {**x, "field": "start"},
            "x2": {"field": "end"},
        },
    }


def base_layer(rule: dict[str, Any], y: dict[str, Any]) -> dict[str, Any]:
    """The base period's value as a dashed rule with its label."""
    return {
        "name": "base",
        "data": {"values": [rule]},
        "layer": [
            {
                "mark": {"type": "rule", "color": GUIDE, "strokeDash": [4, 3]},
                "encoding": {"y": {**y, "field": "value"}},
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 4, "dy": -6},
                "encoding": {
                    "x": {"value": 0},
                    "y": {**y, "field": "value"},
                    "text": {"field": "label"},
                },
            },
        ],
    }


def values_layer(freq: str, x: dict[str, Any], y: dict[str, Any]) -> dict[str, Any]:
    """The indicator's own line (points on annual series)."""
    return {
        "name": "values",
        "mark": {"type": "line", "strokeWidth": 2, "color": LINE, "point": freq == "A"},
        "encoding": {"x": x, "y": y},
    }


def latest_layer(
    latest: dict[str, Any], colour: str, x: dict[str, Any], y: dict[str, Any]
) -> dict[str, Any]:
    """The latest value as a point in its light's colour."""
    return {
        "name": "latest",
        "data": {"values": [{**latest, "colour": colour}]},
        "mark": {"type": "point", "filled": True, "size": 70, "opacity": 1},
        "encoding": {
            "x": x,
            "y": y,
            "color": {"field": "colour", "type": "nominal", "scale": None},
        },
    }


#: the dashes of the extra lines, by kind (``dash`` of a line row)
DASHES = {"guide": [2, 3], "cagr": [6, 3], "bench": [1, 0], "avg": [4, 2]}
#: the layer name of each kind of extra line, in drawing order
LINE_KINDS = (
    ("boundaries", "guide"),
    ("cagr", "cagr"),
    ("benchmark", "bench"),
    ("averages", "avg"),
)


def line_layers(
    lines: list[dict[str, Any]], x: dict[str, Any], y: dict[str, Any]
) -> list[dict[str, Any]]:
    """One layer per kind of extra line drawn (grade boundaries, the CAGR path, the benchmark,
    the window averages), each labelled at its last period (the boundaries are named by the
    grade regions' legend instead)."""
    out = []
    for kind, name in LINE_KINDS:
        drawn = [r for r in lines if r["dash"] == name]
        if not drawn:
            continue
        end = [r for r in drawn if r["period"] == max(q["period"] for q in drawn)]
        if name == "guide":
            end = []  # the grade regions' legend names the limits
        out.append(
            {
                "name": kind,
                "data": {"values": drawn},
                "layer": [
                    {
                        "mark": {
                            "type": "line",
                            "strokeWidth": 1.2 if name == "guide" else 1.8,
                            "strokeDash": DASHES[name],
                        },
                        "encoding": {
                            "x": x,
                            "y": y,
                            "detail": {"field": "series"},
                            "color": {"field": "colour", "type": "nominal", "scale": None},
                        },
                    },
                    {
                        "data": {"values": end},
                        "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 10},
                        "encoding": {
                            "x": x,
                            "y": y,
                            "text": {"field": "series"},
                            "color": {"field": "colour", "type": "nominal", "scale": None},
                        },
                    },
                ],
            }
        )
    return out
