"""Reading the agencies' classification workbooks (calamine): sheets, rows, cheap sniffing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from norte.errors import InputError

SNIFF_ROWS = 12


def sheets(path: Path) -> list[str]:
    """The sheet names of a workbook; empty if it is not one calamine reads."""
    if not path.name.lower().endswith((".xls", ".xlsx")):
        return []
    import python_calamine as calamine

    try:
        return list(calamine.CalamineWorkbook.from_path(str(path)).sheet_names)
    except Exception:  # not a workbook: not this format
        return []


def head_text(path: Path, sheet: int | str = 0, nrows: int = SNIFF_ROWS) -> str:
    """The first rows of a sheet as text (cells joined by tabs), for detection."""
    if not path.name.lower().endswith((".xls", ".xlsx")):
        return ""
    import python_calamine as calamine

    try:
        wb = calamine.CalamineWorkbook.from_path(str(path))
        ws = wb.get_sheet_by_index(sheet) if isinstance(sheet, int) else wb.get_sheet_by_name(sheet)
        rows = ws.to_python(nrows=nrows)
    except Exception:  # not a workbook, or no such sheet: not this format
        return ""
    return "\n".join("\t".join(" ".join(str(c).split()) for c in r).rstrip("\t") for r in rows)


def rows(path: Path, sheet: int | str = 0) -> list[list[Any]]:
    """Every row of a sheet; a clear error when the workbook cannot be read."""
    import python_calamine as calamine

    try:
        wb = calamine.CalamineWorkbook.from_path(str(path))
        ws = wb.get_sheet_by_index(sheet) if isinstance(sheet, int) else wb.get_sheet_by_name(sheet)
        return [list(r) for r in ws.to_python()]
    except Exception as e:  # calamine's errors are plain exceptions
        raise InputError(
            path,
            f"sheet {sheet!r}" if isinstance(sheet, str) else "",
            f"the workbook cannot be read ({e})",
            hint="download the file again",
        ) from None


def cell(value: Any) -> str:
    """A cell as trimmed text (integral numbers without '.0')."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())
