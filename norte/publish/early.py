"""Page families rendered while ``norte refresh`` recomputes.

On release day ``norte refresh`` recomputes indicators, findings and goal lights on one core
(the writer's) for a few seconds, then renders the site. The families that read only what
loads write (:attr:`norte.publish.pages.PageFamily.loads_only`: the sources, partner, map and
data pages) do not depend on that recompute, so :func:`start` renders them meanwhile:

1. the writer checkpoints (the store file then holds every committed change; the writer keeps
   its lock, so nobody else writes) and the file is copied beside the site, under the name of
   a publish's temporary folder (:func:`norte.publish.safe.recover` removes what a killed
   run left);
2. a forked child opens the copy and drops every table and view that loads do not write
   (:data:`LOADED` lists those kept): a family marked ``loads_only`` that reads indicator
   values, findings or goal lights fails there instead of showing the values from before the
   recompute. It renders those families into a folder of its own and sends back what it
   recorded, as the two-process site does (:mod:`norte.publish.parallel`);
3. after the recompute, :func:`write_site_after` renders the other families from the store,
   takes the child's files and records and merges them in family order
   (:func:`norte.publish.parallel.complete`). The site equals a one-process render of the
   store after the recompute, byte for byte (tested). When the child failed or hung, when a
   load reached the store after the copy, or when it wrote a file differently from this
   process, its families are rendered after the recompute instead, and the log says so.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import takewhile
from pathlib import Path
from typing import Any, TextIO, cast

import duckdb
import pyarrow as pa

from norte.errors import PublishError
from norte.publish import charts
from norte.publish.i18n import LANGUAGES
from norte.publish.incremental import Publication
from norte.publish.pages import families
from norte.publish.parallel import COST, LATE, Share, _Child, _fork, _render_share, _stop, complete
from norte.publish.safe import _tmp_prefix, check_site
from norte.publish.site import PREPARED, _previous, prepared_tables, publish, site_context
from norte.store import Store

#: the tables and views that loads write (:mod:`norte.store`): all the copy keeps. A table
#: added to the store is dropped from the copy until it is listed here (a ``loads_only``
#: family reading it then fails in the child, and is rendered after the recompute).
LOADED = frozenset(
    {
        "loads", "meta", "observations_long", "transborder_wide", "codes", "places",
        "classification_codes", "crosswalk_pairs",  # tables
        "observations", "observations_latest", "product_observations", "vintages",
        "crosswalks",  # views
    }
)  # fmt: skip


#: how much lower the early pages' process runs than the recompute (``nice``)
NICE = 10
#: the largest store copied (bytes): 140 MB copied in 0.07 s here (measured); 1 GiB would take
#: about 0.5 s at that rate (not measured), about what the early pages save on release day
MAX_COPY = 1 << 30
#: the folder, beside the copy, where the child leaves the site's read models
PREPARED_DIR = "prepared"


@dataclass
class Early:
    """The child rendering the ``loads_only`` families from a copy of the store."""

    child: _Child | None
    folder: Path  # where the child renders
    spare: Path  # the folder holding the copy
    names: tuple[str, ...]  # the families it renders
    max_load: int  # the store's newest load when it was copied
    built: str  # the build time every page prints (both processes)
    mode: str

    def close(self) -> None:
        """Stop the child if it still runs; remove its folder and the copy."""
        if self.child is not None:
            _stop(self.child)
            self.child = None
        shutil.rmtree(self.folder, ignore_errors=True)
        shutil.rmtree(self.spare, ignore_errors=True)


def _max_load(con: duckdb.DuckDBPyConnection) -> int:
    rows = con.execute("SELECT coalesce(max(load_id), 0) FROM loads").fetchall()
    return int(rows[0][0]) if rows else 0


def start(
    store: Store,
    out: Path,
    mode: str,
    *,
    languages: Sequence[str] = LANGUAGES,
    geo_dir: Path | None = None,
    png: bool = True,
    base_url: str | None = None,
    built: str | None = None,
) -> Early | None:
    """Start rendering the ``loads_only`` families of the site at ``out`` from a copy of
    ``store`` (open for writing, nothing else written after this call but what the
    recompute writes). ``None`` when they cannot be: no such family, no ``os.fork``, a
    chart already rendered in this process (see :mod:`norte.publish.parallel`), ``out`` not
    replaceable (the publish will say why), a store over :data:`MAX_COPY` bytes, or no room
    for the copy."""
    # costliest first (parallel.COST): the parent, done with its own, takes the cheap ones
    # left at the back
    fams = sorted(
        (f for f in families() if f.loads_only and f.order < LATE),
        key=lambda f: -COST.get(f.name, 0.2),
    )
    if not fams or not hasattr(os, "fork") or charts.converter_started():
        return None
    db = store.path
    try:
        if db.stat().st_size > MAX_COPY:
            return None  # copying would cost more than it saves
        target = check_site(out, False, db).path
        target.parent.mkdir(parents=True, exist_ok=True)
        spare = Path(tempfile.mkdtemp(prefix=_tmp_prefix(target, "tmp"), dir=target.parent))
    except (PublishError, OSError):
        return None
    folder = spare / "pages"  # (a folder of its own below, once there is a copy)
    try:
        folder = Path(tempfile.mkdtemp(prefix=_tmp_prefix(target, "tmp"), dir=target.parent))
        store.con.execute("CHECKPOINT")
        wal = db.with_name(db.name + ".wal")
        if wal.exists() and wal.stat().st_size:
            raise OSError("the write-ahead log is not empty after a checkpoint")
        copy = spare / "store.duckdb"
        shutil.copyfile(db, copy)
        max_load = _max_load(store.con)
        # no DuckDB worker thread while forking (a forked child has only the forking thread):
        # one thread, as when norte.publish.parallel forks with every store closed
        threads = store.con.execute("SELECT current_setting('threads')").fetchall()[0]
        store.con.execute("SET threads = 1")
    except (OSError, duckdb.Error):
        shutil.rmtree(spare, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)
        return None
    stamp = built or dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")

    def work() -> Share:
        # the child's own copy, opened for writing to drop what it may not read; never closed
        # (no checkpoint: the copy is deleted, this process leaves without cleanup)
        st = Store(copy)
        if _max_load(st.con) != max_load:
            raise RuntimeError("the copy of the store is not the store")
        dropped: list[str] = []
        views = st.con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal")
        for (name,) in views.fetchall():
            if name not in LOADED:
                st.con.execute(f'DROP VIEW "{name}"')
                dropped.append(name)
        for (name,) in st.con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
            if name not in LOADED:
                st.con.execute(f'DROP TABLE "{name}"')
                dropped.append(name)
        # a statement that so much as names one of them (an existence check included) fails
        st.con = cast(duckdb.DuckDBPyConnection, Guarded(st.con, dropped))
        prepared = prepared_tables(st)  # at the writer's priority: the parent needs them too
        _export(prepared, spare / PREPARED_DIR)
        # the rest yields to the recompute: this process takes the cycles it leaves (about 0.7
        # of a core of two, measured), not the writer's
        os.nice(NICE)
        st.con.execute("SET threads = 1")  # see norte.publish.parallel._share_from
        pub = Publication(_previous(out))  # chart images are reused from the site at out
        with pub.active():
            site = site_context(
                st, folder, mode, None, languages, geo_dir, png, base_url, stamp, None, pub,
                prepared_here=True,  # prepared_tables(st) above made them on this connection
            )  # fmt: skip
            # front to back, each family claimed first: the parent takes them from the back
            # once its own are done (write_site_after)
            return _render_share(site, takewhile(lambda f: claim(spare, f.name), fams))

    try:
        child = _fork(work)
    except OSError:  # no process to be had: the site is rendered after the recompute
        shutil.rmtree(spare, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)
        return None
    finally:
        store.con.execute(f"SET threads = {int(threads[0]) if threads else 1}")
    return Early(child, folder, spare, tuple(f.name for f in fams), max_load, stamp, mode)


def write_site_after(
    early: Early,
    db: Path,
    out: Path,
    progress: TextIO | None = None,
    languages: Sequence[str] = LANGUAGES,
    geo_dir: Path | None = None,
    png: bool = True,
    base_url: str | None = None,
    idle: Callable[[], None] | None = None,
) -> int:
    """Publish the site at ``out`` from ``db`` (closed by its writer since :func:`start`),
    with the families ``early`` rendered; returns the HTML pages written. ``early`` is closed
    whatever happens. The other arguments must be the ones :func:`start` was given, but
    ``idle``: called once, while this process would wait for the child's pages."""

    def render(tmp: Path, pub: Publication) -> int:
        with Store(db, read_only=True) as store:
            same = _max_load(store.con) == early.max_load  # else the copy's are not these
            site = site_context(
                store, tmp, early.mode, None, languages, geo_dir, png, base_url, early.built,
                None, pub, _imported(early.spare / PREPARED_DIR) if same else None,
            )  # fmt: skip
            site.progress = progress
            fams = families()
            first = [f for f in fams if f.order < LATE]
            theirs = sorted(  # in the child's order (start)
                (f for f in first if f.name in early.names), key=lambda f: early.names.index(f.name)
            )
            mine = [f for f in first if f.name not in early.names]
            child, early.child = early.child, None  # complete() reaps it, or stops it
            if child is None:
                raise RuntimeError("the early renderer was already taken")

            def adopt(share: Share) -> Share | str:
                return _adopt(share, early, tmp, store)

            return complete(
                site, pub, fams, mine, child, theirs, adopt,
                lambda f: claim(early.spare, f.name), idle,
            )  # fmt: skip

    try:
        return publish(out, render, store=db, force=False, progress=progress, incremental=True)
    finally:
        early.close()


