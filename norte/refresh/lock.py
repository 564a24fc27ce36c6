"""One ``norte refresh`` at a time: an advisory lock file beside the store.

``<store>.refresh.lock`` is held with ``flock`` for the whole run (the kernel drops it when the
process dies, so a killed run never leaves a stale lock). The store's own lock (DuckDB's, see
:mod:`norte.store.connect`) still guards each open; this one keeps two timer-started refreshes
from fetching the same release twice.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from norte.errors import StoreBusyError, SystemFailure


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".refresh.lock")


@contextmanager
def refresh_lock(db: Path) -> Iterator[Path]:
    """Hold the refresh lock of store ``db``; :class:`StoreBusyError` when another run has it."""
    path = lock_path(db)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise SystemFailure(f"{path}: cannot create the refresh lock ({e.strerror})") from e
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            raise StoreBusyError(
                f"{db}: another 'norte refresh' is running (process {holder}; lock {path}) — "
                "it will pick up what is due; run again when it ends"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing releases the flock
