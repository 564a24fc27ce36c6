"""The one error envelope of the ``norte`` command: every failure ends as one message.

:func:`translate` is the one place where DuckDB, operating-system and network errors become
:class:`~norte.errors.NorteError` classes (each with its exit code); :func:`guard` runs a
command, translates what escapes and prints it: one line ``norte: error: ...`` on stderr (or,
for commands that print JSON, a ``{"error": {"kind", "message", "exit_code"}}`` envelope on
stdout), no traceback unless ``--debug`` / ``NORTE_DEBUG=1``. Anything that is not a known
failure is reported as an internal error (exit 70) that asks for a bug report.
"""

from __future__ import annotations

import errno
import json
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO, cast

import duckdb

from norte.errors import (
    EXIT_CODES,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    NetworkError,
    NorteError,
    StoreBusyError,
    StoreDamagedError,
    StoreError,
    SystemFailure,
    UsageError,
)
from norte.fetch.scrub import scrub

#: What a shell reports for a process killed by SIGPIPE (``norte findings | head``): 128 + 13.
EXIT_BROKEN_PIPE = 141

STDOUT = "standard output"

TABLES_HINT = (
    "the store holds observations, observations_latest, observations_as_of(DATE), loads, "
    "codes and vintages (see docs/architecture.md)"
)


class InternalError(NorteError):
    """Anything norte did not expect: a bug. The message asks for a report."""

    exit_code = EXIT_INTERNAL
    kind = "internal"


@dataclass
class Options:
    """How :func:`guard` reports: ``debug`` adds the traceback, ``json`` writes the envelope."""

    debug: bool = False
    json: bool = False


def debug_from_env() -> bool:
    return os.environ.get("NORTE_DEBUG", "").strip().lower() in ("1", "true", "yes", "on")


# -- user SQL ---------------------------------------------------------------------------------
_SQL_MARK = "_norte_user_sql"
_WHY_MARK = "_norte_refusal"


@contextmanager
def user_sql(refusal: str = "") -> Iterator[None]:
    """Marks DuckDB errors raised inside as caused by SQL the user typed (``norte query``), so
    :func:`translate` reports them as bad input. ``refusal`` says what the SQL tried that the
    read-only sandbox refuses (e.g. ``COPY … TO writes files``)."""
    try:
        yield
    except duckdb.Error as e:
        setattr(e, _SQL_MARK, True)
        setattr(e, _WHY_MARK, refusal)
        raise


def _first_line(e: BaseException) -> str:
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    return lines[0] if lines else type(e).__name__


def _quoted_path(text: str) -> str | None:
    m = re.search(r'(?:file|directory) "([^"]+)"', text)
    return m.group(1) if m else None


def _user_sql_error(e: duckdb.Error) -> NorteError:
    first = _first_line(e)
    text = str(e)
    refusal = getattr(e, _WHY_MARK, "")
    if isinstance(e, duckdb.PermissionException):
        # DuckDB's line names the file only for file readers; the statement says the rest
        why = refusal or f"the query reads or writes files outside the store ({first})"
        return UsageError(
            f"norte query runs read-only SQL; {why} — pass --allow-write if you mean it"
        )
    if "configuration has been locked" in text:
        return UsageError(
            f"norte query runs read-only SQL; its DuckDB settings are locked ({first}) — pass "
            "--allow-write if you mean it"
        )
    m = re.search(r'Cannot execute statement of type "(\w+)".*read-only mode', text)
    if m:
        return UsageError(
            f"norte query runs read-only SQL: {m.group(1)} would change the store — the store "
            "changes only through norte ingest, fetch, indicators compute, findings and goals add"
        )
    if isinstance(e, duckdb.ParserException):
        return UsageError(f"query: {first} — check the SQL (DuckDB's dialect)")
    if isinstance(e, duckdb.CatalogException | duckdb.BinderException):
        m = re.search(r"(Did you mean [^\n]+|Candidate bindings: [^\n]+)", text)
        extra = f" ({m.group(1).strip()})" if m else ""
        return UsageError(f"query: {first}{extra} — {TABLES_HINT}")
    if isinstance(e, duckdb.IOException) and _os_text(text):
        return _duckdb_os_error(e)
    return UsageError(f"query: {first} — check the SQL")


# -- operating system -------------------------------------------------------------------------
_OS_TEXTS = {
    "No space left on device": errno.ENOSPC,
    "Disk quota exceeded": errno.EDQUOT,
    "File too large": errno.EFBIG,
    "Permission denied": errno.EACCES,
    "Operation not permitted": errno.EPERM,
    "Read-only file system": errno.EROFS,
}


def _os_text(text: str) -> int | None:
    for t, code in _OS_TEXTS.items():
        if t in text:
            return code
    return None


def _os_message(code: int | None, path: str, detail: str) -> NorteError:
    where = path or "a file (the operating system did not say which)"
    if code in (errno.ENOSPC, errno.EDQUOT):
        return SystemFailure(
            f"disk full writing {where} ({detail}) — free some space on that disk (or point "
            "--db / --out / --dir elsewhere) and run the command again"
        )
    if code == errno.EFBIG:
        return SystemFailure(
            f"file size limit reached writing {where} ({detail}) — raise the limit "
            "(ulimit -f) or free space, and run the command again"
        )
    if code in (errno.EACCES, errno.EPERM):
        return SystemFailure(
            f"permission denied: {where} ({detail}) — check who owns it and its mode, or "
            "choose another path"
        )
    if code == errno.EROFS:
        return SystemFailure(
            f"read-only file system: {where} ({detail}) — choose a path on a writable disk"
        )
    if code in (errno.ENOENT, errno.ENOTDIR, errno.EISDIR):
        return UsageError(f"{where}: {detail} — check the path")
    return SystemFailure(f"{where}: {detail} — the operating system refused; see the message")


