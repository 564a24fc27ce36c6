"""Incremental publishing: an output whose input did not change is not rewritten.

Every publish still renders the whole site into a fresh temporary folder (pages, CSV, feeds:
queries and templates are cheap) and swaps it in (:mod:`norte.publish.safe`). What makes it
incremental:

- **Chart images** (vl-convert SVG and PNG, the expensive step) are rendered only for a chart
  spec not rendered before: :func:`norte.publish.charts.render` asks the active
  :class:`Publication` first, keyed by :func:`norte.publish.charts.render_key` (a hash of the
  whole Vega-Lite spec, data included, the locale, the format and the vl-convert version). A
  hit is the previous site's file, read back after its sha256 is checked.
- **Unchanged files are kept**: after rendering, every file of the new folder is compared with
  the previous site's by *fingerprint*: the sha256 of its bytes, except for HTML pages, whose
  fingerprint leaves out the "built" time they print (every page would differ otherwise). A
  file whose fingerprint equals the previous one is replaced by a hard link to the previous
  file (a copy keeping its times where links are refused), so it stays byte for byte and
  mtime as it was; its page keeps the build time of when it last changed.

Fingerprints are taken from what was actually rendered, never from a list of dependencies kept
by hand, so an incremental publish and a full one of the same store give the same tree (the
"built" time aside, and identical with it when both are given the same ``built``).

The manifest :data:`MANIFEST` (JSON, in the site) records every file's sha256, fingerprint
and, for chart images, render key. A missing, unreadable or foreign manifest, or a previous
file whose bytes no longer match it, means that file (or the whole site) is rendered anew.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from norte.publish.safe import MANIFEST

FORMAT = 1
#: the publication whose previous site chart renders are looked up in (``None``: no cache)
ACTIVE: ContextVar[Publication | None] = ContextVar("norte_publication", default=None)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Entry:
    """What the manifest says of one file: its bytes' sha256, its fingerprint, its render key."""

    sha: str
    fp: str
    render: str = ""

    def to_json(self) -> dict[str, str]:
        body = {"sha": self.sha, "fp": self.fp}
        if self.render:
            body["render"] = self.render
        return body


def _read_entries(path: Path) -> dict[str, Entry] | None:
    try:
        got = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(got, dict) or got.get("format") != FORMAT:
        return None
    files = got.get("files")
    if not isinstance(files, dict):
        return None
    out: dict[str, Entry] = {}
    for rel, e in files.items():
        if not (
            isinstance(rel, str)
            and isinstance(e, dict)
            and isinstance(e.get("sha"), str)
            and isinstance(e.get("fp"), str)
            and isinstance(e.get("render", ""), str)
        ):
            return None
        if rel.startswith("/") or ".." in rel.split("/"):
            return None
        out[rel] = Entry(e["sha"], e["fp"], e.get("render", ""))
    return out


@dataclass
class Previous:
    """The site being replaced, as its manifest describes it."""

    root: Path
    files: dict[str, Entry]
    by_render: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path) -> Previous | None:
        """The previous site at ``root``, or ``None`` (no site, no or a corrupt manifest)."""
        if root.is_symlink() or not root.is_dir():
            return None
        files = _read_entries(root / MANIFEST)
        if files is None:
            return None
        by_render = {e.render: rel for rel, e in files.items() if e.render}
        return cls(root, files, by_render)

    def intact(self, rel: str) -> bytes | None:
        """The previous bytes of ``rel`` when they still match the manifest, else ``None``."""
        entry = self.files.get(rel)
        path = self.root / rel
        if entry is None or path.is_symlink():
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        return data if sha256(data) == entry.sha else None


@dataclass
class Stats:
    kept: int = 0
    written: int = 0
    renders_reused: int = 0
    renders_made: int = 0


class Publication:
    """One publish: page fingerprints and render keys as they are produced, the previous site
    to reuse from, and :meth:`finish` to keep the unchanged files and write the manifest."""

    def __init__(self, previous: Previous | None) -> None:
        self.previous = previous
        self.page_fps: dict[str, str] = {}
        self.render_keys: dict[str, str] = {}
        self.stats = Stats()

    # --- while rendering
    def page(self, rel: str, html: str, volatile: tuple[str, ...]) -> None:
        """Record the fingerprint of page ``rel``: its HTML without the ``volatile`` strings
        (the build time as it prints it)."""
        text = html
        for v in volatile:
            if v:
                text = text.replace(v, "")
        self.page_fps[rel] = "page:" + sha256(text.encode("utf-8"))

    def rendered(self, rel: str, key: str) -> None:
        """File ``rel`` holds the render of ``key``."""
        self.render_keys[rel] = key

    def reuse(self, key: str) -> bytes | None:
        """The bytes a previous publish rendered for ``key``, or ``None``."""
        if self.previous is not None and (rel := self.previous.by_render.get(key)) is not None:
            data = self.previous.intact(rel)
            if data is not None:
                self.stats.renders_reused += 1
                return data
        self.stats.renders_made += 1
        return None

    @contextmanager
    def active(self) -> Iterator[Publication]:
        """Chart renders inside the block ask this publication first."""
        token = ACTIVE.set(self)
        try:
            yield self
        finally:
            ACTIVE.reset(token)

    # --- once the new folder is complete
    def finish(self, tmp: Path) -> Stats:
        """Keep the previous file of every output whose fingerprint did not change (a hard
        link, or a copy with its times), then write the manifest into ``tmp``."""
        entries: dict[str, Entry] = {}
        for rel in _files(tmp):
            path = tmp / rel
            data = path.read_bytes()
            sha = sha256(data)
            fp = self.page_fps.get(rel, sha)
            entry = Entry(sha, fp, self.render_keys.get(rel, ""))
            old = self.previous.files.get(rel) if self.previous is not None else None
            if old is not None and old.fp == fp and self._keep(rel, path):
                entry.sha = old.sha
                self.stats.kept += 1
            else:
                self.stats.written += 1
            entries[rel] = entry
        body: dict[str, Any] = {
            "format": FORMAT,
            "files": {rel: e.to_json() for rel, e in sorted(entries.items())},
        }
        (tmp / MANIFEST).write_text(json.dumps(body, indent=0) + "\n", encoding="utf-8")
        return self.stats

    def _keep(self, rel: str, path: Path) -> bool:
        assert self.previous is not None
        if self.previous.intact(rel) is None:
            return False
        old = self.previous.root / rel
        spare = path.with_name(path.name + ".norte-keep")
        try:
            try:
                os.link(old, spare)
            except OSError:
                shutil.copy2(old, spare)
            os.replace(spare, path)
        except OSError:
            spare.unlink(missing_ok=True)
            return False
        return True


def _files(root: Path) -> list[str]:
    return sorted(
        (Path(here) / f).relative_to(root).as_posix()
        for here, _dirs, files in os.walk(root)
        for f in files
        if not (here == str(root) and f == MANIFEST)
    )


def reuse(key: str) -> bytes | None:
    """The active publication's previous render of ``key`` (``None``: none, or no cache)."""
    pub = ACTIVE.get()
    return None if pub is None else pub.reuse(key)
