"""Code lists and dimension rules of the StatCan full-table reader (:mod:`statcan_table`):
StatCan names -> norte codes, units, scalar factors, the symbol legend, table profiles."""

from __future__ import annotations

import csv
import io
import re
import tomllib
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from norte.errors import InputError, UnknownCodeError

SCALARS = {
    "units": 0,
    "tens": 1,
    "hundreds": 2,
    "thousands": 3,
    "tens of thousands": 4,
    "hundreds of thousands": 5,
    "millions": 6,
    "tens of millions": 7,
    "hundreds of millions": 8,
    "billions": 9,
}
PARTNER_DIMS = ("trading partner", "countries or regions", "principal trading partners", "country")
FLOWS = {"export": "export", "exports": "export", "import": "import", "imports": "import"}
FLOWS |= {"trade balance": "balance", "total trade": "total"}
ADJ = {
    "seasonally adjusted at annual rates": "saar",
    "seasonally adjusted": "sa",
    "unadjusted": "nsa",
    "not seasonally adjusted": "nsa",
    "trend-cycle": "trend",
}

_CODE = re.compile(r"\[([^\[\]=;]+)\]\s*$")
_INDEX = re.compile(r"^index,?\s*(\d{4})\s*=\s*100$", re.I)
_CHAINED = re.compile(r"^chained \((\d{4})\) dollars$", re.I)


@cache
def codes(scheme: str) -> dict[str, str]:
    """code -> parent for one scheme of ``statcan.csv`` (or label_en -> code for iso3166_2)."""
    out: dict[str, str] = {}
    for name in ("statcan.csv", "transborder_ca_provinces.csv"):
        text = (resources.files("norte") / "data" / "codes" / name).read_text(encoding="utf-8")
        for r in csv.DictReader(io.StringIO(text)):
            if r["scheme"] != scheme:
                continue
            if scheme == "iso3166_2":
                if r["kind"] == "ca_province":
                    out[r["label_en"]] = r["code"]
            else:
                out[r["code"]] = r["parent"]
    return out


