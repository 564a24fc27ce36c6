"""Charts as Vega-Lite specs rendered to SVG offline by vl-convert (no browser, no network)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import vl_convert as vlc

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
PALETTE = ["#0b6e4f", "#c8553d", "#2d4f8b", "#e0a100", "#6c757d"]


@dataclass
class Chart:
    """A rendered chart: its id (file stem), title, note, SVG markup and data as CSV."""

    id: str
    title: str
    note: str
    svg: str
    csv: str
    spec: dict[str, Any]


def _csv(rows: Sequence[dict[str, Any]], fields: Sequence[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(fields), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: r.get(k) for k in fields})
    return buf.getvalue()


def _base(title: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": title, "anchor": "start", "fontSize": 14},
        "width": 640,
        "height": 240,
        "data": {"values": rows},
        "config": {
            "font": FONT,
            "view": {"stroke": None},
            "axis": {"labelFontSize": 11, "titleFontSize": 11, "grid": True, "gridColor": "#eee"},
            "range": {"category": PALETTE},
        },
    }


def render(spec: dict[str, Any]) -> str:
    return str(vlc.vegalite_to_svg(spec))


def time_lines(
    chart_id: str,
    title: str,
    note: str,
    rows: list[dict[str, Any]],
    x: str,
    y: str,
    series: str,
    y_title: str,
) -> Chart:
    spec = _base(title, rows)
    spec["mark"] = {"type": "line", "strokeWidth": 1.6}
    spec["encoding"] = {
        "x": {"field": x, "type": "temporal", "title": None},
        "y": {"field": y, "type": "quantitative", "title": y_title},
        "color": {"field": series, "type": "nominal", "title": None},
    }
    return Chart(chart_id, title, note, render(spec), _csv(rows, [x, series, y]), spec)


def bars(
    chart_id: str,
    title: str,
    note: str,
    rows: list[dict[str, Any]],
    x: str,
    y: str,
    y_title: str,
    temporal: bool = True,
    signed: bool = False,
) -> Chart:
    spec = _base(title, rows)
    spec["mark"] = {"type": "bar"}
    enc: dict[str, Any] = {
        "x": {
            "field": x,
            "type": "temporal" if temporal else "ordinal",
            "title": None,
        },
        "y": {"field": y, "type": "quantitative", "title": y_title},
    }
    if signed:
        enc["color"] = {
            "condition": {"test": f"datum['{y}'] < 0", "value": PALETTE[1]},
            "value": PALETTE[0],
        }
    else:
        enc["color"] = {"value": PALETTE[2]}
    spec["encoding"] = enc
    return Chart(chart_id, title, note, render(spec), _csv(rows, [x, y]), spec)
