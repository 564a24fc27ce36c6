"""Statistics Canada full-table CSV ("database loading" layout), any table.

Layout: ``REF_DATE, GEO, DGUID, <dimensions...>, UOM, UOM_ID, SCALAR_FACTOR, SCALAR_ID, VECTOR,
COORDINATE, VALUE, STATUS, SYMBOL, TERMINATED, DECIMALS`` (UTF-8 with BOM, every field quoted
in StatCan's own files; an extra leading unnamed index column, as some extractors add, is
ignored). Rules:

- **dataset** ``statcan_<8-digit table id>``: from a provenance manifest (``id =
  "36-10-0008-01"``, or ``dataset`` when the id is not known), else from the file name StatCan
  gives (``3610000801_databaseLoadingData.csv``, ``36100008.csv``, ``36100008-eng.csv``). A file
  that states neither (an extract renamed by a third party) is refused with a manifest template;
- **reporter** ``CAN``; ``GEO`` ``Canada`` = the whole country (geo NULL), a province or territory
  = ``iso3166_2`` (``CA-ON``), anything else = ``statcan_dguid`` + the row's ``DGUID``;
- **dimensions** (the columns between ``DGUID`` and ``UOM``; they vary by table): a trading
  partner / countries dimension -> ``partner`` (StatCan English names -> ISO alpha-3 or a
  ``STATCAN_*`` grouping through ``norte/data/codes/statcan.csv``, scheme ``statcan_country``);
  ``Trade`` (Export/Import) -> ``flow``; a NAPCS/HS product dimension -> ``product_scheme`` +
  the member's bracketed code (``[C11]``; ``All sections`` = NULL); ``Seasonal adjustment`` ->
  ``adj``; every other dimension -> ``detail`` as ``<slug of the dimension>=<bracketed code or
  slug of the member>``. Table profiles (``norte/data/statcan_tables.toml``) name a table's
  measure and map a dimension to norte codes (36-10-0008-01: ``direction=outward|inward``);
- ``detail`` always holds ``adj`` (annual tables without a seasonal-adjustment dimension are
  ``nsa``; monthly/quarterly ones without it need ``adj`` in the manifest) and ``vector=v...``
  (StatCan's series id), keys sorted;
- **unit and scale**: ``UOM`` -> norte unit (``Dollars`` -> ``CAD``, ``Chained (2017) dollars``
  -> ``CAD_chained_2017``, ``Index, 2017=100`` -> ``index_2017=100``, ...); ``SCALAR_FACTOR``
  applied (thousands x1e3, millions x1e6: values in base units), checked against ``SCALAR_ID``;
- **status**: ``STATUS`` and ``SYMBOL`` through StatCan's symbol legend (``..`` not available,
  ``...`` not applicable, ``x`` suppressed, ``E`` use with caution, ``F`` too unreliable, ``p``
  preliminary, ``r`` revised, ``A``-``D`` quality, ``0s``), plus ``terminated`` from
  ``TERMINATED`` = ``t``; an unknown symbol fails the load naming the line and column. An empty
  ``VALUE`` is stored as NULL (with its symbol, or ``missing``);
- ``REF_DATE`` ``YYYY`` -> A; ``YYYY-MM`` -> M, or Q when every series steps by 3 months;
- vintage: the manifest's ``release_date``; else estimated from the newest period (the data
  CSV carries no release date; StatCan puts it in the separate ``_MetaData.csv``).
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from norte import provenance
from norte.errors import InputError
from norte.sources.common import peek, read_bytes_maybe_gzip, stage_columns
from norte.sources.series import detail, estimated_release, parse_period, scaled
from norte.sources.statcan_codes import Dims, codes, profiles, scale_of, symbols
from norte.store.db import StageContext, StageInfo

SOURCE = "statcan"
FORMAT = "statcan-table"
DESCRIPTION = "Statistics Canada full-table CSV (database loading layout), any table"
HEAD = ("REF_DATE", "GEO", "DGUID")
TAIL = ("UOM", "SCALAR_FACTOR", "VECTOR", "VALUE", "STATUS", "SYMBOL")
PID_NAME = re.compile(r"^(\d{8})(\d{2})?(?:-eng|-fra)?(?:_databaseLoadingData)?\.csv(?:\.gz)?$")
LAG_DAYS = {"A": 120, "Q": 60, "M": 50}


def _header(path: Path) -> list[str]:
    line = peek(path, 4096).decode("utf-8-sig", "replace").split("\n", 1)[0]
    return next(csv.reader([line]), [])


def _columns(header: list[str]) -> tuple[int, list[str]] | None:
    """(offset of REF_DATE, the dimension names) when ``header`` is the full-table layout."""
    h = [c.strip() for c in header]
    off = 1 if h[:1] == [""] else 0
    if tuple(h[off : off + 3]) != HEAD or not all(c in h for c in TAIL):
        return None
    return off, h[off + 3 : h.index("UOM")]


def detect(path: Path) -> bool:
    if not path.name.lower().endswith((".csv", ".csv.gz")):
        return False
    return _columns(_header(path)) is not None


def _dataset(path: Path, manifest: provenance.Manifest | None) -> tuple[str, str]:
    if manifest is not None and manifest.text("dataset"):
        return str(manifest.text("dataset")), f"dataset from {manifest.path.name}"
    if manifest is not None and manifest.text("id"):
        digits = re.sub(r"\D", "", str(manifest.text("id")))
        if len(digits) < 8:
            raise InputError(
                manifest.path,
                "key 'id'",
                f"{manifest.text('id')!r} is not a StatCan table id",
                expected="e.g. '36-10-0008-01'",
            )
        named = PID_NAME.match(path.name)
        if named and named.group(1) != digits[:8]:
            raise InputError(
                manifest.path,
                "key 'id'",
                f"{manifest.text('id')!r}, but the file name says table {named.group(1)}",
                hint="the manifest belongs to another table: fix its id or move it",
            )
        return f"statcan_{digits[:8]}", f"table {manifest.text('id')} from {manifest.path.name}"
    m = PID_NAME.match(path.name)
    if m:
        return f"statcan_{m.group(1)}", f"table id from the file name ({m.group(1)})"
    raise provenance.refuse(
        path,
        "the file does not say which StatCan table it is (its name is not the table id)",
        ["agency", "id", "url"],
        {"agency": '"Statistics Canada"'},
    )


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    text = read_bytes_maybe_gzip(path).decode("utf-8-sig", "replace")
    reader = csv.reader(io.StringIO(text))
    header = [c.strip() for c in next(reader, [])]
    cols = _columns(header)
    if cols is None:
        raise InputError(
            path,
            "line 1 (header)",
            "not a StatCan full-table header",
            expected="REF_DATE, GEO, DGUID, <dimensions>, UOM, ..., VALUE, STATUS, SYMBOL, ...",
        )
    off, names = cols
    manifest = provenance.lookup(path, ctx.options)
    dataset, dataset_from = _dataset(path, manifest)
    unknown = ctx.options.get("unknown_codes", "error")
    dims = Dims(path, names, profiles().get(dataset, {}), unknown)
    measure = profiles().get(dataset, {}).get("measure", "value")
    ix = {c: i for i, c in enumerate(header) if c}
    dim_ix = [off + 3 + k for k in range(len(names))]
    provinces = codes("iso3166_2")
    out: dict[str, list[Any]] = {k: [] for k in ("flow", "partner", "ps", "pc", "gs", "gc")}
    out |= {k: [] for k in ("detail", "unit", "period", "value", "status", "vector", "adj")}
    seen: dict[tuple[str, str], int] = {}
    units: dict[tuple[str, str, str], tuple[str, Decimal]] = {}
    warnings: list[str] = []
    annual = True
    periods: dict[str, Any] = {}
    for n, row in enumerate(reader, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise InputError(
                path,
                f"line {n}",
                f"{len(row)} fields, the header has {len(header)}",
                hint="the file looks truncated or edited: download it again",
            )
        cells = _Row(row, ix)
        ref, vector = cells["REF_DATE"].strip(), cells["VECTOR"].strip()
        if (vector, ref) in seen:
            raise InputError(
                path,
                f"lines {seen[(vector, ref)]} and {n}",
                f"vector {vector} has two values for {ref}",
                hint="the file was edited or concatenated: download it again",
            )
        seen[(vector, ref)] = n
        key = (cells["UOM"], cells["SCALAR_FACTOR"], cells.get("SCALAR_ID", ""))
        if key not in units:
            units[key] = scale_of(path, n, key, unknown, warnings)
        unit, scale = units[key]
        partner, flow, ps, pc, adj, pairs = dims(tuple(row[i] for i in dim_ix), n)
        geo = cells["GEO"].strip()
        gs, gc = (None, None) if geo == "Canada" else ("iso3166_2", provinces.get(geo))
        if gs and gc is None:
            gs, gc = "statcan_dguid", cells["DGUID"].strip() or None
        raw = cells["VALUE"].strip()
        status = symbols(cells, path, n)
        value = None if raw == "" else scaled(raw, scale, path, f"line {n}, column VALUE")
        if value is None and not status:
            status = ["missing"]
        out["flow"].append(flow)
        out["partner"].append(partner)
        out["ps"].append(ps)
        out["pc"].append(pc)
        out["gs"].append(gs)
        out["gc"].append(gc)
        out["detail"].append(pairs)
        out["adj"].append(adj)
        out["vector"].append(vector)
        out["unit"].append(unit)
        period = periods.get(ref)
        if period is None:
            period = periods[ref] = parse_period(ref, path, f"line {n}, column REF_DATE")
        out["period"].append(period)
        out["value"].append(value)
        out["status"].append(";".join(status) or None)
        annual = annual and len(ref) == 4
        if len(ref) > 7:
            raise InputError(
                path,
                f"line {n}, column REF_DATE",
                f"{ref!r}: daily or weekly data",
                expected="YYYY or YYYY-MM (norte stores monthly, quarterly and annual series)",
            )
    if not out["period"]:
        raise InputError(path, "line 2", "no data rows", expected="one row per series and period")
    freq = _freq(annual, out["period"], out["vector"], manifest)
    _check_manifest(path, manifest, units)
    default_adj = (manifest.text("adj") if manifest else None) or ("nsa" if freq == "A" else None)
    if any(a is None for a in out["adj"]) and default_adj is None:
        raise InputError(
            path,
            "header",
            f"no 'Seasonal adjustment' dimension in a table of frequency {freq}",
            expected='adj = "sa" | "saar" | "nsa" | "trend" in the file\'s manifest',
            hint=provenance.template(path, ["agency", "id", "url", "adj"]),
        )
    details = [
        detail(p | {"adj": a or default_adj, "vector": v})
        for p, a, v in zip(out["detail"], out["adj"], out["vector"], strict=True)
    ]
    stage_columns(
        con,
        {
            "source": SOURCE,
            "dataset": dataset,
            "flow": out["flow"],
            "reporter": "CAN",
            "partner": out["partner"],
            "product_scheme": out["ps"],
            "product_code": out["pc"],
            "geo_scheme": out["gs"],
            "geo_code": out["gc"],
            "detail": details,
            "measure": measure,
            "unit": out["unit"],
            "period": out["period"],
            "freq": freq,
            "value": out["value"],
            "status": out["status"],
        },
    )
    last = max(out["period"])
    est, how = estimated_release(last, freq, LAG_DAYS[freq])
    vintage, vintage_from, notes = provenance.vintage(manifest, est, how)
    n_vec = len({v for v in out["vector"]})
    notes.insert(
        0, f"{dataset} ({dataset_from}): {len(details):,} rows, {n_vec:,} vectors, freq {freq}"
    )
    notes.append("dimensions: " + ", ".join(names))
    if off:
        notes.append("leading unnamed index column (added by an extractor) ignored")
    return StageInfo(
        format=FORMAT,
        vintage=vintage,
        vintage_from=vintage_from,
        notes=notes,
        warnings=warnings + dims.warnings,
    )


class _Row:
    """A CSV row read by column name (no per-row dict)."""

    __slots__ = ("ix", "row")

    def __init__(self, row: list[str], ix: dict[str, int]) -> None:
        self.row, self.ix = row, ix

    def __getitem__(self, col: str) -> str:
        return self.row[self.ix[col]]

    def get(self, col: str, default: str = "") -> str:
        i = self.ix.get(col)
        return default if i is None else self.row[i]


def _freq(
    annual: bool, periods: list[Any], vectors: list[str], manifest: provenance.Manifest | None
) -> str:
    """A when every REF_DATE is a year; else Q when every series steps by 3 months, else M."""
    if manifest is not None and manifest.text("freq"):
        return str(manifest.text("freq"))
    if annual:
        return "A"
    steps: set[int] = set()
    by_vector: dict[str, list[int]] = {}
    for p, v in zip(periods, vectors, strict=True):
        by_vector.setdefault(v, []).append(p.year * 12 + p.month - 1)
    for m in by_vector.values():
        m.sort()
        steps.update(b - a for a, b in zip(m, m[1:], strict=False))
    if steps and all(s % 3 == 0 for s in steps) and all(p.month in (1, 4, 7, 10) for p in periods):
        return "Q"
    return "M"


def _check_manifest(
    path: Path,
    manifest: provenance.Manifest | None,
    units: dict[tuple[str, str, str], tuple[str, Decimal]],
) -> None:
    """A manifest's unit and scale, when given, must be what the file's UOM and SCALAR_FACTOR
    say (the file's own columns are what norte applies)."""
    if manifest is None:
        return
    for (uom, factor, _), (unit, scale) in units.items():
        if manifest.get("unit") is not None and manifest.text("unit") != unit:
            raise InputError(
                manifest.path,
                "key 'unit'",
                f"{manifest.text('unit')!r}, but {path.name} says UOM {uom!r} ({unit})",
                hint="fix the manifest's unit (or leave it out: the file states it)",
            )
        if manifest.get("scale") is not None and Decimal(str(manifest.scale)) != scale:
            raise InputError(
                manifest.path,
                "key 'scale'",
                f"{manifest.get('scale')!r}, but {path.name} says SCALAR_FACTOR {factor!r}",
                hint="fix the manifest's scale (or leave it out: the file states it)",
            )