def _oserror(e: OSError) -> NorteError:
    path = str(e.filename) if e.filename is not None else ""
    if e.filename2 is not None:
        path += f" -> {e.filename2}"
    return _os_message(e.errno, path, e.strerror or str(e))


def _duckdb_os_error(e: duckdb.Error) -> NorteError:
    text = str(e)
    return _os_message(_os_text(text), _quoted_path(text) or "", _first_line(e))


# -- the one translation ----------------------------------------------------------------------
def translate(e: BaseException) -> NorteError:
    """The :class:`NorteError` (and so the exit code) of any exception a command raised."""
    if isinstance(e, NorteError):
        return e
    if isinstance(e, duckdb.Error):
        if getattr(e, _SQL_MARK, False):
            return _user_sql_error(e)
        text = str(e)
        path = _quoted_path(text) or "the store"
        if _os_text(text):
            return _duckdb_os_error(e)
        if "Could not set lock" in text or "Conflicting lock" in text:
            pid = re.search(r"\(PID (\d+)\)", text)
            who = f" (process {pid.group(1)})" if pid else ""
            return StoreBusyError(
                f"store {path} is in use by another process{who} — wait for it to finish and "
                "run the command again"
            )
        if isinstance(e, duckdb.OutOfMemoryException):
            return SystemFailure(
                f"out of memory: {_first_line(e)} — close other programs or set "
                "DuckDB's memory_limit lower, and run the command again"
            )
        if (
            "not a valid DuckDB database" in text
            or "Could not read enough bytes" in text
            or "Corrupt" in text
            or "corrupt" in text
            or isinstance(e, duckdb.SerializationException)
        ):
            return StoreDamagedError(
                f"store {path} is damaged or not a DuckDB file ({_first_line(e)}) — move it "
                "aside and rebuild it (norte build), or restore a backup"
            )
        if isinstance(e, duckdb.IOException):
            return StoreError(f"store {path}: {_first_line(e)}")
        return _internal(e)
    if isinstance(e, OSError):
        return _oserror(e)
    httpx = sys.modules.get("httpx")  # not imported: the error cannot be one of its own
    if httpx is not None and isinstance(e, httpx.HTTPError):
        url = ""
        try:
            url = f" {e.request.url}"
        except RuntimeError:  # an error without a request
            pass
        return NetworkError(
            f"network error{url}: {type(e).__name__}: {_first_line(e)} — check the connection "
            "and run the command again"
        )
    return _internal(e)


def _internal(e: BaseException) -> InternalError:
    return InternalError(
        f"internal error: {type(e).__name__}: {_first_line(e)} (a bug in norte; run with "
        "--debug for the traceback and please report it)"
    )


# -- reporting --------------------------------------------------------------------------------
def _quiet_stdout() -> None:
    """Point fd 1 at /dev/null so the interpreter's flush at exit cannot fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):  # not a real file (tests capture stdout)
        pass


class _NamedStdout:
    """``sys.stdout`` whose write errors name it (the OS gives no file name for a full disk
    behind ``norte ... > out.json``), everything else delegated."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        try:
            return self._inner.write(text)
        except OSError as e:
            raise _named(e) from None

    def flush(self) -> None:
        try:
            self._inner.flush()
        except OSError as e:
            raise _named(e) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _named(e: OSError) -> OSError:
    if e.filename is None and not isinstance(e, BrokenPipeError):
        e.filename = STDOUT
    return e


def envelope(err: NorteError) -> dict[str, dict[str, object]]:
    return {"error": {"kind": err.kind, "message": scrub(str(err)), "exit_code": err.exit_code}}


def report(exc: BaseException, opts: Options) -> int:
    """Print ``exc`` as the one message of the command; its exit code."""
    err = translate(exc)
    if opts.debug:
        tb = "".join(traceback.format_exception(exc))
        print(scrub(tb), end="", file=sys.stderr)
    message = scrub(str(err))
    prefix = "norte: " if isinstance(err, InternalError) else "norte: error: "
    if opts.json:
        try:
            print(json.dumps(envelope(err), ensure_ascii=False, indent=2))
            sys.stdout.flush()
            return err.exit_code
        except OSError:
            _quiet_stdout()
    print(f"{prefix}{message}", file=sys.stderr)
    return err.exit_code


def guard(run: Callable[[], int], opts: Options) -> int:
    """Run one command; every failure becomes one message and its exit code."""
    real = sys.stdout
    sys.stdout = cast(TextIO, _NamedStdout(real))
    try:
        code = run()
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # the reader went away (``norte findings | head``): stop quietly, as Unix tools do
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print("norte: interrupted; the store is unchanged by the load in progress", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as e:
        if e.filename == STDOUT:  # no envelope on a stdout that cannot be written
            _quiet_stdout()
            return report(e, Options(debug=opts.debug, json=False))
        return report(e, opts)
    except Exception as e:  # noqa: BLE001 - the one place every failure ends
        return report(e, opts)
    finally:
        sys.stdout = real


def exit_codes_epilog() -> str:
    """The exit codes, for ``norte --help`` (and docs/architecture.md)."""
    lines = [f"  {code:>3}  {text}" for code, text in EXIT_CODES.items()]
    lines.append(f"  {EXIT_BROKEN_PIPE:>3}  output pipe closed by the reader (norte ... | head)")
    return "exit codes:\n" + "\n".join(lines)
