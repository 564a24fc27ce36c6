"""Opening the store file: wait while another process holds it, and say plainly why an open
failed (busy, damaged, permission denied) instead of DuckDB's own text.

DuckDB locks the file per process: a writer excludes every other process, a reader
(``read_only``) excludes writers. :func:`connect` retries a refused open with backoff for up
to the lock timeout (``--wait SECONDS``, ``NORTE_LOCK_TIMEOUT``, ``[store] lock_timeout``;
default 30 s, 0 = fail at once), says once on stderr that it waits and for whom, and then
raises :class:`~norte.errors.StoreBusyError`. A file that is not a DuckDB database, is
truncated or fails a checksum raises :class:`~norte.errors.StoreDamagedError`; norte never
writes to such a file (DuckDB refuses it before any write).
"""

from __future__ import annotations

import math
import os
import re
import sys
import time
from pathlib import Path
from typing import TextIO

import duckdb

from norte.errors import (
    ConfigError,
    NorteError,
    StoreBusyError,
    StoreDamagedError,
    StoreError,
    SystemFailure,
)

#: Seconds a store open waits for another process by default.
DEFAULT_LOCK_TIMEOUT = 30.0
_lock_timeout = DEFAULT_LOCK_TIMEOUT

_WAIT_HOW = "--wait SECONDS or NORTE_LOCK_TIMEOUT"
_PID = re.compile(r"\(PID (\d+)\)")
_DAMAGED = (
    ("not a valid DuckDB database file", "is not a DuckDB database (or its header is damaged)"),
    ("Could not read enough bytes", "is truncated (shorter than its own contents say)"),
    ("Corrupt database file", "is damaged (a block fails its checksum)"),
    ("checksum", "is damaged (a block fails its checksum)"),
    ("Failure while replaying WAL", "has a damaged write-ahead log (.wal file)"),
)


def set_lock_timeout(value: object) -> float:
    """Set the default lock timeout of every later :class:`~norte.store.Store` open (the CLI
    calls it once with the resolved ``lock_timeout`` setting); the value in seconds."""
    global _lock_timeout
    _lock_timeout = parse_timeout(value)
    return _lock_timeout


_threads = 0


def set_threads(value: object) -> int:
    """Set the DuckDB threads of every later :class:`~norte.store.Store` open (the CLI calls it
    once with the resolved ``threads`` setting); 0 leaves DuckDB's default (one per core).
    Fewer threads leave cores to a server reading snapshots while an ingest writes."""
    global _threads
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit():
        raise ConfigError(
            f"threads {value!r} is not a whole number >= 0 — set NORTE_THREADS (or [store] "
            "threads in norte.toml) to e.g. 1, or 0 for one per CPU core"
        )
    _threads = int(text)
    return _threads


def threads() -> int:
    """The DuckDB threads of a store open (0: DuckDB's default)."""
    return _threads


def lock_timeout() -> float:
    """The current default lock timeout, in seconds."""
    return _lock_timeout


def parse_timeout(value: object) -> float:
    """Seconds from a flag, environment or ``norte.toml`` value; ConfigError if not a number
    of seconds >= 0."""
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        seconds = math.nan
    if isinstance(value, bool) or not math.isfinite(seconds) or seconds < 0:
        raise ConfigError(
            f"lock timeout {value!r} is not a number of seconds >= 0 — set {_WAIT_HOW} "
            "(or [store] lock_timeout in norte.toml) to e.g. 30, or 0 to fail at once"
        )
    return seconds