@cache
def profiles() -> dict[str, Any]:
    text = (resources.files("norte") / "data" / "statcan_tables.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def unit(uom: str, path: Path, place: str, unknown: str, warnings: list[str]) -> str:
    known = codes("statcan_uom")
    if uom in known:
        return known[uom]
    m = _INDEX.match(uom)
    if m:
        return f"index_{m.group(1)}=100"
    m = _CHAINED.match(uom)
    if m:
        return f"CAD_chained_{m.group(1)}"
    if unknown == "keep":
        warnings.append(f"unknown StatCan UOM {uom!r} ({place}) kept as statcan:{slug(uom)}")
        return f"statcan:{slug(uom)}"
    raise UnknownCodeError(
        path,
        place,
        "StatCan unit of measure (UOM)",
        uom,
        hint="add a statcan_uom row to norte/data/codes/statcan.csv, or rerun with "
        "--unknown-codes keep",
    )


class Dims:
    """Turns a row's dimension members into (partner, flow, product, adj, detail pairs)."""

    def __init__(self, path: Path, names: list[str], profile: dict[str, Any], unknown: str):
        self.path, self.names, self.unknown = path, names, unknown
        self.profile_dims: dict[str, Any] = profile.get("dimensions", {})
        self.countries = codes("statcan_country")
        self.warnings: list[str] = []
        self.cache: dict[tuple[str, ...], tuple[Any, ...]] = {}

    def __call__(self, members: tuple[str, ...], n: int) -> tuple[Any, ...]:
        hit = self.cache.get(members)
        if hit is None:
            hit = self.cache[members] = self._map(members, n)
        return hit

    def _map(self, members: tuple[str, ...], n: int) -> tuple[Any, ...]:
        partner = flow = scheme = product = adj = None
        pairs: dict[str, str | None] = {}
        for name, member in zip(self.names, members, strict=True):
            low = name.lower()
            place = f"line {n}, column {name!r}"
            prof = self.profile_dims.get(name)
            if prof is not None:
                code = prof.get("members", {}).get(member)
                if code is None:
                    raise UnknownCodeError(
                        self.path,
                        place,
                        f"StatCan '{name}' member",
                        member,
                        hint="add it to the table's profile in norte/data/statcan_tables.toml",
                    )
                pairs[prof["key"]] = code
            elif low in PARTNER_DIMS:
                partner = self.countries.get(member)
                if partner is None:
                    if self.unknown != "keep":
                        raise UnknownCodeError(
                            self.path,
                            place,
                            "StatCan country or region",
                            member,
                            hint="add a statcan_country row (English name -> partner) to "
                            "norte/data/codes/statcan.csv, or rerun with --unknown-codes keep",
                        )
                    partner = f"STATCAN:{member}"
                    self.warnings.append(f"unknown StatCan country {member!r} ({place}) kept")
            elif low == "trade":
                flow = FLOWS.get(member.lower())
                if flow is None:
                    raise InputError(
                        self.path,
                        place,
                        f"unknown trade flow {member!r}",
                        expected="Export or Import",
                    )
            elif low == "seasonal adjustment":
                adj = ADJ.get(member.lower())
                if adj is None:
                    raise InputError(
                        self.path,
                        place,
                        f"unknown seasonal adjustment {member!r}",
                        expected=", ".join(ADJ),
                    )
            elif "napcs" in low or "harmonized system" in low:
                scheme = "NAPCS" if "napcs" in low else "HS"
                m = _CODE.search(member)
                if m:
                    product = m.group(1).replace(" ", "")
                elif not member.lower().startswith(("all ", "total")):
                    raise InputError(
                        self.path,
                        place,
                        f"product {member!r} has no [code]",
                        expected="a member like 'Energy products [C12]' or 'All sections'",
                    )
            else:
                m = _CODE.search(member)
                key = "naics" if "(naics)" in low else slug(name)
                pairs[key] = m.group(1).replace(" ", "") if m else slug(member)
        return partner, flow, scheme if product else None, product, adj, pairs


class Cells(Protocol):
    """A row's cells by column name."""

    def get(self, col: str, default: str = "") -> str: ...


def symbols(cells: Cells, path: Path, n: int) -> list[str]:
    legend = codes("statcan_symbol")
    out: list[str] = []
    for col in ("STATUS", "SYMBOL"):
        s = cells.get(col, "").strip()
        if not s:
            continue
        if s not in legend:
            raise InputError(
                path,
                f"line {n}, column {col}",
                f"unknown StatCan symbol {s!r}",
                expected="a symbol of StatCan's legend: " + " ".join(legend),
                hint="see statcan.gc.ca/eng/concepts/definitions/guide-symbol; a new symbol "
                "needs a statcan_symbol row in norte/data/codes/statcan.csv",
            )
        out.append(legend[s])
    if cells.get("TERMINATED", "").strip().lower() == "t":
        out.append("terminated")
    return out


def scale_of(
    path: Path, n: int, key: tuple[str, str, str], unknown: str, warnings: list[str]
) -> tuple[str, Decimal]:
    uom, factor, sid = key
    norte_unit = unit(uom.strip(), path, f"line {n}, column UOM", unknown, warnings)
    power = SCALARS.get(factor.strip().lower())
    if power is None:
        raise InputError(
            path,
            f"line {n}, column SCALAR_FACTOR",
            f"unknown scalar factor {factor!r}",
            expected=", ".join(SCALARS),
        )
    if sid.strip() and sid.strip() != str(power):
        raise InputError(
            path,
            f"line {n}, column SCALAR_ID",
            f"{sid!r} does not match SCALAR_FACTOR {factor!r} (id {power})",
            hint="the file was edited: download it again",
        )
    return norte_unit, Decimal(10) ** power
