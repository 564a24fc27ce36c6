"""Secretaría de Economía (SE), SIC trade pages: the HTML reader shared by the two formats.

The SE's trade information system (SIC) serves one HTML page per partner country, in four
kinds (file name = SE country code + name, e.g. ``G8_ESTADOS UNIDOS DE AMERICA.html``; the
name is not used: the partner comes from the page's title):

- ``bcm_e/``: "Balanza comercial de México con <país>", monthly: a year row (``1993``) then
  twelve month rows (``Enero`` .. ``Diciembre``), columns Exportaciones, Importaciones,
  Comercio Total, Balanza Comercial (read by :mod:`norte.sources.se_sic_balance`);
- ``bc_e/``: the same title, one row per year (same module);
- ``ppx_e/``, ``ppm_e/``: "Principales productos exportados por México a <país>" /
  "importados por México procedentes de <país>": one row per 8-digit TIGIE tariff fraction,
  one column per year (read by :mod:`norte.sources.se_sic_products`).

The markup is old and loose (tables never closed, cells outside rows, ``&nbsp;`` padding):
this module parses it with the standard library's ``html.parser`` into rows of cell texts,
keeps the title and the footnotes, and tells the page kind from the title and the header
cells. Values are in thousands of US$ ("Valores en miles de dólares").

Partner names: the title's country name as SE writes it (``Estados Unidos``, ``el mundo``,
``|Egipto``) is looked up in ``norte/data/codes/se_sic_countries.csv`` (scheme
``se_country``, code = SE's name, parent = norte partner). Names are matched ignoring case,
accents, repeated spaces and a stray leading ``|``. An unknown name fails the load (or, with
``--unknown-codes keep``, is stored as ``SE:<name>`` with a warning).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from norte.errors import InputError, UnknownCodeError
from norte.sources.common import code_rows, fold

CODES_FILE = "se_sic_countries.csv"
SCHEME = "se_country"
BALANCE_TITLE = re.compile(r"^balanza comercial de mexico con (.+)$")
PRODUCTS_TITLE = re.compile(
    r"^principales productos (exportados|importados) por mexico (?:a|procedentes de) (.+)$"
)
KINDS = {
    "balance_monthly": "a monthly trade-balance page (bcm_e)",
    "balance_annual": "an annual trade-balance page (bc_e)",
    "products_export": "a principal-products-exported page (ppx_e)",
    "products_import": "a principal-products-imported page (ppm_e)",
}
MONTHS = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)
#: Estimated release lag: INEGI's monthly BCMM release (the source these pages quote) comes
#: out about 52 days after the month (the 2012-2026 open-data zip: data through May, metadata
#: modified 22 July).
LAG_DAYS = 52


@dataclass
class Page:
    """One SIC page: its title, rows of cell texts (with the row number) and loose text."""

    title: str = ""
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    kind: str | None = None
    partner_name: str = ""


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._cell_class = ""
        self._n = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._end_row()
            self._row = []
        elif tag == "td":
            self._end_cell()
            self._cell = []
            self._cell_class = next((v or "" for k, v in attrs if k == "class"), "")
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._end_cell()
        elif tag in ("tr", "table"):
            self._end_row()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif data.strip():
            self.page.text.append(_clean(data))

    def _end_cell(self) -> None:
        if self._cell is None:
            return
        text = _clean("".join(self._cell))
        if self._cell_class.lower() == "tit-cua-2c" and not self.page.title:
            self.page.title = text
        elif self._row is not None:
            self._row.append(text)
        self._cell = None

    def _end_row(self) -> None:
        self._end_cell()
        if self._row:
            self._n += 1
            self.page.rows.append((self._n, self._row))
        self._row = None

    def close(self) -> None:
        super().close()
        self._end_row()


def _clean(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("\xa0", " ")).strip()


def head_kind(path: Path) -> str | None:
    """The page kind from the first bytes (cheap, for ``detect``): 'balance', 'products' or
    None when the file is not an SE SIC page."""
    if path.suffix.lower() not in (".html", ".htm"):
        return None
    try:
        with open(path, "rb") as f:
            head = f.read(8192).decode("utf-8", "replace")
    except OSError:
        return None
    m = re.search(r'class="Tit-cua-2C"[^>]*>([^<]*)<', head, re.IGNORECASE)
    if not m or "Subsecretar" not in head:
        return None
    title = fold(_clean(m.group(1)))
    if BALANCE_TITLE.match(title):
        return "balance"
    if PRODUCTS_TITLE.match(title):
        return "products"
    return None


def read(path: Path) -> Page:
    """Parse an SE SIC page; InputError when it is not one of the four kinds."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InputError(path, "", f"cannot be read ({e})") from e
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    parser = _Parser()
    parser.feed(text)
    parser.close()
    page = parser.page
    title = fold(page.title)
    if m := BALANCE_TITLE.match(title):
        monthly = any(r and fold(r[0]) in MONTHS for _, r in page.rows)
        page.kind = "balance_monthly" if monthly else "balance_annual"
    elif m := PRODUCTS_TITLE.match(title):
        page.kind = "products_export" if m.group(1) == "exportados" else "products_import"
    else:
        raise InputError(
            path,
            "page title",
            f"not a Secretaría de Economía SIC trade page (title {page.title or 'missing'!r})",
            expected="a title 'Balanza comercial de México con <país>' or 'Principales "
            "productos exportados por México a <país>'",
        )
    # The partner's name as SE writes it, from the original title (case and accents kept).
    m = re.search(r"\b(?:con|a|procedentes de)\s+(.+)$", page.title)
    page.partner_name = m.group(1).strip().lstrip("|").strip() if m else ""
    return page


def wrong_kind(path: Path, page: Page, wanted: str, fmt: str) -> InputError:
    assert page.kind is not None
    other = "se-sic-products" if page.kind.startswith("products") else "se-sic-balance"
    return InputError(
        path,
        f"page title {page.title!r}",
        f"this is {KINDS[page.kind]}, not {wanted}",
        hint=f"load it with --format {other} (or without --format: it is detected), not "
        f"--format {fmt}",
    )


def number(path: Path, place: str, text: str) -> float:
    t = text.replace(",", "").replace(" ", "")
    if re.fullmatch(r"-?\d+(\.\d+)?", t):
        return float(t)
    raise InputError(
        path,
        place,
        f"{text!r} is not a number",
        expected="a value in thousands of US$ like 42,911,543 or -2,383,113",
        hint="the page may be truncated or not an SE SIC page: download it again",
    )


def _names() -> dict[str, str]:
    return {fold(r["code"]): r["parent"] for r in code_rows(CODES_FILE) if r["scheme"] == SCHEME}


def partner(path: Path, page: Page, unknown: str, warnings: list[str]) -> str:
    """The norte partner code of the page's country name."""
    name = page.partner_name
    code = _names().get(fold(name))
    if code:
        return code
    if unknown == "keep":
        warnings.append(f"unknown SE country name {name!r} (page title) kept as SE:{name}")
        return f"SE:{name}"
    raise UnknownCodeError(
        path,
        f"page title {page.title!r}",
        "SE country name",
        name,
        hint=f"add a row to norte/data/codes/{CODES_FILE} (scheme {SCHEME}, parent = the "
        "norte partner code), or rerun with --unknown-codes keep to store it as SE:<name>",
    )