def connect(
    path: Path,
    read_only: bool,
    timeout: float | None = None,
    err: TextIO | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB file, waiting up to ``timeout`` seconds (default: :func:`lock_timeout`)
    while another process holds it."""
    wait = lock_timeout() if timeout is None else parse_timeout(timeout)
    deadline = time.monotonic() + wait
    delay = 0.05
    announced = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as e:
            text = str(e)
            if "Conflicting lock" not in text and "Could not set lock" not in text:
                raise translate(path, e, read_only) from None
            holder = describe_holder(text)
            left = deadline - time.monotonic()
            if left <= 0:
                raise StoreBusyError(_busy_message(path, holder, wait)) from None
            if not announced:
                announced = True
                print(
                    f"norte: store {path} is in use by {holder}; waiting for it "
                    f"(up to {_seconds(wait)}; {_WAIT_HOW} to change)",
                    file=err or sys.stderr,
                    flush=True,
                )
            time.sleep(min(delay, left))
            delay = min(delay * 2, 1.0)


def exists(path: Path, read_only: bool) -> bool:
    """Whether the store file exists; a clear error when the user may not even look."""
    try:
        return path.exists()
    except PermissionError:
        raise _permission_denied(path, read_only) from None


def _permission_denied(path: Path, read_only: bool) -> SystemFailure:
    need = "read" if read_only else "read and write"
    return SystemFailure(
        f"cannot open store {path}: permission denied — this user needs {need} access "
        "to the file and its folder (check the owner and mode), or use another --db"
    )


def translate(path: Path, e: duckdb.Error, read_only: bool) -> NorteError:
    """The norte error for a DuckDB error met while opening or checking the store."""
    text = str(e)
    for needle, what in _DAMAGED:
        if needle in text:
            return StoreDamagedError(
                f"store {path} {what} — norte did not change it. Restore it from a backup, "
                f"or move it away (e.g. mv {path} {path}.damaged) and make the store again "
                "with 'norte build' (or 'norte ingest FILE...')"
            )
    if "Permission denied" in text:
        return _permission_denied(path, read_only)
    if "No such file or directory" in text:
        return StoreError(
            f"cannot open store {path}: its folder {path.parent} does not exist — create it "
            "or use another --db"
        )
    detail = re.sub(r"^[A-Za-z ]*Error: ", "", text)
    return StoreError(f"cannot open store {path}: {detail}")


def describe_holder(message: str) -> str:
    """``process 1234 (norte ingest …)`` from DuckDB's lock message and /proc, as far as known."""
    m = _PID.search(message)
    if m is None:
        return "another process"
    pid = int(m.group(1))
    if pid == os.getpid():
        return f"this process ({pid}, another connection)"
    command = _command_of(pid)
    return f"process {pid} ({command})" if command else f"process {pid}"


def _command_of(pid: int) -> str:
    """The command line of a process, shortened (``norte ingest a.zip b.zip``); '' if unknown."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    argv = [a.decode(errors="replace") for a in raw.split(b"\0") if a]
    if not argv:
        return ""
    if (
        "-m" in argv
        and argv.index("-m") + 1 < len(argv)
        and argv[argv.index("-m") + 1]
        in (
            "norte",
            "norte.cli",
        )
    ):
        words = ["norte", *argv[argv.index("-m") + 2 :]]
    else:
        words = [Path(argv[0]).name, *argv[1:]]
        if Path(argv[0]).name.startswith("python") and len(argv) > 1:
            words = [Path(argv[1]).name, *argv[2:]]
    # the store is named already: leave out --db PATH (and --wait N) to keep the command short
    for opt in ("--db", "--wait"):
        while opt in words[:-1]:
            at = words.index(opt)
            del words[at : at + 2]
    # file arguments by their names: "norte ingest Jan2023.zip Feb2023.zip"
    text = " ".join(Path(w).name if "/" in w and not w.startswith("-") else w for w in words)
    return text if len(text) <= 80 else text[:79] + "…"


def _seconds(wait: float) -> str:
    return f"{wait:,.0f} s" if wait >= 10 or wait == int(wait) else f"{wait:,.1f} s"


def _busy_message(path: Path, holder: str, wait: float) -> str:
    if wait <= 0:
        return (
            f"store {path} is busy: in use by {holder} — try again when it has finished, or "
            f"let norte wait for it with {_WAIT_HOW} (e.g. --wait 60)"
        )
    return (
        f"store {path} is busy: still in use by {holder} after waiting {_seconds(wait)} — try "
        f"again when it has finished, or wait longer with {_WAIT_HOW} (e.g. --wait 600)"
    )
