"""Census international trade API rows saved as CSV by a third party (a derived copy).

The header keeps the API's own variable names (``CTY_CODE, CTY_NAME, GEN_VAL_MO, ...,
MONTH, SUMMARY_LVL, COMM_LVL, I_COMMODITY, YEAR``; ``E_COMMODITY`` and ``ALL_VAL_MO`` for
exports); values are the API's strings (US$, kg). The copy carries no provenance of its own:
a manifest (``X.csv.gz.norte.toml``, agency ``U.S. Census Bureau``) is required. Rows are
stored exactly as the API's JSON would be (:mod:`norte.sources.census_api`): dataset
``trade_by_country_hs``, product scheme = ``COMM_LVL`` (``HS6``), partner from Schedule C;
the classification edition of each row (HS 2017 for 2017-2021 ...) is given by the view
``product_observations``. Only the value columns the API reader knows are loaded
(``GEN_VAL_MO``, ``CON_VAL_MO``, ``ALL_VAL_MO``); the by-mode columns (``AIR_*``, ``VES_*``,
``CNT_*``) are counted in the notes, not loaded.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import duckdb

from norte import provenance
from norte.errors import InputError
from norte.sources.census_api import COMMODITY_COLUMNS, VALUE_COLUMNS, add_values
from norte.sources.census_codes import PartnerMapper
from norte.sources.common import (
    estimated_census_release,
    peek,
    read_bytes_maybe_gzip,
    stage_columns,
)
from norte.store.db import StageContext, StageInfo

SOURCE = "census"
FORMAT = "census-api-csv"
DESCRIPTION = "Census international trade API rows saved as CSV (derived copy: needs a manifest)"
_KEYS = ["agency", "publisher", "id", "url", "title", "derived"]


def _header(path: Path) -> list[str]:
    line = peek(path, 2048).decode("utf-8-sig", "replace").splitlines()[:1]
    return [c.strip() for c in next(csv.reader(line), [])] if line else []


def detect(path: Path) -> bool:
    if not path.name.lower().endswith((".csv", ".csv.gz")):
        return False
    h = _header(path)
    return "CTY_CODE" in h and any(c in VALUE_COLUMNS for c in h) and "YEAR" in h and "MONTH" in h


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    manifest = provenance.lookup(path, ctx.options, ("agency",))
    if manifest is None:
        raise provenance.refuse(
            path,
            "a CSV copy of Census API rows carries no release or retrieval date and no source",
            _KEYS,
            {"agency": '"U.S. Census Bureau"'},
        )
    if manifest.text("agency") != "U.S. Census Bureau":
        raise InputError(
            manifest.path,
            "key 'agency'",
            f"{manifest.text('agency')!r}",
            expected="'U.S. Census Bureau'",
        )
    reader = csv.reader(io.StringIO(read_bytes_maybe_gzip(path).decode("utf-8-sig")))
    header = [c.strip() for c in next(reader, [])]
    ix = {c: i for i, c in enumerate(header)}
    value_cols = [c for c in header if c in VALUE_COLUMNS]
    commodity = next((c for c in COMMODITY_COLUMNS if c in ix), None)
    if commodity is None or "COMM_LVL" not in ix:
        raise InputError(
            path,
            "line 1 (header)",
            "no commodity columns",
            expected="I_COMMODITY (or E_COMMODITY) and COMM_LVL",
        )
    mapper = PartnerMapper(path, "api", ctx.options.get("unknown_codes", "error"))
    out: dict[str, list[object]] = {
        k: [] for k in ("flow", "measure", "partner", "period", "value", "ps", "pc")
    }
    last = (0, 0)
    for n, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise InputError(
                path,
                f"line {n}",
                f"{len(row)} fields, the header has {len(header)}",
                hint="the file looks cut: get it again",
            )
        try:
            year, month = int(row[ix["YEAR"]]), int(row[ix["MONTH"]])
            period = dt.date(year, month, 1)
        except ValueError:
            raise InputError(
                path,
                f"line {n}, columns YEAR/MONTH",
                f"{row[ix['YEAR']]!r}-{row[ix['MONTH']]!r} is not a month",
            ) from None
        last = max(last, (year, month))
        partner = mapper(row[ix["CTY_CODE"]].strip(), f"line {n}, column CTY_CODE")
        code, level = row[ix[commodity]].strip(), row[ix["COMM_LVL"]].strip()
        if not code.isdigit() or level != f"HS{len(code)}":
            raise InputError(
                path, f"line {n}, column {commodity}", f"{code!r} is not an {level} code"
            )
        add_values(
            out,
            path,
            f"line {n}",
            row,
            ix,
            value_cols,
            partner=partner,
            period=period,
            ps=level,
            pc=code,
        )
    if not out["value"]:
        raise InputError(path, "", "no data rows", expected="rows after the header")
    stage_columns(
        con,
        {
            "source": SOURCE,
            "dataset": "trade_by_country_hs",
            "flow": out["flow"],
            "reporter": "USA",
            "partner": out["partner"],
            "product_scheme": out["ps"],
            "product_code": out["pc"],
            "measure": out["measure"],
            "unit": "USD",
            "period": out["period"],
            "freq": "M",
            "value": out["value"],
        },
    )
    skipped = [c for c in header if c.endswith(("_VAL_MO", "_WGT_MO")) and c not in VALUE_COLUMNS]
    notes = [f"{len(out['value']):,} values, newest month {last[0]}-{last[1]:02d}"]
    if skipped:
        notes.append(f"not loaded: {', '.join(skipped)} (by-mode columns)")
    v, how, more = provenance.vintage(
        manifest,
        estimated_census_release(*last),
        f"estimated: newest month {last[0]}-{last[1]:02d} + FT-900 lag",
    )
    return StageInfo(
        format=FORMAT, vintage=v, vintage_from=how, notes=more + notes, warnings=mapper.warnings()
    )
