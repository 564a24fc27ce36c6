"""The HTML pages of ``norte serve``: the static site's own page functions, rendered once per
read snapshot.

A snapshot never changes, so its pages never change either: the first page request of a
snapshot renders the whole site for it with :func:`norte.publish.site.render_site` — the very
function ``norte build`` uses, same templates, same page functions, into a folder of the
server's — and every later request reads the files. The two cannot drift: they are one code
path (``tests/web/test_pages.py`` compares them byte for byte).

While a newer snapshot's site renders (seconds on the full store), pages keep coming from the
newest site already rendered, each response with the ETag of the snapshot it was rendered
from. Every page ``X.html`` has a JSON twin ``X.json``: the values its template was given.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import json
import math
import multiprocessing
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from norte.publish.site import render_site
from norte.store import Store

#: keys of page values left out of the JSON twins: markup, not data (the SVG is a download)
_SKIP = frozenset({"svg", "ctx", "t", "tr"})


@dataclass(frozen=True)
class RenderOptions:
    """How the server renders its pages (the same knobs as ``norte build``)."""

    png: bool = True
    geo_dir: Path | None = None
    languages: tuple[str, ...] | None = None
    base_url: str | None = None


@dataclass(frozen=True)
class RenderedSite:
    snapshot_id: str
    root: Path


def built_label(snapshot_id: str) -> str:
    """The "built" time the pages of a snapshot show: when the snapshot was published."""
    stamp = snapshot_id.split("-", 1)[0]
    try:
        when = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ")
    except ValueError:
        return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
    return when.strftime("%Y-%m-%d %H:%M")


def jsonable(value: Any) -> Any:
    """Template values as JSON: dataclasses and objects as dicts, dates as ISO strings,
    NaN as null; functions and markup (:data:`_SKIP`) left out."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items() if str(k) not in _SKIP}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in _SKIP and not f.name.startswith("_")
        }
    if callable(value):
        return None
    if hasattr(value, "__dict__"):
        return jsonable({k: v for k, v in vars(value).items() if not k.startswith("_")})
    return str(value)


def mode_of(store: Store) -> str:
    from norte.build import official_rows

    return "official" if official_rows(store) else "seed"


