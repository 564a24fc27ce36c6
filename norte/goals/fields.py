"""Field validators shared by the goals catalog, stakeholder files and assessment specs:
each raises :class:`GoalFileError` naming the file, the field and the fix."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from norte.errors import InputError

LANGS = ("en", "es", "fr")
DIRECTIONS = ("higher_is_better", "lower_is_better")
#: Indicator dimensions a target may pin with ``select`` (columns of ``indicator_values``).
SELECT_DIMS = ("flow", "partner", "product_code", "mode", "geo_code", "detail", "measure")


class GoalFileError(InputError):
    """A goals file that does not follow the schema: names the file, the field and the fix."""


class _Ctx:
    """The file being read and the set of known indicator ids."""

    def __init__(self, path: str, known: set[str] | None) -> None:
        self.path = path
        self.known = known

    def fail(self, where: str, problem: str, fix: str) -> GoalFileError:
        return GoalFileError(self.path, where, problem, hint=fix)


def _require(c: _Ctx, raw: Mapping[str, Any], where: str, name: str, what: str) -> Any:
    if name not in raw:
        raise c.fail(f"{where}.{name}", "missing", f"add {name} = {what}")
    return raw[name]


def _no_unknown(c: _Ctx, raw: Mapping[str, Any], where: str, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    for k in raw:
        if k not in allowed:
            raise c.fail(f"{where}.{k}", "unknown field", f"use one of: {', '.join(allowed)}")


def _text(c: _Ctx, v: Any, where: str, langs_required: bool) -> dict[str, str]:
    """A text: a table ``{en, es, fr}`` (required for the shared catalog) or, for stakeholder
    files, a plain string (taken as the text in every language)."""
    if isinstance(v, str) and not langs_required:
        if not v.strip():
            raise c.fail(where, "empty text", "write the text")
        return dict.fromkeys(LANGS, v)
    if not isinstance(v, dict):
        fix = "write { en = ..., es = ..., fr = ... }" + (
            "" if langs_required else ' or a plain string "..."'
        )
        raise c.fail(where, f"expected text, got {type(v).__name__}", fix)
    missing = [x for x in LANGS if not isinstance(v.get(x), str) or not v[x].strip()]
    if missing and (langs_required or "en" in missing):
        raise c.fail(where, f"missing text for {', '.join(missing)}", "give en, es and fr")
    extra = sorted(set(v) - set(LANGS))
    if extra:
        raise c.fail(f"{where}.{extra[0]}", "unknown language", "use en, es and fr")
    return {x: v.get(x) or v["en"] for x in LANGS}


def _ident(c: _Ctx, v: Any, where: str) -> str:
    if not isinstance(v, str) or not v or not all(ch.isalnum() or ch in "-_." for ch in v):
        raise c.fail(
            where, f"expected an id, got {v!r}", "use letters, digits, '-', '_' or '.' only"
        )
    return v


def parse_date(text: str) -> tuple[int, int | None, int | None]:
    """``"2030"`` -> (2030, None, None); ``"2030-06"`` -> (2030, 6, None); raises ValueError."""
    parts = text.split("-")
    if not 1 <= len(parts) <= 3 or len(parts[0]) != 4 or not all(p.isdigit() for p in parts):
        raise ValueError(text)
    y = int(parts[0])
    m = int(parts[1]) if len(parts) > 1 else None
    d = int(parts[2]) if len(parts) > 2 else None
    if m is not None:
        dt.date(y, m, d or 1)  # raises ValueError for month 13, Feb 30, ...
    return y, m, d


def _date(c: _Ctx, v: Any, where: str) -> str:
    if isinstance(v, int) and not isinstance(v, bool):
        v = str(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if not isinstance(v, str):
        raise c.fail(
            where, f"expected a date, got {v!r}", 'write "YYYY", "YYYY-MM" or "YYYY-MM-DD"'
        )
    try:
        parse_date(v)
    except ValueError:
        raise c.fail(
            where, f"not a date: {v!r}", 'write "YYYY", "YYYY-MM" or "YYYY-MM-DD", e.g. "2030"'
        ) from None
    return v


def _number(c: _Ctx, v: Any, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise c.fail(
            where,
            f"expected a number, got {v!r}",
            "write a bare number in the indicator's unit, e.g. 1.0e12 (no quotes, no % or $)",
        )
    return float(v)


def _indicator_id(c: _Ctx, v: Any, where: str) -> str:
    ident = _ident(c, v, where)
    if c.known is not None and ident not in c.known:
        close = sorted(k for k in c.known if k.split(".")[0] == ident.split(".")[0])[:6]
        hint = (
            f"did you mean {', '.join(close)}?"
            if close
            else "list the ids with: python -c 'from norte.indicators import "
            "load_catalog, indicators; print([i.id for i in indicators(load_catalog())])'"
        )
        raise c.fail(where, f"unknown indicator id {ident!r}", hint)
    return ident


def _select(c: _Ctx, v: Any, where: str) -> dict[str, str]:
    if not isinstance(v, dict) or not all(isinstance(x, str) for x in v.values()):
        raise c.fail(where, "expected a table of dimension = value", 'e.g. { flow = "total" }')
    for k in v:
        if k not in SELECT_DIMS:
            raise c.fail(f"{where}.{k}", "unknown dimension", f"use {', '.join(SELECT_DIMS)}")
    return dict(v)