class EarlyReadError(RuntimeError):
    """A ``loads_only`` family read what the recompute writes (the log names it)."""


class Guarded:
    """The child's connection: every statement is refused (:class:`EarlyReadError`) that
    names, in its text or a string parameter, a table or view the copy dropped. A read of
    one would fail anyway; an existence check (``duckdb_tables()``) would quietly see none."""

    def __init__(self, con: duckdb.DuckDBPyConnection, names: Sequence[str]) -> None:
        self._con = con
        self._names = tuple(names)
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        self._pattern = re.compile(rf"\b({alternatives})\b", re.IGNORECASE) if names else None

    def _check(self, *texts: object) -> None:
        if self._pattern is None:
            return
        for text in texts:
            values = text.values() if isinstance(text, dict) else text
            for t in values if isinstance(values, list | tuple) else (values,):
                if isinstance(t, str) and (m := self._pattern.search(t)):
                    raise EarlyReadError(
                        f"a loads_only page family read {m.group(1)!r}, which the recompute "
                        "writes: set loads_only=False on it (norte.publish.pages)"
                    )

    def execute(self, query: str, parameters: object = None) -> Guarded:
        self._check(query, parameters)
        self._con.execute(query, parameters)
        return self

    def executemany(self, query: str, parameters: object = None) -> Guarded:
        self._check(query, *(parameters if isinstance(parameters, list) else [parameters]))
        self._con.executemany(query, parameters)
        return self

    def sql(self, query: str, *args: Any, **kwargs: Any) -> duckdb.DuckDBPyRelation:
        self._check(query, kwargs.get("params"), *args)
        return self._con.sql(query, *args, **kwargs)

    query = sql

    def table(self, name: str) -> duckdb.DuckDBPyRelation:
        self._check(name)
        return self._con.table(name)

    def view(self, name: str) -> duckdb.DuckDBPyRelation:
        self._check(name)
        return self._con.view(name)

    def cursor(self) -> Guarded:
        return Guarded(self._con.cursor(), self._names)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def claim(spare: Path, family: str) -> bool:
    """Claim ``family`` for this process: ``False`` when the other one has (a file created
    once, atomically)."""
    try:
        os.close(os.open(spare / f"claim-{family}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def _export(tables: Mapping[str, pa.Table], folder: Path) -> None:
    """Write ``tables`` as Arrow IPC files into ``folder``, which appears only complete."""
    part = folder.with_name(folder.name + ".part")
    part.mkdir()
    for name, table in tables.items():
        with pa.OSFile(str(part / f"{name}.arrow"), "wb") as sink:
            with pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
    os.rename(part, folder)


def _imported(folder: Path) -> dict[str, pa.Table] | None:
    """The read models the child exported (:func:`_export`), or ``None``: not (yet) there,
    so the site materializes them itself."""
    if not folder.is_dir():
        return None
    got = {}
    for name in PREPARED:
        with pa.OSFile(str(folder / f"{name}.arrow")) as source:  # read, not mapped
            got[name] = pa.ipc.open_file(source).read_all()
    return got


def _adopt(share: Share, early: Early, tmp: Path, store: Store) -> Share | str:
    """Move the child's files into ``tmp``; or why its share is refused (nothing moved)."""
    if _max_load(store.con) != early.max_load:
        return "a load reached the store after the site's early pages were started"
    rels = [
        (Path(here) / f).relative_to(early.folder)
        for here, _dirs, files in os.walk(early.folder)
        for f in files
    ]
    for rel in rels:
        mine = tmp / rel
        if mine.exists() and mine.read_bytes() != (early.folder / rel).read_bytes():
            return f"the site's early pages wrote {rel.as_posix()} differently"
    for rel in rels:
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        os.replace(early.folder / rel, tmp / rel)
    return share
