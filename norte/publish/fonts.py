"""The fonts chart text is laid out and drawn with: only the ones built into vl-convert.

vl-convert (through resvg's ``fontdb``) keeps each system font as a path. It opens and maps
the file again, and unmaps it, every time a run of text is measured (Vega's layout) or drawn
(the PNG). Measured here, on the release-day charts:

- a chart's labels in DejaVu Sans, a system font: about 50 file opens for each label;
- 36 of the site's charts in Liberation Sans, built into vl-convert's binary and so held in
  memory: rendered to SVG and PNG 1.9 times faster than in DejaVu Sans, with a tenth of the
  page faults (``make bench-fonts``, docs/benchmarks.md).

So :func:`only_builtin` hides the system's fonts from vl-convert. ``fontdb`` takes the system's
font folders from the fontconfig file ``FONTCONFIG_FILE`` names, and builds its font list once
per process, on the first conversion. :func:`only_builtin` points that variable at a file
naming one folder that holds no font, makes that first conversion, and restores the variable
at once. Other programs (Chromium for the PDF) never see it.

The charts ask for Liberation Sans (:data:`norte.publish.charts.FONT`). It is built into
vl-convert in regular, bold, italic and bold italic, and covers every character the charts
print (tested). It is metric-compatible with Arial and Helvetica, the fonts a browser without it
falls back to, so labels laid out here fit as drawn there. A chart is also drawn the same on
every machine, whatever fonts it has installed.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

import vl_convert as vlc

#: the fontconfig file: one font folder, which holds only this file
_CONF = '<?xml version="1.0"?>\n<fontconfig><dir>{folder}</dir></fontconfig>\n'
#: the first conversion, which makes vl-convert build its font list
_PROBE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8">'
    '<text x="0" y="8" font-family="Liberation Sans" font-size="8">a</text></svg>'
)
_DONE = {"fonts": ""}


def hides_system_fonts() -> bool:
    """Whether vl-convert's font list comes from fontconfig's files here: on Unix systems
    other than macOS and Android (``fontdb``'s rule); elsewhere it scans the system's fonts."""
    return (
        os.name == "posix" and sys.platform != "darwin" and not hasattr(sys, "getandroidapilevel")
    )


def only_builtin() -> str:
    """Make vl-convert's font list, in this process, its built-in fonts only; call before any
    other conversion (later calls do nothing). Returns what it got: ``"built-in"``, or
    ``"system"`` where the system's fonts cannot be hidden (:func:`hides_system_fonts`)."""
    if _DONE["fonts"]:
        return _DONE["fonts"]
    _DONE["fonts"] = "system"
    if not hides_system_fonts():
        return _DONE["fonts"]
    before = os.environ.get("FONTCONFIG_FILE")
    with tempfile.TemporaryDirectory(prefix="norte-fonts-") as folder:
        conf = Path(folder) / "fonts.conf"
        conf.write_text(_CONF.format(folder=escape(folder)), encoding="utf-8")
        os.environ["FONTCONFIG_FILE"] = str(conf)
        try:
            vlc.svg_to_png(_PROBE)
        finally:
            if before is None:
                os.environ.pop("FONTCONFIG_FILE", None)
            else:
                os.environ["FONTCONFIG_FILE"] = before
    _DONE["fonts"] = "built-in"
    return _DONE["fonts"]
