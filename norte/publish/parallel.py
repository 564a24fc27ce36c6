"""The site rendered by two processes: what ``norte refresh`` and ``norte build`` publish with.

The page families are Python-bound (templates, chart specs, JSON, Babel) and DuckDB lets any
number of processes read a file nobody writes, so :func:`write_site_from` forks once, before
either process opens the store, and each opens it read-only:

1. the child renders its share of the *early* families (every family but the ones that read
   what others hand over, see below) into the same temporary folder, then sends back through a
   pipe what it recorded: its pages, CSV files and chart render keys (for the incremental
   publish), its log lines, and what its families handed over;
2. the parent renders the other share meanwhile, then merges the child's records in family
   order, so the log, the report's chart order and the manifest are what one process gives;
3. the parent renders the *late* families (the home page and the report, whose ``order`` is
   :data:`LATE` or more) with everything handed over, and the publish finishes as usual
   (:func:`norte.publish.site.publish`).

What a family hands over to later ones lives in ``site.cache`` under the keys of
:data:`HANDOFF` (the report's chart groups per language, the home page's findings and source
links); a family rendered in the child hands them over by value (pickled). The result equals
a one-process render byte for byte (tested). When the child fails, or sends nothing long
after the parent finished its own share (:data:`WAIT_MIN`, :data:`WAIT_FACTOR`), it is
stopped and the parent renders its families itself, saying so in the log: an error of a
family itself then fails the publish in the parent, which leaves the previous site. Where
``os.fork`` is missing, or ``workers`` is 1, the site is rendered in one process.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import pickle
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pyarrow as pa

from norte.publish import charts
from norte.publish.context import SiteContext
from norte.publish.i18n import LANGUAGES
from norte.publish.incremental import Publication
from norte.publish.pages import PageFamily, families
from norte.publish.site import prepared_tables, publish, render_families, site_context
from norte.store import Store

#: families with this ``order`` or more read what earlier ones handed over: rendered last
LATE = 90
#: ``site.cache`` keys (or key prefixes, ending in ``:``) through which families hand results
#: to later ones: ``report_charts:<lang>`` (lists, appended to), the rest replaced
HANDOFF = ("report_charts:", "top_findings", "source_pages")
#: how long the parent waits for the child once its own share is done: the longer of
#: WAIT_MIN seconds and WAIT_FACTOR times its own share's time
WAIT_MIN, WAIT_FACTOR = 60.0, 10.0
#: what a family costs to render, in seconds of one of two busy processes (measured on the
#: full shared store, release day); a family not listed counts 0.2
COST = {"sources": 2.3, "partner": 1.5, "maps": 1.5, "findings": 1.25, "goals": 1.1}


def _handed(key: str) -> bool:
    return any(key.startswith(h) if h.endswith(":") else key == h for h in HANDOFF)


@dataclass
class Share:
    """What one process recorded while rendering its families."""

    logs: dict[str, str] = field(default_factory=dict)  # family -> its log line
    handed: dict[str, dict[str, Any]] = field(default_factory=dict)  # family -> key -> value
    pages: list[str] = field(default_factory=list)
    csv: set[str] = field(default_factory=set)
    page_fps: dict[str, str] = field(default_factory=dict)
    render_keys: dict[str, str] = field(default_factory=dict)
    renders: tuple[int, int] = (0, 0)  # reused, made


def split(fams: Sequence[PageFamily]) -> tuple[list[PageFamily], list[PageFamily]]:
    """(parent's, child's) early families, each in render order: of every way to share them,
    the one whose busier side costs least (:data:`COST`), the parent taking the lighter side
    (it merges the child's records after)."""
    best: tuple[float, int] = (float("inf"), 0)
    n = len(fams)
    if n > 16:  # (never so many) every other family to the child
        return list(fams[::2]), list(fams[1::2])
    for mask in range(1 << n):
        child = sum(COST.get(f.name, 0.2) for i, f in enumerate(fams) if mask >> i & 1)
        parent = sum(COST.get(f.name, 0.2) for i, f in enumerate(fams) if not mask >> i & 1)
        if parent <= child and child < best[0]:
            best = (child, mask)
    mask = best[1]
    return (
        [f for i, f in enumerate(fams) if not mask >> i & 1],
        [f for i, f in enumerate(fams) if mask >> i & 1],
    )


def _appended(key: str) -> bool:
    """Handed-over values that later families append to (lists), not replace."""
    return any(h.endswith(":") and key.startswith(h) for h in HANDOFF)


def _render_share(site: SiteContext, fams: Iterable[PageFamily]) -> Share:
    """Render ``fams`` into ``site``; what they added (pages, CSV files, render records,
    handed-over values, log lines), not what ``site`` held before."""
    share = Share()
    buf = io.StringIO()
    progress, site.progress = site.progress, buf
    seen: dict[str, int] = {
        k: len(v) if _appended(k) else id(v) for k, v in site.cache.items() if _handed(k)
    }
    pages, csv = len(site.pages_written), set(site._csv_written)
    pub = site.publication
    fps, keys = (set(pub.page_fps), set(pub.render_keys)) if pub else (set(), set())
    renders = (pub.stats.renders_reused, pub.stats.renders_made) if pub else (0, 0)

    def after(fam: PageFamily) -> None:
        share.logs[fam.name] = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        got: dict[str, Any] = {}
        for key, value in site.cache.items():
            if not _handed(key):
                continue
            if _appended(key):
                if len(value) > seen.get(key, 0):
                    got[key] = value[seen.get(key, 0) :]
                seen[key] = len(value)
            elif key not in seen or seen[key] != id(value):
                got[key] = value
                seen[key] = id(value)
        share.handed[fam.name] = got

    try:
        render_families(site, fams, after)
    finally:
        site.progress = progress
    share.pages = site.pages_written[pages:]
    share.csv = site._csv_written - csv
    if pub is not None:
        share.page_fps = {k: v for k, v in pub.page_fps.items() if k not in fps}
        share.render_keys = {k: v for k, v in pub.render_keys.items() if k not in keys}
        share.renders = (
            pub.stats.renders_reused - renders[0],
            pub.stats.renders_made - renders[1],
        )
    return share


def write_site_from(
    db: Path,
    out: Path,
    mode: str,
    progress: TextIO | None = None,
    languages: Sequence[str] = LANGUAGES,
    geo_dir: Path | None = None,
    png: bool = True,
    force: bool = False,
    base_url: str | None = None,
    incremental: bool = True,
    built: str | None = None,
    workers: int = 2,
) -> int:
    """:func:`norte.publish.site.write_site` from the store file ``db``, which nobody may be
    writing (the caller closed its writer): opened read-only by each of ``workers`` (1 or 2)
    processes. Returns the number of HTML pages written.

    One process renders everything when ``workers`` is 1, where ``os.fork`` is missing, and
    in a process that has already rendered a chart: vl-convert's converter runs on a thread
    of its own, which a forked child would not have (its first render would never return)."""
    stamp = built or dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")  # one for both sides

    def render(tmp: Path, pub: Publication) -> int:
        def context(store: Store, prepared: Mapping[str, pa.Table] | None = None) -> SiteContext:
            return site_context(
                store, tmp, mode, None, languages, geo_dir, png, base_url, stamp, None, pub,
                prepared,
            )  # fmt: skip

        if workers < 2 or not hasattr(os, "fork") or charts.converter_started():
            with Store(db, read_only=True) as store:
                site = context(store)
                site.progress = progress
                render_families(site, families())
                return len(site.pages_written)
        fams = families()
        first = [f for f in fams if f.order < LATE]
        mine, theirs = split(first)
        # the read models both processes need, materialized once (all cores, nothing else
        # running) and inherited by the child; the store is closed again before the fork
        with Store(db, read_only=True) as store:
            prepared = prepared_tables(store)
        forked = _fork(lambda: _share_from(db, lambda st: context(st, prepared), theirs))
        child: _Child | None = forked
        try:
            with Store(db, read_only=True) as store:
                store.con.execute("SET threads = 1")  # see _share_from
                site = context(store, prepared)
                site.progress = progress
                child = None  # complete() reaps it, or stops it on an error
                return complete(site, pub, fams, mine, forked, theirs)
        finally:
            if child is not None:  # an error before the child was taken: stop it
                _stop(child)

    return publish(out, render, store=db, force=force, progress=progress, incremental=incremental)


def complete(
    site: SiteContext,
    pub: Publication,
    fams: Sequence[PageFamily],
    mine: Sequence[PageFamily],
    child: _Child,
    theirs: Sequence[PageFamily],
    adopt: Callable[[Share], Share | str] | None = None,
    steal: Callable[[PageFamily], bool] | None = None,
    idle: Callable[[], None] | None = None,
) -> int:
    """The parent's side, once ``child`` renders ``theirs``: render ``mine``; then, with
    ``steal`` (a claim the child also makes before each family, front to back), the child's
    families it has not started, from the back; take the child's share (``adopt`` may refuse
    it, saying why), or render its families here when it failed or hung; merge both in family
    order, render the late families. ``idle()`` is called before waiting for the child (work
    of the caller's that needs no page). Returns the pages written."""
    progress = site.progress
    first = [f for f in fams if f.order < LATE]
    before = {k: v for k, v in site.cache.items() if _handed(k)}  # set by nav()
    try:
        t0 = time.monotonic()
        own = _render_share(site, mine)
        # one at a time from the back, each claimed then rendered: the child, meanwhile, may
        # still take the next one
        for f in reversed(theirs if steal is not None else ()):
            if steal is None or not steal(f):
                break  # the child has this one, and every one before it
            more = _render_share(site, [f])
            own.logs.update(more.logs)
            own.handed.update(more.handed)
        # the child's share costs about as much as this one: past many times that, it is
        # taken as hung (a crash is seen at once)
        wait = max(WAIT_MIN, WAIT_FACTOR * (time.monotonic() - t0))
        if idle is not None:
            idle()
        other: Share | str = _collect(child, wait)
    except BaseException:
        _stop(child)
        raise
    if isinstance(other, Share) and adopt is not None:
        other = adopt(other)
    in_process = False
    if isinstance(other, str):  # its pages are rendered here instead, saying so
        if progress is not None:
            print(f"  {other}; rendering its pages in this one", file=progress)
        left = [f for f in theirs if f.name not in own.logs]
        other, in_process = _render_share(site, left), True
    _merge(site, pub, first, (own, other), before, progress, in_process)
    render_families(site, [f for f in fams if f.order >= LATE])
    return len(site.pages_written)


@dataclass
class _Child:
    pid: int
    fd: int


def _fork(work: Callable[[], Share]) -> _Child:
    """Start a child process running ``work`` and sending its share (or its traceback) back
    through a pipe; it dies with this process (Linux), so a killed run leaves no renderer."""
    r, w = os.pipe()
    sys.stderr.flush()
    sys.stdout.flush()
    pid = os.fork()
    if pid:
        os.close(w)
        return _Child(pid, r)
    # the child: render, send the share (or the error) back, leave without cleanup handlers
    os.close(r)
    code = 0
    try:
        _die_with_parent()
        payload: Any = work()
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        payload, code = traceback.format_exc(), 1
    try:
        with os.fdopen(w, "wb") as f:
            pickle.dump(payload, f, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        os._exit(code)


def _die_with_parent() -> None:
    """Ask Linux to kill this (child) process when its parent dies (``PR_SET_PDEATHSIG``);
    elsewhere the child finishes its share and exits on the closed pipe."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _share_from(db: Path, context: Callable[[Store], SiteContext], fams: list[PageFamily]) -> Share:
    """The child's share of the two-process site: ``fams`` rendered from ``db``, read-only."""
    with Store(db, read_only=True) as store:
        # one DuckDB thread per process: two processes already keep two cores busy, and
        # DuckDB's default (a thread per core) in each made the refresh slower (measured on
        # release day, 4 A/B pairs: -0.6 s on average)
        store.con.execute("SET threads = 1")
        return _render_share(context(store), fams)


def _collect(child: _Child, wait: float) -> Share | str:
    """The child's share, or why there is none: it failed (its traceback) or sent nothing
    within ``wait`` seconds after this process finished its own share (then it is stopped)."""
    chunks: list[bytes] = []
    deadline = time.monotonic() + wait
    while True:
        left = deadline - time.monotonic()
        ready = select.select([child.fd], [], [], max(left, 0))[0] if left > 0 else []
        if not ready:
            _stop(child)
            return f"the site's second rendering process sent nothing in {wait:.0f} s"
        chunk = os.read(child.fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(child.fd)
    _, status = os.waitpid(child.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    data = b"".join(chunks)
    got = pickle.loads(data) if data else None  # noqa: S301 - our own child's bytes
    if isinstance(got, Share) and code == 0:
        return got
    why = got.strip().splitlines()[-1] if isinstance(got, str) and got.strip() else ""
    return f"the site's second rendering process failed ({why or f'exit status {code}'})"


def _stop(child: _Child) -> None:
    try:
        os.kill(child.pid, signal.SIGKILL)
        os.waitpid(child.pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
    try:
        os.close(child.fd)
    except OSError:
        pass


def _merge(
    site: SiteContext,
    pub: Publication,
    early: Sequence[PageFamily],
    shares: tuple[Share, Share],
    before: dict[str, Any],
    progress: TextIO | None,
    in_process: bool,
) -> None:
    """Both shares (this process's, the other's) into ``site`` and ``pub``, as if one
    process had rendered every early family in order: log lines, handed-over values (from
    what the header links had set, ``before``), pages, CSV files, render records (those of a
    share rendered in this process are in ``site`` and ``pub`` already)."""
    own, other = shares
    handed = {k for sh in shares for got in sh.handed.values() for k in got}
    for key in handed:  # rebuilt below in family order
        if key in before:
            site.cache[key] = list(before[key]) if _appended(key) else before[key]
        else:
            site.cache.pop(key, None)
    for fam in early:
        share = own if fam.name in own.logs else other
        if progress is not None:
            progress.write(share.logs.get(fam.name, ""))
        for key, value in share.handed.get(fam.name, {}).items():
            if _appended(key):
                site.cache.setdefault(key, []).extend(value)
            else:
                site.cache[key] = value
    if progress is not None:
        progress.flush()
    if in_process:
        return
    site.pages_written.extend(other.pages)
    site._csv_written |= other.csv
    pub.page_fps.update(other.page_fps)
    pub.render_keys.update(other.render_keys)
    pub.stats.renders_reused += other.renders[0]
    pub.stats.renders_made += other.renders[1]
