"""vl-convert draws chart text with its built-in fonts only (:mod:`norte.publish.fonts`), and
those cover every character the real site's charts print."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from norte.publish import fonts

from .conftest import BuiltSite

#: draws ``text`` in ``family`` after only_builtin() (or not), in a fresh interpreter (vl-convert
#: builds its font list once per process); prints the PNGs' sha256 and FONTCONFIG_FILE after
_DRAW = r"""
import hashlib, html, json, os, sys
import vl_convert as vlc
from norte.publish import fonts
got = fonts.only_builtin() if sys.argv[1] == "1" else "untouched"
def png(text, family):
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="48" height="40"><text x="4" y="30" '
           f'font-family="{family}" font-size="24">{html.escape(text)}</text></svg>')
    return hashlib.sha256(bytes(vlc.svg_to_png(svg))).hexdigest()
asked = json.loads(sys.argv[2])
print(json.dumps({"fonts": got, "env": os.environ.get("FONTCONFIG_FILE"),
                  "blank": png("", "Liberation Sans"),
                  "drawn": {f"{t}|{f}": png(t, f) for t, f in asked}}))
"""


def _draw(pairs: list[tuple[str, str]], builtin: bool, env: dict[str, str] | None = None) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _DRAW, "1" if builtin else "0", json.dumps(pairs)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    ).stdout
    return json.loads(out)


def _system_family() -> str | None:
    """A font family installed on this machine (fontconfig's list), other than Liberation."""
    try:
        listed = subprocess.run(
            ["fc-list", ":", "family"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    names = sorted({line.split(",")[0].strip() for line in listed.splitlines() if line.strip()})
    return next((n for n in names if n and not n.startswith("Liberation")), None)


#: a character no font has (Unicode's private use area)
MISSING = "\ue000"

needs_linux = pytest.mark.skipif(not fonts.hides_system_fonts(), reason="fontdb scans fonts here")


@needs_linux
def test_system_fonts_are_hidden_and_the_builtin_one_draws() -> None:
    family = _system_family()
    if family is None:
        pytest.skip("no system font installed to hide")
    pairs = [("Ag", family), ("Ag", "Liberation Sans")]
    seen = _draw(pairs, builtin=False)
    hidden = _draw(pairs, builtin=True)
    assert seen["fonts"] == "untouched" and hidden["fonts"] == "built-in"
    # without only_builtin() the system font draws; with it, nothing does (no fallback is left)
    assert seen["drawn"][f"Ag|{family}"] != seen["blank"]
    assert hidden["drawn"][f"Ag|{family}"] == hidden["blank"]
    assert hidden["drawn"]["Ag|Liberation Sans"] != hidden["blank"]
    assert hidden["env"] is None  # FONTCONFIG_FILE is not left behind


@needs_linux
def test_a_fontconfig_file_set_before_is_restored(tmp_path: Path) -> None:
    mine = str(tmp_path / "my-fonts.conf")
    got = _draw([("Ag", "Liberation Sans")], builtin=True, env={"FONTCONFIG_FILE": mine})
    assert got["fonts"] == "built-in" and got["env"] == mine
    assert got["drawn"]["Ag|Liberation Sans"] != got["blank"]


def test_every_character_the_charts_print_is_in_the_builtin_font(official_site: BuiltSite) -> None:
    """Every character of every chart's text (SVG downloads, all languages) is drawn by the
    built-in Liberation Sans: one it lacks would be drawn as its empty box, as a private-use
    character is (no other font is left to fall back to)."""
    chars: set[str] = set()
    svgs = [p for p in official_site.out.rglob("*.svg") if p.parent.name == "charts"]
    assert {p.parent.parent.name for p in svgs} >= {"es", "fr"} and len(svgs) > 40
    for svg in svgs:
        for text in re.findall(r"<text[^>]*>(.*?)</text>", svg.read_text("utf-8"), flags=re.S):
            chars |= set(html.unescape(re.sub(r"<[^>]+>", "", text)))
    printed = sorted(c for c in chars if not c.isspace())
    assert {"é", "ñ", "−"} <= set(printed)  # Spanish and French labels, minus signs
    got = _draw([(c, "Liberation Sans") for c in [*printed, MISSING, "中"]], builtin=True)
    drawn = got["drawn"]
    box = drawn[f"{MISSING}|Liberation Sans"]
    assert drawn["中|Liberation Sans"] == box != got["blank"]  # how a missing one shows
    assert [c for c in printed if drawn[f"{c}|Liberation Sans"] in (box, got["blank"])] == []
