"""Charts as Vega-Lite specs rendered to SVG and PNG offline by vl-convert (no browser, no
network), each with its data as CSV, its sources and vintages, and a text alternative."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import vl_convert as vlc

from norte.publish import fonts, incremental

#: the charts' typeface: Liberation Sans, built into vl-convert (see :mod:`norte.publish.fonts`),
#: then the fonts it is metric-compatible with, for browsers without it
FONT = "Liberation Sans, Helvetica, Arial, sans-serif"
#: Okabe & Ito's colour-blind-safe qualitative palette (distinct under protanopia, deuteranopia
#: and tritanopia), darkest first: eight series get eight colours; past eight, lines also get a
#: dash pattern (:data:`DASHES`) so no two series look alike.
PALETTE = [
    "#0072b2",  # blue
    "#d55e00",  # vermillion
    "#009e73",  # bluish green
    "#cc79a7",  # reddish purple
    "#e69f00",  # orange
    "#56b4e9",  # sky blue
    "#000000",  # black
    "#f0e442",  # yellow
]
#: dash patterns of lines past eight series (solid for the first eight)
DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3]]
DARK_TEXT = "#000000"


def _lin(c: int) -> float:
    x = c / 255
    return x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _lin(r) + 0.7152 * _lin(g) + 0.0722 * _lin(b)


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(fill: str) -> str:
    """The label colour (dark or white) with the higher WCAG contrast on ``fill``."""
    return DARK_TEXT if contrast(DARK_TEXT, fill) >= contrast("#ffffff", fill) else "#ffffff"


def series_encoding(field: str, n: int, line: bool) -> dict[str, Any]:
    """Colour (and, for more than eight line series, dash) encodings of ``n`` series."""
    enc: dict[str, Any] = {
        "color": {"field": field, "type": "nominal", "title": None, "scale": {"range": PALETTE}}
    }
    if line and n > len(PALETTE):
        dashes = [DASHES[i // len(PALETTE) % len(DASHES)] for i in range(n)]
        enc["strokeDash"] = {
            "field": field,
            "type": "nominal",
            "title": None,
            "scale": {"range": dashes},
        }
    return enc


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
    #: the interactive component's data as JSON (``norte.publish.interactive.attach``), or ""
    interactive: str = ""
    #: :func:`render_key` of the SVG (``""``: not computed yet)
    key: str = ""

    def svg_key(self) -> str:
        if not self.key:
            self.key = render_key("svg", self.spec, self.locale)
        return self.key

    def png_key(self, scale: float = 1.5) -> str:
        """The PNG's :func:`render_key`: the PNG is rasterized from the SVG, so its key is the
        SVG's with the scale (hashing the whole spec a second time cost more than a render)."""
        head = f"png@{scale}|vl-convert {getattr(vlc, '__version__', '?')}|"
        return hashlib.sha256((head + self.svg_key()).encode("utf-8")).hexdigest()

    def render_png(self, scale: float = 1.5) -> bytes:
        """The PNG (a previous publish's when the spec is unchanged, see
        :mod:`norte.publish.incremental`), rasterized from :attr:`svg`: the same bytes as
        ``vegalite_to_png`` of the spec (checked by the tests) in about half its time, since
        the spec is not laid out a second time."""
        if incremental.ACTIVE.get() is not None:
            hit = incremental.reuse(self.png_key(scale))
            if hit is not None:
                return hit
        _started()
        return bytes(vlc.svg_to_png(self.svg, scale=scale))

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


_CONVERTER = {"started": False}
_FONTS = "fonts built-in" if fonts.hides_system_fonts() else "fonts system"


def _started() -> None:
    """Before this process's first conversion: vl-convert gets its built-in fonts only."""
    if not _CONVERTER["started"]:
        fonts.only_builtin()
    _CONVERTER["started"] = True


def converter_started() -> bool:
    """Whether this process has called vl-convert (whose converter thread a forked child
    lacks: :mod:`norte.publish.parallel` forks only before the first render)."""
    return _CONVERTER["started"]


def render_key(kind: str, spec: dict[str, Any] | str, locale: str) -> str:
    """What a chart image is rendered from: the whole spec (its data included), the locale,
    the format, the vl-convert version and whose fonts it draws with (its own, or the
    system's: :mod:`norte.publish.fonts`), hashed. Equal keys give equal images."""
    body = spec if isinstance(spec, str) else json.dumps(spec, sort_keys=True, default=str)
    head = f"{kind}|{locale}|vl-convert {getattr(vlc, '__version__', '?')}|{_FONTS}|"
    return hashlib.sha256((head + body).encode("utf-8")).hexdigest()


def render(spec: dict[str, Any], locale: str = "en-US", key: str | None = None) -> str:
    """SVG of a Vega-Lite spec; no data or font may be fetched (``allowed_base_urls=[]``).
    During a publish, a spec rendered by the previous publish is not rendered again
    (:mod:`norte.publish.incremental`); ``key`` is its :func:`render_key` when known."""
    if incremental.ACTIVE.get() is not None:
        hit = incremental.reuse(key or render_key("svg", spec, locale))
        if hit is not None:
            return hit.decode("utf-8")
    _started()
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
    key = render_key("svg", spec, locale) if incremental.ACTIVE.get() is not None else ""
    svg = render(spec, locale, key or None)
    return Chart(chart_id, title, note, svg, csv_text, spec, locale=locale, key=key)


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
    spec["mark"] = {"type": "line", "strokeWidth": 1.8}
    n = len({r.get(series) for r in rows})
    spec["encoding"] = {
        "x": {"field": x, "type": "temporal", "title": None},
        "y": {"field": y, "type": "quantitative", "title": y_title},
        **series_encoding(series, n, line=True),
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
            "value": PALETTE[2],
        }
    elif color:
        n = len({r.get(color) for r in rows})
        if n > len(PALETTE):
            raise ValueError(
                f"chart {chart_id}: {n} stacked series but {len(PALETTE)} distinguishable "
                "colours; group the smallest into one series or draw lines"
            )
        enc.update(series_encoding(color, n, line=False))
    else:
        enc["color"] = {"value": PALETTE[0]}
    spec["encoding"] = enc
    fields = [x, color, y] if color else [x, y]
    return make(chart_id, title, note, spec, to_csv(rows, fields), locale)


def sparkline(values: Sequence[float], colour: str, width: int = 120, height: int = 30) -> str:
    """A small inline SVG line of ``values`` (oldest first) ending in a dot of ``colour`` (the
    light's), for the board's small multiples. Decorative (``aria-hidden``): the number that
    decided the light is printed next to it. Empty for fewer than two values."""
    if len(values) < 2:
        return ""
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    pad = 3.0
    step = (width - 2 * pad) / (len(values) - 1)
    pts = [
        (pad + i * step, pad + (height - 2 * pad) * (1 - (v - lo) / span))
        for i, v in enumerate(values)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    x1, y1 = pts[-1]
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-hidden="true" focusable="false"><polyline fill="none" stroke="{PALETTE[0]}" '
        f'stroke-width="1.5" points="{path}"/><circle cx="{x1:.1f}" cy="{y1:.1f}" r="3.2" '
        f'fill="{colour}"/></svg>'
    )
