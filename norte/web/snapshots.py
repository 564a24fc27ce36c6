"""The server's side of read snapshots (:mod:`norte.store.snapshot`): which snapshot a request
reads, and when an old one is closed.

Before each request :meth:`SnapshotPool.acquire` reads the pointer file; when it names a new
snapshot, that snapshot is opened read-only and becomes current, and the old one is *retired*:
closed as soon as the last request holding it finishes. A request reads one snapshot from start
to end (its own cursor on that snapshot's connection), so no response mixes two; the snapshot
id is the response's ETag.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from norte.errors import StoreError
from norte.store import Store
from norte.store import snapshot as snap

#: the memory one open snapshot may use (DuckDB ``memory_limit``)
MEMORY_LIMIT = "2GB"


@dataclass(eq=False)
class Snapshot:
    """One open snapshot: its id (the ETag), its file and a read-only store on it."""

    id: str
    path: Path
    store: Store
    refs: int = 0
    retired: bool = False
    closed: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection of this request's own on the snapshot (DuckDB connections are not
        shared between threads)."""
        return self.store.con.cursor()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.store.close()


#: the longest a server waits for a new snapshot's preparation before moving to it anyway
#: (seconds; under a saturating load a render at a low priority can take minutes)
PREPARE_TIMEOUT = 60.0

#: what a server does with a new snapshot before moving to it: ``prepare(id, file)`` returns
#: the work to run (in a background thread), or None when there is nothing to prepare
Prepare = Callable[[str, Path], Callable[[], None] | None]


class SnapshotPool:
    """The snapshots of the store ``db`` a server reads; thread-safe.

    ``prepare``: when a newer snapshot is published, the work it returns is run in a background
    thread (the server renders the new snapshot's site) and the pool keeps giving requests the
    current snapshot until it is done — so no request waits on the preparation, and pages and API move
    together. If it fails, the pool moves anyway (pages then render on demand) and says why on
    stderr; if it takes longer than ``prepare_timeout`` seconds, the pool moves without waiting
    for it (pages then come from the previous site until it is done, see
    :meth:`norte.web.site.SiteCache.get`). The first snapshot is not prepared (there is nothing
    else to serve)."""

    def __init__(
        self, db: Path, prepare: Prepare | None = None, prepare_timeout: float = PREPARE_TIMEOUT
    ) -> None:
        self.db = db
        self.prepare = prepare
        self.prepare_timeout = prepare_timeout
        self._prepare_started = 0.0
        self._lock = threading.Lock()
        self._current: Snapshot | None = None
        self._pointer_mtime: int = -1
        self._preparing: str | None = None
        self._ready: set[str] = set()
        #: every snapshot this pool opened and closed again, oldest first (for tests)
        self.closed: list[str] = []

    def _newest(self) -> tuple[str, Path]:
        found = snap.current(self.db)
        if found is None:
            raise StoreError(
                f"no read snapshot of {self.db} in {snap.folder(self.db)} — start the server "
                f"with 'norte serve --db {self.db}' (it publishes one), or run any writing "
                "command on the store"
            )
        return found

    def _refresh(self) -> Snapshot:
        """Under ``self._lock``: the current snapshot, moving to a newer one if published."""
        try:
            mtime = (snap.folder(self.db) / snap.POINTER).stat().st_mtime_ns
        except FileNotFoundError:
            mtime = -1
        cur = self._current
        if cur is not None and mtime == self._pointer_mtime:
            return cur
        sid, path = self._newest()
        if cur is not None and cur.id == sid:
            self._pointer_mtime = mtime
            return cur
        if cur is not None and self.prepare is not None and sid not in self._ready:
            if self._preparing == sid:
                if time.monotonic() - self._prepare_started < self.prepare_timeout:
                    return cur  # until the new snapshot is ready
                self._ready.add(sid)  # too long: move now, the preparation goes on
                work = None
            else:
                work = self.prepare(sid, path)
            if work is not None:
                self._preparing = sid
                self._prepare_started = time.monotonic()
                threading.Thread(
                    target=self._prepare, args=(sid, work), name="norte-prepare", daemon=True
                ).start()
                return cur
        self._pointer_mtime = mtime
        store = Store(path, read_only=True, lock_timeout=0)
        # One DuckDB instance per snapshot, by default allowed 80% of RAM: with many heavy
        # requests at once (the server runs them in a thread pool) that is more than the
        # machine has. Bounded, DuckDB spills to <snapshot>.tmp or refuses the query (503).
        store.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        new = Snapshot(sid, path, store)
        self._current = new
        if cur is not None:
            self._retire(cur)
        return new

    def _prepare(self, sid: str, work: Callable[[], None]) -> None:
        try:
            work()
        except Exception as e:  # noqa: BLE001 - the server moves on regardless; say why
            print(
                f"norte serve: preparing snapshot {sid} failed ({type(e).__name__}: {e}); "
                "moving to it anyway (its pages render on the first request)",
                file=sys.stderr,
            )
        with self._lock:
            self._ready.add(sid)
            if self._preparing == sid:  # (not a newer one's, after a timeout)
                self._preparing = None
            self._pointer_mtime = -1  # the next request moves

    def _retire(self, old: Snapshot) -> None:
        old.retired = True
        if old.refs == 0:
            old.close()
            self.closed.append(old.id)

    def current(self) -> Snapshot:
        with self._lock:
            return self._refresh()

    def acquire(self) -> Snapshot:
        """The snapshot a new request reads (held until :meth:`release`)."""
        with self._lock:
            s = self._refresh()
            s.refs += 1
            return s

    def release(self, s: Snapshot) -> None:
        with self._lock:
            s.refs -= 1
            if s.retired and s.refs == 0 and not s.closed:
                s.close()
                self.closed.append(s.id)

    @contextmanager
    def use(self) -> Iterator[Snapshot]:
        s = self.acquire()
        try:
            yield s
        finally:
            self.release(s)

    def close(self) -> None:
        with self._lock:
            if self._current is not None:
                self._current.close()
                self._current = None


def ensure_published(db: Path) -> str:
    """Make sure ``db`` publishes snapshots and has one: create the folder and, when it holds
    none yet, publish the first (a writable open: it waits while a writer holds the store).
    Returns the current snapshot id."""
    if not db.exists():
        raise StoreError(
            f"store {db} does not exist — run 'norte ingest FILE' or 'norte build' first"
        )
    snap.folder(db).mkdir(exist_ok=True)
    found = snap.current(db)
    if found is None:
        Store(db).close()  # a writable close publishes (norte.store.db.Store.close)
        found = snap.current(db)
    if found is None:  # pragma: no cover - publish raises on failure
        raise StoreError(f"could not publish a snapshot of {db}")
    return found[0]