def render_snapshot(
    store: Store, snapshot_id: str, out: Path, options: RenderOptions = RenderOptions()
) -> int:
    """Render the site of the open snapshot ``store`` into ``out`` with the JSON twins;
    returns the number of HTML pages."""
    values: dict[str, dict[str, Any]] = {}
    kwargs: dict[str, Any] = {}
    if options.languages is not None:
        kwargs["languages"] = options.languages
    pages = render_site(
        store,
        out,
        mode_of(store),
        geo_dir=options.geo_dir,
        png=options.png,
        base_url=options.base_url,
        built=built_label(snapshot_id),
        page_values=values,
        **kwargs,
    )
    for page, vals in values.items():
        twin = out / (page.removesuffix(".html") + ".json")
        twin.write_text(
            json.dumps(
                {"page": page, "snapshot": snapshot_id, "values": jsonable(vals)},
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
    return pages


#: how much lower the CPU priority of an isolated render is (``os.nice`` increment)
RENDER_NICE = 10


def _render_child(path: Path, snapshot_id: str, out: Path, options: RenderOptions) -> int:
    os.nice(RENDER_NICE)
    with Store(path, read_only=True, lock_timeout=0) as store:
        return render_snapshot(store, snapshot_id, out, options)


def _render_in_child(path: Path, snapshot_id: str, out: Path, options: RenderOptions) -> int:
    """:func:`render_snapshot` of the snapshot file ``path`` in a child process (its errors
    are raised here)."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        return pool.submit(_render_child, path, snapshot_id, out, options).result()


class SiteCache:
    """Rendered sites by snapshot, in a temporary folder of the server's.

    ``shared=True``: several worker processes use the folder ``root`` (``norte serve
    --workers N``): one renders a snapshot's site under a lock file (``.render.lock``) and
    marks it done (``.<snapshot>.done``); the others find the mark and read the same files. The
    folder then belongs to whoever made it (``close`` leaves it).

    ``isolate=True``: each render runs in a child process at a lower CPU priority
    (:data:`RENDER_NICE`), not in a thread of the server's: rendering is seconds of pure
    Python, which in a thread would hold the server process's GIL against its requests."""

    def __init__(
        self,
        options: RenderOptions = RenderOptions(),
        root: Path | None = None,
        *,
        shared: bool = False,
        isolate: bool = False,
    ) -> None:
        if shared and root is None:
            raise ValueError("a shared site cache needs its folder (root)")
        self.options = options
        self.shared = shared
        self.isolate = isolate
        self._root = root
        self._lock = threading.Lock()
        self._render_lock = threading.Lock()
        self._newest: RenderedSite | None = None
        self._pending: str | None = None

    @property
    def root(self) -> Path:
        """The folder of the rendered sites (a temporary one, made at the first render)."""
        if self._root is None:
            self._root = Path(tempfile.mkdtemp(prefix="norte-serve-"))
        return self._root

    def get(self, snapshot_id: str, path: Path) -> RenderedSite:
        """The site for a request reading ``snapshot_id`` (file ``path``): that snapshot's if
        rendered; else the newest rendered one while the new one renders in the background;
        rendered now when there is none yet."""
        with self._lock:
            newest = self._newest
            if newest is not None and newest.snapshot_id == snapshot_id:
                return newest
            if self.shared and newest is not None and self._done(snapshot_id).exists():
                # another worker rendered it: adopt its files
                self._newest = RenderedSite(snapshot_id, self.root / snapshot_id)
                return self._newest
            start = newest is not None and self._pending != snapshot_id
            if start:
                self._pending = snapshot_id
        if newest is None:
            return self._render(snapshot_id, path)
        if start:
            threading.Thread(
                target=self._render, args=(snapshot_id, path), name="norte-render", daemon=True
            ).start()
        return newest

    def prepare(self, snapshot_id: str, path: Path) -> Callable[[], None] | None:
        """What to do before the server moves to the new snapshot ``snapshot_id``
        (:class:`~norte.web.snapshots.SnapshotPool`'s ``prepare``): render its site (or adopt
        another worker's) when this server already serves pages; None when no page was asked
        for yet (the first page request renders, as for the first snapshot)."""
        with self._lock:
            if self._newest is None:
                return None

        def work() -> None:
            self._render(snapshot_id, path)

        return work

    def _done(self, snapshot_id: str) -> Path:
        return self.root / f".{snapshot_id}.done"

    @contextmanager
    def _process_lock(self) -> Iterator[None]:
        """Between worker processes (shared mode): one renders at a time."""
        if not self.shared:
            yield
            return
        with open(self.root / ".render.lock", "a+b") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _render(self, snapshot_id: str, path: Path) -> RenderedSite:
        with self._render_lock, self._process_lock():
            with self._lock:
                if self._newest is not None and self._newest.snapshot_id == snapshot_id:
                    return self._newest
            if self.shared and self._done(snapshot_id).exists():
                return self._adopt(RenderedSite(snapshot_id, self.root / snapshot_id))
            out = self.root / snapshot_id
            if out.exists():
                shutil.rmtree(out)
            try:
                if self.isolate:
                    _render_in_child(path, snapshot_id, out, self.options)
                else:
                    with Store(path, read_only=True, lock_timeout=0) as store:
                        render_snapshot(store, snapshot_id, out, self.options)
            except BaseException:
                with self._lock:
                    self._pending = None
                raise
            if self.shared:
                self._done(snapshot_id).touch()
            return self._adopt(RenderedSite(snapshot_id, out))

    def _adopt(self, site: RenderedSite) -> RenderedSite:
        """Make ``site`` the newest; drop the folders older than the previous one."""
        with self._lock:
            old, self._newest, self._pending = self._newest, site, None
        if old is not None:
            # Requests read a page's bytes in one go; a request still holding the old
            # site reads at most one more file: keep the folder one generation.
            keep = {site.snapshot_id, old.snapshot_id}
            for stale in self.root.iterdir():
                name = stale.name
                if name.startswith("."):
                    if name.endswith(".done") and name[1:-5] not in keep:
                        stale.unlink(missing_ok=True)
                elif name not in keep:
                    shutil.rmtree(stale, ignore_errors=True)
        return site

    def close(self) -> None:
        if self._root is not None and not self.shared:
            shutil.rmtree(self._root, ignore_errors=True)
