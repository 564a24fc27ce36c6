"""INEGI BCMM by mode of transport: Mexico's own monthly trade by HS chapter and customs office.

Reads the open-data zip ``conjunto_de_datos_bcmm_mensual_mtra_csv.zip`` ("Balanza comercial
de mercancías de México por modo de transporte") as INEGI distributes it. Quirks:

- two data members, ``conjunto_de_datos/bcmm_mtra_capitulo_mensual_tr_cifra_YYYY_YYYY.csv``
  (mode x HS chapter -> dataset ``bcmm_mode_chapter``) and ``bcmm_mtra_aduana_...csv`` (mode x
  customs office -> ``bcmm_mode_customs``), columns ``PROD_EST, COBERTURA, TIPO, ANIO, MES,
  CONCEPTO, MTRA, VAL_USD, ESTATUS_CIFRA, ESTATUS``; ``catalogos/tc_mtra.csv`` (its lines
  start with a tab) names the modes;
- ``VAL_USD`` in **millions** of US$, FOB (stored in US$); national totals: reporter ``MEX``,
  partner ``WORLD``; ``TIPO`` ``Exportación`` / ``Importación`` -> flow ``export`` / ``import``;
- ``CONCEPTO`` mixes three levels, kept apart by the key: ``Exportación total`` (MTRA empty:
  mode NULL), the mode's own name (``Aéreo`` with MTRA 04: the mode's total, product/geo
  NULL), and the breakdown: ``Capítulo 87 Vehículos ...`` -> ``product_scheme`` ``HS2``
  ``87`` (as TransBorder writes HS2), ``Productos no clasificados`` -> ``bcmm_product``
  ``unclassified``; or an aduana name (``Nuevo Laredo, Tamps.``) -> ``geo_scheme``
  ``mx_aduana``, ``geo_code`` ``nuevo_laredo`` (``norte/data/codes/inegi_bcmm.csv``; INEGI
  gives names, no numbers), ``Otras aduanas`` -> ``other``. The breakdown adds up to the
  mode's total (checked: within 0.05 million of rounding, except where a value is confidential). The aduanas listed per mode change over the
  years, so ``other`` is not one fixed set of offices;
- modes (``MTRA``, scheme ``inegi_mtra``, parent = norte mode): 01 Marítimo -> ``vessel``,
  04 Aéreo -> ``air``, 06 Ferroviario -> ``rail``, 07 Carretero (road) -> ``truck`` (BTS's
  road-freight mode), 09 Otros modos -> ``other_modes`` (a new code: INEGI's residual holds
  pipelines, mail and the rest, wider than BTS's ``other``);
- ``ESTATUS`` (``Cifras Definitivas.`` / ``Revisadas.`` / ``Ajustadas.`` / ``Preliminares.``)
  -> ``status`` ``definitive`` / ``revised`` / ``adjusted`` / ``preliminary``; where
  ``ESTATUS_CIFRA`` is ``Confidencial`` the value is empty (withheld): stored NULL with
  status ``confidential``;
- vintage: ``Modified:`` in ``metadatos/*.txt`` (2026-07-22 for data through 2026-05); without
  it, the newest month's end + 52 days.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from pathlib import Path

import duckdb

from norte.errors import InputError, UnknownCodeError
from norte.sources.bcmm_values import CODES, STATUS, status_code, value_and_status
from norte.sources.common import code_rows, fold, month_end_plus, scheme_parents, stage_columns
from norte.store.db import StageContext, StageInfo

SOURCE = "inegi_bcmm"
FORMAT = "inegi-bcmm-mtra"
DESCRIPTION = "INEGI BCMM by mode of transport (open-data zip: HS chapter and customs office)"
MEMBER = re.compile(
    r"(^|/)conjunto_de_datos/bcmm_mtra_(capitulo|aduana)_mensual_tr_cifra_[\d_]+\.csv$"
)
DATASETS = {"capitulo": "bcmm_mode_chapter", "aduana": "bcmm_mode_customs"}
REQUIRED = ("TIPO", "ANIO", "MES", "CONCEPTO", "MTRA", "VAL_USD", "ESTATUS_CIFRA", "ESTATUS")
FLOWS = {"exportacion": "export", "importacion": "import"}
LAG_DAYS = 52
_CHAPTER = re.compile(r"^cap[ií]tulo (\d\d)\b", re.IGNORECASE)


def detect(path: Path) -> bool:
    if not path.name.lower().endswith(".zip"):
        return False
    try:
        with zipfile.ZipFile(path) as z:
            return any(MEMBER.search(n) for n in z.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def _read(path: Path, z: zipfile.ZipFile, member: str) -> str:
    try:
        data = z.read(member)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as e:
        raise InputError(
            path,
            f"zip member {member}",
            f"cannot be extracted ({e})",
            hint="the zip is damaged or truncated: download it again from inegi.org.mx",
        ) from e
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _modes(path: Path, z: zipfile.ZipFile) -> dict[str, tuple[str, str]]:
    """MTRA code -> (INEGI label, norte mode), from the zip's catalog and norte's table."""
    member = next((n for n in z.namelist() if n.endswith("catalogos/tc_mtra.csv")), None)
    if member is None:
        raise InputError(
            path,
            "zip contents",
            "no catalogos/tc_mtra.csv",
            expected="INEGI's catalog of transport modes inside the zip",
            hint="pass the complete zip as INEGI distributes it",
        )
    norte = scheme_parents(CODES, "inegi_mtra")
    out: dict[str, tuple[str, str]] = {}
    for i, row in enumerate(csv.reader(io.StringIO(_read(path, z, member))), start=1):
        cells = [c.strip() for c in row]
        if i == 1 or len(cells) < 2 or not cells[0]:
            continue
        if cells[0] not in norte:
            raise UnknownCodeError(
                path,
                f"zip member {member}, line {i}",
                "INEGI transport mode (MTRA)",
                cells[0],
                hint=f"INEGI names it {cells[1]!r}: add it (scheme inegi_mtra, parent = a "
                f"norte mode) to norte/data/codes/{CODES}",
            )
        out[cells[0]] = (cells[1], norte[cells[0]])
    return out


def _vintage(path: Path, z: zipfile.ZipFile) -> dt.date | None:
    for n in z.namelist():
        if "metadatos/" in n and n.endswith(".txt"):
            m = re.search(r"^\s*modified:\s*(\d{4}-\d\d-\d\d)", _read(path, z, n), re.I | re.M)
            if m:
                return dt.date.fromisoformat(m.group(1))
    return None


class _Rows:
    """Column lists for ``stage_columns``, filled member by member."""

    def __init__(self) -> None:
        self.cols: dict[str, list[object]] = {
            k: []
            for k in (
                "dataset",
                "flow",
                "product_scheme",
                "product_code",
                "mode",
                "geo_scheme",
                "geo_code",
                "period",
                "value",
                "status",
            )
        }

    def add(self, **kw: object) -> None:
        for k, v in self.cols.items():
            v.append(kw.get(k))


def _breakdown(
    path: Path,
    at: str,
    kind: str,
    concept: str,
    aduanas: dict[str, str],
    unknown: str,
    warnings: list[str],
) -> dict[str, object]:
    """The product (chapter file) or customs office (aduana file) of a breakdown row."""
    fc = fold(concept)
    if kind == "capitulo":
        if m := _CHAPTER.match(concept):
            return {"product_scheme": "HS2", "product_code": m.group(1)}
        if fc == "productos no clasificados":
            return {"product_scheme": "bcmm_product", "product_code": "unclassified"}
        raise InputError(
            path,
            f"{at}, column CONCEPTO",
            f"{concept!r} is not an HS chapter",
            expected="'Capítulo NN <name>' or 'Productos no clasificados' (or the mode's name "
            "for its total)",
        )
    code = aduanas.get(fc)
    if code is None:
        if unknown != "keep":
            raise UnknownCodeError(
                path,
                f"{at}, column CONCEPTO",
                "INEGI customs office (aduana)",
                concept,
                hint=f"add it (scheme mx_aduana) to norte/data/codes/{CODES}, or rerun with "
                "--unknown-codes keep to store it as INEGI:<name>",
            )
        code = f"INEGI:{concept}"
        note = f"unknown aduana {concept!r} kept as {code} (first at {at})"
        if not any(w.startswith(f"unknown aduana {concept!r} ") for w in warnings):
            warnings.append(note)
    return {"geo_scheme": "mx_aduana", "geo_code": code}


def _member(
    path: Path,
    member: str,
    text: str,
    kind: str,
    modes: dict[str, tuple[str, str]],
    out: _Rows,
    unknown: str,
    warnings: list[str],
) -> dt.date:
    reader = csv.reader(io.StringIO(text))
    head = [h.strip() for h in next(reader, [])]
    missing = [c for c in REQUIRED if c not in head]
    if missing:
        raise InputError(
            path,
            f"zip member {member}, line 1 (header)",
            f"missing column(s) {', '.join(missing)} (header: {', '.join(head)})",
            expected=", ".join(REQUIRED),
            hint="the file is not INEGI's BCMM mode-of-transport layout: download the zip again",
        )
    ix = {c: head.index(c) for c in REQUIRED}
    aduanas = {
        fold(r["label_es"]): r["code"] for r in code_rows(CODES) if r["scheme"] == "mx_aduana"
    }
    labels = {fold(lab): code for code, (lab, _) in modes.items()}
    dataset = DATASETS[kind]
    last = dt.date(1900, 1, 1)
    sums: dict[tuple[str, dt.date, str], float] = {}
    totals: dict[tuple[str, dt.date, str], tuple[float, int]] = {}
    for line, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != len(head):
            raise InputError(
                path,
                f"zip member {member}, line {line}",
                f"{len(row)} fields, the header has {len(head)}",
                hint="the file is truncated or edited: download the zip again",
            )
        at = f"zip member {member}, line {line}"
        g = {c: row[i].strip() for c, i in ix.items()}
        flow = FLOWS.get(fold(g["TIPO"]))
        if flow is None:
            raise InputError(
                path,
                f"{at}, column TIPO",
                f"{g['TIPO']!r} is not a flow",
                expected="Exportación or Importación",
            )
        try:
            period = dt.date(int(g["ANIO"]), int(g["MES"]), 1)
        except ValueError:
            raise InputError(
                path,
                f"{at}, columns ANIO/MES",
                f"{g['ANIO']!r}/{g['MES']!r} is not a month",
                expected="a year like 2024 and a month 01..12",
            ) from None
        last = max(last, period)
        value, status = value_and_status(path, at, g, 1e6, "millions of US$ like 27281.577235")
        concept, mtra = g["CONCEPTO"], g["MTRA"]
        fc = fold(concept)
        rec: dict[str, object] = {
            "dataset": dataset,
            "flow": flow,
            "period": period,
            "value": value,
            "status": status,
        }
        if mtra == "":
            if not fc.endswith(" total"):
                raise InputError(
                    path,
                    f"{at}, column MTRA",
                    f"empty for {concept!r}",
                    expected="a mode code, or CONCEPTO 'Exportación/Importación total'",
                )
            out.add(**rec)
            continue
        if mtra not in modes:
            raise UnknownCodeError(
                path,
                f"{at}, column MTRA",
                "INEGI transport mode (MTRA)",
                mtra,
                hint="it is not in the zip's catalogos/tc_mtra.csv",
            )
        rec["mode"] = modes[mtra][1]
        key = (flow, period, mtra)
        if labels.get(fc) == mtra:
            totals[key] = (value if value is not None else float("nan"), line)
            out.add(**rec)
            continue
        sums[key] = sums.get(key, 0.0) + (value if value is not None else float("nan"))
        rec.update(_breakdown(path, at, kind, concept, aduanas, unknown, warnings))
        out.add(**rec)
    for key, (total, line) in totals.items():
        # a withheld (confidential) value makes the sum NaN: no check for that mode and month
        if abs(sums.get(key, 0.0) - total) > 0.05e6:
            raise InputError(
                path,
                f"zip member {member}, line {line}",
                f"the mode's breakdown adds up to {sums.get(key, 0.0) / 1e6:,.3f} million, its "
                f"total row says {total / 1e6:,.3f} million",
                hint="download the zip again",
            )
    return last


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError(
            path,
            "",
            f"not a readable zip ({e})",
            expected="INEGI's conjunto_de_datos_bcmm_mensual_mtra_csv.zip",
            hint="the download may be truncated: download it again",
        ) from e
    out = _Rows()
    warnings: list[str] = []
    notes: list[str] = []
    with z:
        members = sorted(n for n in z.namelist() if MEMBER.search(n))
        if not members:
            raise InputError(path, "zip contents", "no bcmm_mtra_*_mensual_tr_cifra_*.csv inside")
        modes = _modes(path, z)
        last = dt.date(1900, 1, 1)
        for member in members:
            m = MEMBER.search(member)
            assert m is not None
            before = len(out.cols["period"])
            text = _read(path, z, member)
            last = max(
                last,
                _member(
                    path,
                    member,
                    text,
                    m.group(2),
                    modes,
                    out,
                    ctx.options.get("unknown_codes", "error"),
                    warnings,
                ),
            )
            notes.append(f"{member}: {len(out.cols['period']) - before:,} rows")
        vintage = _vintage(path, z)
    stage_columns(
        con,
        {
            "source": SOURCE,
            "reporter": "MEX",
            "partner": "WORLD",
            "measure": "value",
            "unit": "USD",
            "freq": "M",
            **out.cols,
        },
    )
    confidential = sum(1 for s in out.cols["status"] if s == "confidential")
    if confidential:
        notes.append(f"{confidential} confidential values stored as NULL")
    notes.insert(0, f"newest month {last:%Y-%m}")
    if vintage is not None:
        how = "metadata (metadatos/*.txt, Modified:)"
    else:
        vintage = month_end_plus(last.year, last.month, LAG_DAYS)
        how = f"estimated: newest month {last:%Y-%m} + {LAG_DAYS} days"
    return StageInfo(
        format=FORMAT, vintage=vintage, vintage_from=how, notes=notes, warnings=warnings
    )


__all__ = ["CODES", "STATUS", "status_code", "value_and_status"]
