"""The one exception hierarchy of norte.

Every error a user can hit derives from :class:`NorteError`. Messages say what happened,
where (file, sheet/row/column, JSON row, CSV line) and what to do next.
"""

from __future__ import annotations

from pathlib import Path


class NorteError(Exception):
    """Root of every error norte raises on purpose."""

    exit_code = 1


class InputError(NorteError):
    """A file or response did not have the shape its format promises.

    Attributes name the file (``path``), the place inside it (``place``, e.g.
    ``sheet 'country', row 12, column IJAN`` or ``JSON row 5``) and what was expected.
    """

    exit_code = 2

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

    exit_code = 2


class StoreError(NorteError):
    """The store is missing, locked, or from an incompatible norte version."""

    exit_code = 3


class ConfigError(NorteError):
    """A setting or ``norte.toml`` entry is invalid."""

    exit_code = 2
