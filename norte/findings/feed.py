"""Outputs of stored findings: Markdown, JSON (``schema.json``) and an Atom 1.0 feed.

The feed is reproducible: entry ids are ``tag:`` URIs built from finding ids, and every
``updated`` is a vintage (the release the numbers come from), never the clock.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from functools import cache
from importlib import resources
from typing import Any

from norte.findings.model import Finding

ATOM_NS = "http://www.w3.org/2005/Atom"
#: RFC 4151 tagging entity of finding ids (``.invalid``: a reserved name, so no one else's).
TAG_AUTHORITY = "norte.invalid,2025"


def tag_uri(finding_id: str) -> str:
    return f"tag:{TAG_AUTHORITY}:finding/{finding_id}"


@cache
def json_schema() -> dict[str, Any]:
    """The JSON schema of ``norte findings --format json`` (``docs/findings.md``)."""
    text = resources.files(__package__).joinpath("schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def to_json(findings: list[Finding]) -> dict[str, Any]:
    """The JSON document: ``{"vintage", "count", "findings": [...]}``."""
    return {
        "vintage": max((f.vintage for f in findings), default=None),
        "count": len(findings),
        "findings": [f.to_json() for f in findings],
    }


def to_markdown(findings: list[Finding], lang: str) -> str:
    out: list[str] = []
    for f in findings:
        line = f.meta.get(lang) or f"{f.type} · {f.period} · {f.score:g}"
        out.append(f"## {f.headline[lang]}\n\n{f.text[lang]}\n\n{line}\n")
    return "\n".join(out)


def _ts(vintage: str) -> str:
    return f"{vintage}T00:00:00Z"


def to_atom(
    findings: list[Finding], lang: str, link: str = "findings.html", self_link: str | None = None
) -> str:
    """An Atom 1.0 feed of ``findings`` in ``lang``; ``updated`` = the newest input vintage.

    ``link`` is the findings page; the site passes absolute URLs under its ``base_url`` setting
    (with ``self_link``, the feed's own URL, as Atom readers expect), relative ones without."""
    ET.register_namespace("", ATOM_NS)

    def el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        e = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            e.text = text
        return e

    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
    titles = {"en": "norte — findings", "es": "norte — hallazgos", "fr": "norte — constats"}
    el(feed, "id", f"tag:{TAG_AUTHORITY}:findings/{lang}")
    el(feed, "title", titles[lang])
    newest = max((f.vintage for f in findings if f.vintage), default="1970-01-01")
    el(feed, "updated", _ts(newest))
    author = el(feed, "author")
    el(author, "name", "norte")
    el(feed, "link", href=link)
    if self_link:
        el(feed, "link", href=self_link, rel="self")
    el(feed, "generator", "norte")
    for f in findings:
        entry = el(feed, "entry")
        el(entry, "id", tag_uri(f.id))
        el(entry, "title", f.headline[lang])
        el(entry, "updated", _ts(f.vintage or newest))
        el(entry, "link", href=f"{link}#f-{f.id}")
        # the finding's chart (the indicator's series, its periods highlighted) on the site
        el(entry, "link", rel="related", href=f"{link}#chart-{f.id}")
        el(entry, "category", term=f.type)
        summary = f.text[lang] + (f"\n\n{f.meta[lang]}" if f.meta.get(lang) else "")
        el(entry, "summary", summary, type="text")
    ET.indent(feed)
    body = ET.tostring(feed, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"
