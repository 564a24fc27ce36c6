"""What a crosswalk reader hands the store: pairs and code labels, written into
``crosswalk_pairs`` and ``classification_codes`` inside the load's transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from norte.classify.relation import RELATIONS, relations
from norte.errors import InputError
from norte.store.staging import StageContext, StageInfo

SOURCE = "classification"


@dataclass(frozen=True)
class Pair:
    """One link of a crosswalk, as the agency's file gives it."""

    from_scheme: str
    from_code: str
    to_scheme: str
    to_code: str
    note: str | None = None
    #: The relation the agency states for the pair (UN HS correlations), when it gives one.
    agency_relation: str | None = None


@dataclass(frozen=True)
class Code:
    """One code of a classification with its labels."""

    scheme: str
    code: str
    label_en: str | None = None
    label_es: str | None = None
    label_fr: str | None = None
    #: SCIAN's trinational mark (the category is the same in the three NAICS); None = not said.
    trinational: bool | None = None
    note: str | None = None


@dataclass
class Crosswalk:
    """Everything one file holds."""

    pairs: list[Pair] = field(default_factory=list)
    codes: list[Code] = field(default_factory=list)


def write(con: duckdb.DuckDBPyConnection, load_id: int, cw: Crosswalk) -> dict[str, int]:
    """Insert the pairs (with their computed relations) and the codes of one load; the count
    of pairs of each relation."""
    counts = dict.fromkeys(RELATIONS, 0)
    groups: dict[tuple[str, str], list[Pair]] = {}
    for p in cw.pairs:
        groups.setdefault((p.from_scheme, p.to_scheme), []).append(p)
    rows: list[tuple[object, ...]] = []
    for (fs, ts), pairs in groups.items():
        first: dict[tuple[str, str], Pair] = {}
        for p in pairs:
            first.setdefault((p.from_code, p.to_code), p)
        rel = relations(first)
        for (a, b), p in first.items():
            counts[rel[(a, b)]] += 1
            rows.append((load_id, fs, a, ts, b, rel[(a, b)], p.agency_relation, p.note))
    _insert(con, "crosswalk_pairs", rows, 8)
    unique = {(c.scheme, c.code): c for c in cw.codes}
    code_rows: list[tuple[object, ...]] = [
        (load_id, c.scheme, c.code, c.label_en, c.label_es, c.label_fr, c.trinational, c.note)
        for c in unique.values()
    ]
    _insert(con, "classification_codes", code_rows, 8)
    return counts


def _insert(
    con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[object, ...]], n: int
) -> None:
    """One bulk insert: one list parameter per column, zipped back into rows by unnest."""
    if not rows:
        return
    columns = [[r[i] for r in rows] for i in range(n)]
    types = ["BIGINT"] + ["VARCHAR"] * (n - 1)
    if table == "classification_codes":
        types[6] = "BOOLEAN"
    select = ", ".join(f"unnest(?::{t}[])" for t in types)
    con.execute(f"INSERT INTO {table} SELECT {select}", columns)  # noqa: S608


def stage_info(
    con: duckdb.DuckDBPyConnection,
    ctx: StageContext,
    fmt: str,
    cw: Crosswalk,
    vintage: tuple[dt.date, str],
    notes: list[str],
) -> StageInfo:
    """The :class:`StageInfo` of a crosswalk load: no observation rows; the pairs and codes
    are written once the store has given the load its id."""
    if not cw.pairs and not cw.codes:
        raise InputError(ctx.path, "", "no classification codes found", expected=fmt)
    info = StageInfo(
        format=fmt,
        vintage=vintage[0],
        vintage_from=vintage[1],
        notes=list(notes),
        stream=lambda emit: _stream(con, ctx, cw, info),
        datasets=(),
        check_unique=False,
    )
    return info


def _stream(
    con: duckdb.DuckDBPyConnection, ctx: StageContext, cw: Crosswalk, info: StageInfo
) -> None:
    """Write the load's pairs and codes (the store calls it once the load id is known) and
    say how many in the load's notes."""
    assert ctx.load_id is not None
    counts = write(con, ctx.load_id, cw)
    n = sum(counts.values())
    if n:
        split = ", ".join(f"{v:,} {k}" for k, v in counts.items() if v)
        info.notes.append(f"{n:,} crosswalk pairs ({split})")
    info.notes.append(f"{len({(c.scheme, c.code) for c in cw.codes}):,} codes with labels")


def code_text(value: object, path: Path, place: str, digits: tuple[int, ...]) -> str:
    """A code cell as text (workbooks store NAICS codes as numbers: 336110.0 -> '336110'),
    checked to be all digits of one of the lengths ``digits``."""
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    text = text.strip()
    if not text.isdigit() or len(text) not in digits:
        raise InputError(
            path,
            place,
            f"{text!r} is not a code",
            expected=f"a code of {' or '.join(map(str, digits))} digits",
            hint="is this the agency's file, unmodified?",
        )
    return text
