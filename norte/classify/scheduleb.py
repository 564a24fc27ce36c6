"""Census Schedule B export concordances: HS10 -> NAICS, End-Use, SITC and ATP group.

Two layouts of one concordance:

- ``exp-code.txt`` (fixed width, CRLF, 278 characters a line): columns 1-10 the Schedule B
  code, 15-69 the short description, 70-219 the long one, 220-239 two units of quantity,
  241-245 SITC, 251-255 End-Use, 261 the USDA flag, 266-271 NAICS, 277-278 the ATP (``hitech``)
  group (``00`` = not an advanced technology product);
- ``expconcord*.xls`` (sheet with ``commodity, descriptn, abbreviatn, unit_qy1, unit_qy2, sitc,
  end_use, naics, usda, hitech``).

The edition (Schedule B year) comes from the file name (``exp-code-2019.txt``,
``expconcord17.xls``) or ``--vintage``; the NAICS edition the file uses is read from its codes
(2012: 211111; 2017: 211120; 2022: 336110). Besides the HS10 links, each file gives the HS6 ->
NAICS links its codes imply (HS6 = the first six digits of a Schedule B code; the HS edition of
that Schedule B year), so HS6 trade can be mapped to industries. NAICS codes with Census's
``X`` (a group not identified further, ``11211X``) are kept as they are.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from norte.classify.tables import Code, Crosswalk, Pair, stage_info
from norte.errors import InputError
from norte.sources.common import peek
from norte.store.staging import StageContext, StageInfo

SOURCE = "classification"
FORMAT = "census-concordance"
DESCRIPTION = (
    "Census Schedule B export concordance (exp-code.txt fixed width, expconcord .xls): "
    "HS10 -> NAICS, End-Use, SITC, ATP group (crosswalk tables, not observations)"
)
LINE = 278
_TEXT = re.compile(rb"^\d{10} {2,}\S[^\n]{100,}\r?\n\d{10} {2,}\S")
_HEADER = ["commodity", "descriptn", "abbreviatn", "unit_qy1", "unit_qy2", "sitc", "end_use"]
_YEAR = re.compile(r"(?<!\d)(20\d\d|\d\d)(?!\d)")
_NAICS = re.compile(r"^\d{2,6}X*$")


@dataclass(frozen=True)
class Row:
    place: str
    code: str
    long: str
    short: str
    sitc: str
    enduse: str
    naics: str
    atp: str


def detect(path: Path) -> bool:
    name = path.name.lower()
    if name.endswith(".txt"):
        return bool(_TEXT.match(peek(path, 1024)))
    if name.endswith((".xls", ".xlsx")):
        return _xls_header(path) is not None
    return False


def _xls_header(path: Path) -> list[str] | None:
    import python_calamine as calamine

    try:
        rows = (
            calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(nrows=1)
        )
    except Exception:  # not a workbook calamine reads: not this format
        return None
    head = [str(c).strip().lower() for c in rows[0]] if rows else []
    return head if head[: len(_HEADER)] == _HEADER else None


def _text_rows(path: Path) -> list[Row]:
    raw = path.read_bytes()
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise InputError(
            path, f"line {line}", "a byte that is not ASCII", expected="ASCII text"
        ) from None
    rows: list[Row] = []
    for n, row in enumerate(text.splitlines(), 1):
        if not row.strip():
            continue
        place = f"line {n}"
        if len(row) != LINE:
            raise InputError(
                path,
                place,
                f"the line has {len(row)} characters",
                expected=f"{LINE} (the fixed-width exp-code.txt layout)",
                hint="was the file edited or cut? download exp-code.txt again",
            )
        rows.append(
            Row(
                place,
                row[0:10],
                row[69:219].strip(),
                row[14:69].strip(),
                row[240:245].strip(),
                row[250:255].strip(),
                row[265:271].strip(),
                row[276:278].strip(),
            )
        )
    return rows


def _xls_rows(path: Path) -> list[Row]:
    import python_calamine as calamine

    sheet = calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    rows: list[Row] = []
    for n, r in enumerate(sheet.to_python()[1:], 2):
        cells = [str(c).strip() for c in r] + [""] * 10
        if not any(cells):
            continue
        rows.append(
            Row(f"row {n}", cells[0], cells[1], cells[2], cells[5], cells[6], cells[7], cells[9])
        )
    return rows


def _check(path: Path, r: Row) -> None:
    fields = (
        ("Schedule B code", r.code, r"\d{10}", "10 digits"),
        ("SITC", r.sitc, r"\d[0-9X]{4}", "5 digits (Census's X for a group)"),
        ("End-Use", r.enduse, r"\d[0-9X]{4}", "5 digits (Census's X for a group)"),
        ("NAICS", r.naics, _NAICS.pattern, "a NAICS code (digits, Census's X for a group)"),
        ("ATP group", r.atp, r"\d{2}", "2 digits (00-10)"),
    )
    for name, value, pattern, expected in fields:
        if not re.fullmatch(pattern, value):
            raise InputError(
                path, f"{r.place}, {name}", f"{value!r} is not valid", expected=expected
            )


def _edition(path: Path, ctx: StageContext) -> int:
    if ctx.vintage is not None:
        return ctx.vintage.year
    m = _YEAR.search(path.stem)
    if m is None:
        raise InputError(
            path,
            "",
            "the Schedule B year is not in the file name",
            hint="name it like exp-code-2019.txt, or pass --vintage YYYY-01-01 (the edition)",
        )
    year = int(m.group(1))
    return year + 2000 if year < 100 else year


def naics_edition(codes: set[str]) -> str:
    """The NAICS edition a set of codes belongs to, from codes that exist in one only."""
    if "336110" in codes:
        return "naics2022"
    if "211120" in codes or "211130" in codes:
        return "naics2017"
    if "211111" in codes or "211112" in codes:
        return "naics2012"
    return "naics2017"


def hs_edition(year: int) -> str:
    """The HS edition a Schedule B year is built on (HS 2017 for 2017-2021, ...)."""
    return "hs2022" if year >= 2022 else "hs2017" if year >= 2017 else "hs2012"


def crosswalk(rows: list[Row], year: int) -> tuple[Crosswalk, str]:
    """The pairs and codes of one concordance edition, and its NAICS scheme."""
    sb = f"scheduleb{year}"
    naics = naics_edition({r.naics for r in rows})
    hs = hs_edition(year)
    cw = Crosswalk()
    derived = f"derived: HS6 = first 6 digits of the {sb} codes"
    for r in rows:
        cw.codes.append(Code(sb, r.code, label_en=r.long or r.short, note=r.short or None))
        cw.pairs += [
            Pair(sb, r.code, naics, r.naics),
            Pair(sb, r.code, "enduse", r.enduse),
            Pair(sb, r.code, "sitc", r.sitc),
            Pair(sb, r.code, "atp", r.atp),
            Pair(hs, r.code[:6], naics, r.naics, note=derived),
            Pair(hs, r.code[:6], "atp", r.atp, note=derived),
        ]
    return cw, naics


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    rows = _text_rows(path) if path.name.lower().endswith(".txt") else _xls_rows(path)
    if not rows:
        raise InputError(path, "", "no Schedule B codes", expected="one code a line or row")
    for r in rows:
        _check(path, r)
    seen: dict[str, str] = {}
    for r in rows:
        if r.code in seen:
            raise InputError(
                path,
                r.place,
                f"Schedule B code {r.code} repeats {seen[r.code]}",
                expected="each code once",
            )
        seen[r.code] = r.place
    year = _edition(path, ctx)
    cw, naics = crosswalk(rows, year)
    notes = [f"Schedule B {year}: {len(rows):,} codes; NAICS edition {naics} (read from its codes)"]
    vintage = (dt.date(year, 1, 1), f"the Schedule B edition ({year})")
    return stage_info(con, ctx, FORMAT, cw, vintage, notes)
