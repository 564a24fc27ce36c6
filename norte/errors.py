"""The one exception hierarchy of norte.

Every error a user can hit derives from :class:`NorteError`. Messages say what happened,
where (file, sheet/row/column, JSON row, CSV line) and what to do next.
"""

from __future__ import annotations

from pathlib import Path

#: Exit codes, one per class of failure (documented in ``docs/architecture.md`` and
#: ``norte --help``). argparse's own usage errors exit 2 as well.
EXIT_OK = 0
EXIT_GENERIC = 1
EXIT_INPUT = 2  # bad input: a file, a setting, an argument value, a query
EXIT_STORE = 3  # the store is missing or of a schema this norte cannot open
EXIT_BUSY = 4  # another process holds the store (after waiting --wait seconds)
EXIT_DAMAGED = 5  # the store file is damaged or not a DuckDB file
EXIT_NETWORK = 6  # an HTTP fetch failed for good (after retries)
EXIT_SYSTEM = 7  # the operating system refused: disk full, permission denied, ...
EXIT_PUBLISH = 8  # the site or PDF could not be published (target folder refused, Chromium)
EXIT_INTERNAL = 70  # a bug in norte (EX_SOFTWARE): the message asks for a report
EXIT_INTERRUPTED = 130

EXIT_CODES: dict[int, str] = {
    EXIT_OK: "success",
    EXIT_GENERIC: "error",
    EXIT_INPUT: "bad input (file, setting, argument or query)",
    EXIT_STORE: "store missing or of another schema version",
    EXIT_BUSY: "store busy (another norte process holds it)",
    EXIT_DAMAGED: "store damaged",
    EXIT_NETWORK: "network or remote API failure",
    EXIT_SYSTEM: "operating system error (disk full, permission denied)",
    EXIT_PUBLISH: "publish refused or failed",
    EXIT_INTERNAL: "internal error (a bug in norte)",
    EXIT_INTERRUPTED: "interrupted",
}


class NorteError(Exception):
    """Root of every error norte raises on purpose.

    ``exit_code`` is the class of failure (see :data:`EXIT_CODES`); ``kind`` is its name in
    ``--json`` error envelopes.
    """

    exit_code = EXIT_GENERIC
    kind = "error"


class InputError(NorteError):
    """A file or response did not have the shape its format promises.

    Attributes name the file (``path``), the place inside it (``place``, e.g.
    ``sheet 'country', row 12, column IJAN`` or ``JSON row 5``) and what was expected.
    """

    exit_code = EXIT_INPUT
    kind = "input"

    def __init__(
        self,
        path: str | Path,
        place: str,
        problem: str,
        expected: str = "",
        hint: str = "",
    ) -> None:
        self.path = str(path)
        self.place = place
        self.problem = problem
        self.expected = expected
        self.hint = hint
        parts = [f"{self.path}: {place}: {problem}" if place else f"{self.path}: {problem}"]
        if expected:
            parts.append(f"expected {expected}")
        if hint:
            parts.append(hint)
        super().__init__(" — ".join(parts))


class UnknownCodeError(InputError):
    """A code (country, mode, state, port, ...) that the shipped code tables do not know."""

    def __init__(self, path: str | Path, place: str, scheme: str, code: str, hint: str) -> None:
        self.scheme = scheme
        self.code = code
        super().__init__(
            path,
            place,
            f"unknown {scheme} code {code!r}",
            expected=f"a code listed in norte's {scheme} table",
            hint=hint,
        )


class FormatError(NorteError):
    """The format of a path could not be detected, or the asked format does not exist."""

    exit_code = EXIT_INPUT
    kind = "input"


class UsageError(NorteError):
    """An argument value or a query the user typed is not valid (``--since 2024-13``,
    ``norte query 'SELEC 1'``)."""

    exit_code = EXIT_INPUT
    kind = "usage"


class ManyInputErrors(NorteError):
    """Several files of one command were bad: every one is reported, not only the first."""

    exit_code = EXIT_INPUT
    kind = "input"

    def __init__(self, errors: list[NorteError]) -> None:
        self.errors = errors
        lines = [f"{len(errors)} file(s) could not be loaded:"]
        lines += [f"  - {e}" for e in errors]
        super().__init__("\n".join(lines))


class StoreError(NorteError):
    """The store is missing or from an incompatible norte version."""

    exit_code = EXIT_STORE
    kind = "store"


class StoreBusyError(StoreError):
    """Another process held the store for longer than the lock timeout."""

    exit_code = EXIT_BUSY
    kind = "store_busy"


class StoreDamagedError(StoreError):
    """The store file is not a DuckDB database, is truncated, or its contents are damaged."""

    exit_code = EXIT_DAMAGED
    kind = "store_damaged"


class ConfigError(NorteError):
    """A setting or ``norte.toml`` entry is invalid."""

    exit_code = EXIT_INPUT
    kind = "config"


class NetworkError(NorteError):
    """A remote API could not be reached or kept failing (after retries)."""

    exit_code = EXIT_NETWORK
    kind = "network"


class SystemFailure(NorteError):
    """The operating system refused an operation (disk full, permission denied, ...)."""

    exit_code = EXIT_SYSTEM
    kind = "system"


class PublishError(NorteError):
    """The site or the PDF could not be published (e.g. the target folder is not a norte
    site and ``--force`` was not given)."""

    exit_code = EXIT_PUBLISH
    kind = "publish"
