"""Charts as Vega-Lite specs rendered to SVG and PNG offline by vl-convert (no browser, no
network), each with its data as CSV, its sources and vintages, and a text alternative."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import vl_convert as vlc

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
# Contrast on white: each colour is at least 4.5:1 (WCAG AA for text, more than the 3:1 for marks)
PALETTE = ["#0b6e4f", "#b3412a", "#2d4f8b", "#8a5a00", "#5b6270"]


@dataclass
class SourceRef:
    """Where a chart's numbers came from: a source, a dataset and the vintages used."""

    source: str
    dataset: str
    label: str
    vintages: list[str]
    rows: int
    first: str
    last: str


@dataclass
class Chart:
    """A rendered chart: id (file stem), title, note, text alternative, sources, SVG, CSV."""

    id: str
    title: str
    note: str
    svg: str
    csv: str
    spec: dict[str, Any]
    alt: str = ""
    sources: list[SourceRef] = field(default_factory=list)
    #: d3 locale of the axes (``en-US``, ``es-MX``, ``fr-FR``)
    locale: str = "en-US"
    #: download links relative to the page, filled by ``PageContext.publish_chart``
    links: dict[str, str] = field(default_factory=dict)

    def render_png(self, scale: float = 1.5) -> bytes:
        return bytes(
            vlc.vegalite_to_png(
                self.spec,
                scale=scale,
                format_locale=cast(Any, self.locale),
                time_format_locale=cast(Any, self.locale),
                allowed_base_urls=[],
            )
        )

    @property
    def inline_svg(self) -> str:
        """The SVG for inlining in a page: an image role with the chart's text alternative."""
        label = html.escape(self.alt or self.title, quote=True)
        return self.svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def to_csv(rows: Sequence[dict[str, Any]], fields: Sequence[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(fields), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: r.get(k) for k in fields})
    return buf.getvalue()


def base(
    title: str, rows: list[dict[str, Any]], width: int = 640, height: int = 240
) -> dict[str, Any]:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": title, "anchor": "start", "fontSize": 14},
        "width": width,
        "height": height,
        "background": "white",
        "data": {"values": rows},
        "config": {
            "font": FONT,
            "view": {"stroke": None},
            "axis": {"labelFontSize": 11, "titleFontSize": 11, "grid": True, "gridColor": "#eee"},
            "range": {"category": PALETTE},
        },
    }


def render(spec: dict[str, Any], locale: str = "en-US") -> str:
    """SVG of a Vega-Lite spec; no data or font may be fetched (``allowed_base_urls=[]``)."""
    return str(
        vlc.vegalite_to_svg(
            spec,
            format_locale=cast(Any, locale),  # a d3 locale name, e.g. "es-MX"
            time_format_locale=cast(Any, locale),
            allowed_base_urls=[],
        )
    )


def make(
    chart_id: str, title: str, note: str, spec: dict[str, Any], csv_text: str, locale: str
) -> Chart:
    """A chart from a finished spec (maps and other one-off specs)."""
    return Chart(chart_id, title, note, render(spec, locale), csv_text, spec, locale=locale)


def time_lines(
    chart_id: str,
    title: str,
    note: str,
    rows: list[dict[str, Any]],
    x: str,
    y: str,
    series: str,
    y_title: str,
    locale: str = "en-US",
) -> Chart:
    spec = base(title, rows)
    spec["mark"] = {"type": "line", "strokeWidth": 1.6}
    spec["encoding"] = {
        "x": {"field": x, "type": "temporal", "title": None},
        "y": {"field": y, "type": "quantitative", "title": y_title},
        "color": {"field": series, "type": "nominal", "title": None},
    }
    return make(chart_id, title, note, spec, to_csv(rows, [x, series, y]), locale)


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
    color: str | None = None,
    horizontal: bool = False,
    locale: str = "en-US",
) -> Chart:
    """Bars of ``y`` by ``x``; ``color`` stacks by a field; ``horizontal`` sorts categories."""
    spec = base(title, rows, height=max(240, 16 * len(rows)) if horizontal else 240)
    spec["mark"] = {"type": "bar"}
    cat: dict[str, Any] = {
        "field": x,
        "type": "temporal" if temporal else ("nominal" if horizontal else "ordinal"),
        "title": None,
    }
    val: dict[str, Any] = {"field": y, "type": "quantitative", "title": y_title}
    if horizontal:
        cat["sort"] = "-x"
        enc: dict[str, Any] = {"y": cat, "x": val}
    else:
        enc = {"x": cat, "y": val}
    if signed:
        enc["color"] = {
            "condition": {"test": f"datum['{y}'] < 0", "value": PALETTE[1]},
            "value": PALETTE[0],
        }
    elif color:
        enc["color"] = {"field": color, "type": "nominal", "title": None}
    else:
        enc["color"] = {"value": PALETTE[2]}
    spec["encoding"] = enc
    fields = [x, color, y] if color else [x, y]
    return make(chart_id, title, note, spec, to_csv(rows, fields), locale)
