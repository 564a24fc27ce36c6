"""Formats of known agencies that norte does not read (yet), recognised by their content.

``norte ingest`` asks this table only about files that no source in
:data:`norte.sources.REGISTRY` detects, so a reader added for one of these formats wins at once
and its row here simply becomes dead (remove it with the reader's commit). Each row is data:
a signature (regular expressions on the file's first bytes, on the names of a zip's members,
or on a workbook's sheet names and first rows), the agency, what the file is and a hint.
A file matching a row gets "norte does not read <what> (<agency>) yet" instead of "format not
recognised"; inside a folder it is skipped and named in the skipped-files report.
"""

from __future__ import annotations

import functools
import gzip
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from norte.errors import FormatError
from norte.sources.integrity import OLE_MAGIC

HEAD_BYTES = 8192  # of text files (gzip inflated): what ``head`` patterns see
WORKBOOK_ROWS = 12  # of the first sheet: what ``cells`` patterns see (cells \t, rows \n)


@dataclass(frozen=True)
class Known:
    """One known format. Every pattern given must match (at least one is given).

    ``head``: the first :data:`HEAD_BYTES` of a text file (not zip, not workbook), decoded;
    ``members``: any member name of a zip that is not a workbook; ``sheets``: any sheet name
    of a workbook; ``cells``: the first :data:`WORKBOOK_ROWS` rows of its first sheet.
    ``title``: optional pattern whose group 1, searched in the same text, is put in ``what``
    where it says ``{title}``."""

    agency: str
    what: str
    hint: str = ""
    head: str = ""
    members: str = ""
    sheets: str = ""
    cells: str = ""
    title: str = ""


#: The table: first match wins, so specific rows come before general ones.
TABLE: tuple[Known, ...] = (
    Known(
        "INEGI",
        "a Balanza Comercial de Mercancías de México (BCMM) open-data CSV",
        head=r"^\W*PROD_EST\b[^\n]*\bVAL_USD\b[^\n]*\n\W*(BCMM|Balanza Comercial de Mercanc)",
    ),
    Known(
        "INEGI",
        "a Balanza Comercial de Mercancías de México (BCMM) open-data zip",
        members=r"(^|/)bcmm_[^/]*\.csv$",
    ),
    Known(
        "INEGI",
        "an unzipped RAIAVL light-vehicle CSV",
        "norte reads the zip as INEGI distributes it "
        "(conjunto_de_datos_raiavl_mensual_exportacion_csv.zip, format inegi-raiavl): pass the zip",
        head=r"^\W*PROD_EST\W+COBERTURA\W[^\n]*\bUNI_VEH\b",
    ),
    Known(
        "INEGI",
        "an open-data set (conjunto de datos) zip",
        members=r"(^|/)conjunto_de_datos/[^/]+\.csv$",
    ),
    Known(
        "INEGI",
        "a quarterly GDP open-data CSV (PIB trimestral, one column per quarter)",
        head=r"^\W*Descriptores,\d{4}\|T1,",
    ),
    Known(
        "INEGI",
        "a BIE tabulado workbook ({title})",
        cells=r"(?m)^Denominación\t",
        title=r"^\s*([^\t\n]+)",
    ),
    Known(
        "Secretaría de Economía, Mexico",
        "an SIC trade statistics page ({title})",
        head=r"Subsecretar(&iacute;|í|i)a de Comercio Exterior",
        title=r'class="Tit-cua-2C">\s*([^<]*?)\s*<',
    ),
    Known(
        "Statistics Canada",
        "a full-table CSV (REF_DATE, GEO, DGUID, …, VECTOR, COORDINATE, VALUE)",
        head=r"^[^\n]*\bREF_DATE\W+GEO\W+DGUID\b[^\n]*\bVECTOR\W+COORDINATE\W+VALUE\b",
    ),
    Known(
        "FRED, Federal Reserve Bank of St. Louis",
        "a FRED series CSV (series {title})",
        head=r"^\W*observation_date,[A-Za-z0-9_]+\s*\n\d{4}-\d{2}-\d{2},",
        title=r"^\W*observation_date,([A-Za-z0-9_]+)",
    ),
    Known(
        "FRED, Federal Reserve Bank of St. Louis",
        "a series saved as a date,value CSV (FRED API observations)",
        head=r"^\W*date,value\s*\n\d{4}-\d{2}-\d{2},",
    ),
    Known(
        "U.S. Census Bureau",
        "an FT-900 release exhibit workbook ({title})",
        cells=r"(?m)^Exhibit \d+[A-Z]?\. ",
        title=r"(?m)^(Exhibit \d+[A-Z]?\.[^\t\n]*)",
    ),
    Known(
        "U.S. Census Bureau",
        "the Schedule C country code list",
        "norte ships the Schedule C codes it uses (norte/data/codes/partner.csv)",
        head=r"Schedule C - Country List",
    ),
    Known(
        "U.S. Bureau of Transportation Statistics",
        "the TransBorder code lists (codes_all.xls)",
        "nothing to load: norte ships these code lists (norte/data/codes/transborder_*.csv)",
        sheets=r"^Mode of Transportation$",
        cells=r"Code",
    ),
)


