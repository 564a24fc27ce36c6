"""INEGI BCMM by partner and type of good: Mexico's own monthly trade with each country.

Reads the open-data CSV layout ``bcmm_paises_bien_mensual_tr_cifra_YYYY.csv`` ("Balanza
Comercial de Mercancías de México por países y zonas geográficas según tipo de bien"), one
file per year, detected by its header (any file name: the shared copy is an extract). Quirks:

- columns ``PROD_EST, COBERTURA, ANIO, MES, TIPO, TIPO_BIEN, CLAVE_CONTINENTE, CLAVE_REGION,
  PAIS_O_D, VAL_USD, ESTATUS_CIFRA, ESTATUS``; ``VAL_USD`` in **thousands** of US$ (stored in
  US$); dataset ``bcmm_partner_good`` (freq M), reporter ``MEX``;
- ``TIPO`` ``Exportaciones`` / ``Importaciones`` -> flow ``export`` / ``import``;
- ``TIPO_BIEN`` ``Consumo`` / ``Intermedio`` / ``Capital`` -> ``detail``
  ``good=consumption|intermediate|capital`` (scheme ``inegi_bcmm_good``): the three add up to
  the partner's total, and the file has no total row, so a partner's trade is the sum over
  ``detail``;
- the partner is ``PAIS_O_D`` (ISO alpha-3, as norte's partner codes) when given; else the
  zone ``CLAVE_CONTINENTE``/``CLAVE_REGION`` (scheme ``inegi_bcmm_zone``: ``C01`` America ->
  ``INEGI_AMERICA``, ``C01/R01`` North America -> ``INEGI_NORTH_AMERICA``, the U.S. and
  Canada); both empty -> ``WORLD``. Zones and countries are rows of their own: summing over
  partners counts trade more than once (filter ``codes.kind``). An unknown country or zone
  fails the load (or, with ``--unknown-codes keep``, is stored as ``INEGI:<code>``);
- ``ESTATUS`` -> ``status`` as in :mod:`norte.sources.inegi_bcmm`; ``ESTATUS_CIFRA``
  ``Confidencial`` with an empty value -> NULL, status ``confidential``;
- no release date in the file: vintage estimated as the newest month's end + 52 days.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import duckdb

from norte.errors import InputError, UnknownCodeError
from norte.sources.bcmm_values import CODES, value_and_status
from norte.sources.common import (
    fold,
    month_end_plus,
    partner_codes,
    peek,
    read_bytes_maybe_gzip,
    scheme_parents,
    stage_columns,
)
from norte.sources.inegi_bcmm import LAG_DAYS
from norte.store.db import StageContext, StageInfo

SOURCE = "inegi_bcmm"
FORMAT = "inegi-bcmm-paises"
DESCRIPTION = "INEGI BCMM by partner and type of good (bcmm_paises_bien_mensual_tr_cifra_YYYY.csv)"
DATASET = "bcmm_partner_good"
REQUIRED = (
    "ANIO",
    "MES",
    "TIPO",
    "TIPO_BIEN",
    "CLAVE_CONTINENTE",
    "CLAVE_REGION",
    "PAIS_O_D",
    "VAL_USD",
    "ESTATUS_CIFRA",
    "ESTATUS",
)
FLOWS = {"exportaciones": "export", "importaciones": "import"}
GOODS = {"consumo": "consumption", "intermedio": "intermediate", "capital": "capital"}


def detect(path: Path) -> bool:
    name = path.name.lower()
    if not (name.endswith(".csv") or name.endswith(".csv.gz")):
        return False
    first = peek(path, 1024).decode("utf-8", "replace").lstrip("\ufeff").split("\n", 1)[0]
    head = {c.strip() for c in first.split(",")}
    return {"PAIS_O_D", "TIPO_BIEN", "CLAVE_CONTINENTE", "VAL_USD"} <= head


def _text(path: Path) -> str:
    raw = read_bytes_maybe_gzip(path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    unknown = ctx.options.get("unknown_codes", "error")
    reader = csv.reader(io.StringIO(_text(path)))
    head = [h.strip() for h in next(reader, [])]
    missing = [c for c in REQUIRED if c not in head]
    if missing:
        raise InputError(
            path,
            "line 1 (header)",
            f"missing column(s) {', '.join(missing)} (header: {', '.join(head)})",
            expected=", ".join(REQUIRED),
            hint="pass INEGI's bcmm_paises_bien_mensual_tr_cifra_YYYY.csv as downloaded",
        )
    ix = {c: head.index(c) for c in REQUIRED}
    zones = scheme_parents(CODES, "inegi_bcmm_zone")
    known = partner_codes()
    warnings: list[str] = []
    cols: dict[str, list[object]] = {
        k: [] for k in ("flow", "partner", "detail", "period", "value", "status")
    }
    for line, row in enumerate(reader, start=2):
        if not row:
            continue
        at = f"line {line}"
        if len(row) != len(head):
            raise InputError(
                path,
                at,
                f"{len(row)} fields, the header has {len(head)}",
                hint="the file is truncated or edited: download it again",
            )
        g = {c: row[i].strip() for c, i in ix.items()}
        flow = FLOWS.get(fold(g["TIPO"]))
        if flow is None:
            raise InputError(
                path,
                f"{at}, column TIPO",
                f"{g['TIPO']!r} is not a flow",
                expected="Exportaciones or Importaciones",
            )
        good = GOODS.get(fold(g["TIPO_BIEN"]))
        if good is None:
            raise UnknownCodeError(
                path,
                f"{at}, column TIPO_BIEN",
                "INEGI type of good",
                g["TIPO_BIEN"],
                hint="expected Consumo, Intermedio or Capital",
            )
        try:
            period = dt.date(int(g["ANIO"]), int(g["MES"]), 1)
        except ValueError:
            raise InputError(
                path,
                f"{at}, columns ANIO/MES",
                f"{g['ANIO']!r}/{g['MES']!r} is not a month",
                expected="a year like 2026 and a month 1..12",
            ) from None
        partner = _partner(path, at, g, zones, known, unknown, warnings)
        value, status = value_and_status(path, at, g, 1e3, "thousands of US$ like 10286678")
        for k, v in (
            ("flow", flow),
            ("partner", partner),
            ("detail", f"good={good}"),
            ("period", period),
            ("value", value),
            ("status", status),
        ):
            cols[k].append(v)
    if not cols["period"]:
        raise InputError(
            path, "", "no data rows", expected="one row per month, partner, flow and type of good"
        )
    stage_columns(
        con,
        {
            "source": SOURCE,
            "dataset": DATASET,
            "reporter": "MEX",
            "measure": "value",
            "unit": "USD",
            "freq": "M",
            **cols,
        },
    )
    last = max(p for p in cols["period"] if isinstance(p, dt.date))
    return StageInfo(
        format=FORMAT,
        vintage=month_end_plus(last.year, last.month, LAG_DAYS),
        vintage_from=f"estimated: newest month {last:%Y-%m} + {LAG_DAYS} days (the file "
        "carries no release date)",
        notes=[f"{len(cols['period']):,} rows, newest month {last:%Y-%m}"],
        warnings=warnings,
    )


def _partner(
    path: Path,
    at: str,
    g: dict[str, str],
    zones: dict[str, str],
    known: frozenset[str],
    unknown: str,
    warnings: list[str],
) -> str:
    country, cont, region = g["PAIS_O_D"], g["CLAVE_CONTINENTE"], g["CLAVE_REGION"]
    if country:
        if country in known:
            return country
        raw, column = country, "PAIS_O_D"
    elif cont or region:
        raw, column = "/".join(x for x in (cont, region) if x), "CLAVE_CONTINENTE/CLAVE_REGION"
        if raw in zones:
            return zones[raw]
    else:
        return "WORLD"
    if unknown == "keep":
        warnings.append(
            f"unknown INEGI partner {raw!r} ({at}, column {column}) kept as INEGI:{raw}"
        )
        return f"INEGI:{raw}"
    raise UnknownCodeError(
        path,
        f"{at}, column {column}",
        "INEGI BCMM partner" if column == "PAIS_O_D" else "INEGI BCMM zone",
        raw,
        hint=(
            f"add it to norte/data/codes/{CODES} (scheme inegi_bcmm_zone, parent = a "
            "norte partner code)"
            if column != "PAIS_O_D"
            else "add the country (scheme partner) to norte/data/codes/mx_partner.csv"
        )
        + ", or rerun with --unknown-codes keep to store it as INEGI:<code>",
    )
