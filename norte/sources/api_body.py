"""What the readers of saved API bodies share (``norte fetch`` writes them: Comtrade, INEGI,
StatCan WDS, World Bank): the JSON read with a clear error, the ``norte_format`` tag that
:func:`tagged` detects, and a field lookup whose error names the field, the place and the fix."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from norte.errors import InputError
from norte.sources.common import peek, read_bytes_maybe_gzip

Need = Callable[[Any, str, Path, str], Any]


def tagged(path: Path, fmt: str) -> bool:
    """A ``.json``/``.json.gz`` body saved by ``norte fetch`` with ``"norte_format": fmt``."""
    if not path.name.lower().endswith((".json", ".json.gz")):
        return False
    return f'"norte_format": "{fmt}"'.encode() in peek(path, 96)


def read_json(path: Path) -> Any:
    """The body of ``path`` (plain or gzip) as JSON; an InputError if it is not JSON."""
    try:
        return json.loads(read_bytes_maybe_gzip(path))
    except (ValueError, OSError, EOFError) as e:
        raise InputError(path, "", f"not JSON ({e})", hint="fetch it again") from None


def needer(expected: str, hint: str) -> Need:
    """``need(obj, key, path, place)``: ``obj[key]``, or an InputError naming the missing field
    (an agency that renamed a field gets this message, not a KeyError)."""

    def need(obj: Any, key: str, path: Path, place: str) -> Any:
        if not isinstance(obj, dict) or key not in obj:
            raise InputError(path, place, f"field {key!r} is missing", expected=expected, hint=hint)
        return obj[key]

    return need