@dataclass(frozen=True)
class Match:
    """A file recognised by a row of :data:`TABLE`."""

    path: Path
    known: Known
    what: str

    @property
    def label(self) -> str:
        """``<what> from <agency>``, e.g. ``a BIE tabulado workbook (PRODUCTO INTERNO BRUTO
        TRIMESTRAL) from INEGI``."""
        return f"{self.what} from {self.known.agency}"

    @property
    def kind(self) -> str:
        """The row's format without this file's title: what files of one row share."""
        return f"{self.known.what.replace(' ({title})', '')} from {self.known.agency}"

    def message(self) -> str:
        text = (
            f"{self.path}: {self.label} — norte does not read this format yet; "
            "'norte formats' lists the formats it reads"
        )
        return f"{text}; {self.known.hint}" if self.known.hint else text


class NotReadYet(FormatError):
    """A file of a known agency's format that no source of norte reads yet."""

    def __init__(self, match: Match) -> None:
        self.match = match
        super().__init__(match.message())


class _Sniff:
    """What the table's patterns look at, each read once and only when asked."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with open(path, "rb") as f:
            self.magic = f.read(8)
        self.is_zip = self.magic[:4] == b"PK\x03\x04"
        self.is_ole = self.magic == OLE_MAGIC

    @functools.cached_property
    def members(self) -> list[str]:
        if not self.is_zip:
            return []
        try:
            with zipfile.ZipFile(self.path) as z:
                return z.namelist()
        except (zipfile.BadZipFile, OSError):
            return []

    @property
    def is_workbook(self) -> bool:
        return self.is_ole or (self.is_zip and "xl/workbook.xml" in self.members)

    @functools.cached_property
    def head(self) -> str:
        if self.is_zip or self.is_ole:
            return ""
        try:
            if self.magic[:2] == b"\x1f\x8b":
                with gzip.open(self.path, "rb") as g:
                    raw = g.read(HEAD_BYTES)
            else:
                with open(self.path, "rb") as f:
                    raw = f.read(HEAD_BYTES)
        except (OSError, EOFError):
            return ""
        if b"\x00" in raw[:512]:
            return ""  # binary
        text = raw.decode("utf-8", "replace").replace("\r\n", "\n")
        return text[1:] if text.startswith("\ufeff") else text

    @functools.cached_property
    def workbook(self) -> tuple[list[str], str]:
        """(sheet names, first rows of the first sheet as text)."""
        if not self.is_workbook:
            return [], ""
        try:
            import python_calamine as calamine

            wb = calamine.CalamineWorkbook.from_path(str(self.path))
            names = list(wb.sheet_names)
            rows = wb.get_sheet_by_index(0).to_python(nrows=WORKBOOK_ROWS) if names else []
        except Exception:  # any reader failure: not a workbook the table can judge
            return [], ""
        text = "\n".join("\t".join(_cell(c) for c in row).rstrip("\t") for row in rows)
        return names, text


def _cell(value: object) -> str:
    return re.sub(r"\s+", " ", str(value)).strip()


def _matches(k: Known, s: _Sniff) -> str | None:
    """The text ``k.title`` is searched in when ``k`` matches ``s``, else None."""
    where = ""
    if k.head:
        if s.is_zip or s.is_ole or not re.search(k.head, s.head):
            return None
        where = s.head
    if k.members:
        if s.is_workbook or not any(re.search(k.members, n) for n in s.members):
            return None
    if k.sheets or k.cells:
        names, cells = s.workbook
        if k.sheets and not any(re.search(k.sheets, n) for n in names):
            return None
        if k.cells and not re.search(k.cells, cells):
            return None
        where = cells
    return where


def identify(path: Path) -> Match | None:
    """The known-but-unread format of ``path``, or None. Cheap: the first bytes of a text
    file, the member names of a zip, the first rows of a workbook."""
    try:
        s = _Sniff(path)
    except OSError:
        return None
    for k in TABLE:
        where = _matches(k, s)
        if where is None:
            continue
        what = k.what
        if k.title:
            m = re.search(k.title, where)
            title = re.sub(r"\s+", " ", m.group(1)).strip() if m else ""
            what = what.replace("{title}", title) if title else what.replace(" ({title})", "")
        return Match(path, k, what)
    return None
