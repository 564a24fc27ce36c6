"""BTS North American TransBorder Freight Data: the monthly raw-data zips, as BTS distributes them.

What a load reads
- A zip (``https://www.bts.gov/sites/bts.dot.gov/files/transborder-raw/YYYY/<Month>.zip``, one
  per month) holding ``dot1_MMYY.csv``, ``dot2_MMYY.csv``, ``dot3_MMYY.csv``; or one of those
  CSVs unzipped. One file = one load (one sha256, one ``loads`` row).
- Zip names are inconsistent in the wild (``January2020``, ``Jan2023``, ``sept2023``): the
  period of every row comes from its ``YEAR``/``MONTH`` columns, never from a file name.
- Every inner CSV is recognised by its **header**, never by position: dot1 (U.S. state × port)
  ``TRDTYPE,USASTATE,DEPE,DISAGMOT,MEXSTATE,CANPROV,COUNTRY,VALUE,SHIPWT,FREIGHT_CHARGES,DF,
  CONTCODE,MONTH,YEAR``; dot2 (U.S. state × HS2) has ``COMMODITY2`` where dot1 has ``DEPE``;
  dot3 (port × HS2) has ``DEPE`` and ``COMMODITY2`` and no states. Columns are read by name,
  so any order works; a missing or unexpected column is an error naming the file and line 1.
- **Annual files** (``dot1_2021.csv``, ``dot3_2022.csv`` in the December 2021/2022 zips): no
  ``MONTH`` column and ``DF,CONTCODE,YEAR`` before the measures. They are stored as what they
  are: ``freq='A'``, period ``YYYY-01-01``, in their own datasets ``transborder_dot1_annual`` /
  ``transborder_dot2_annual`` / ``transborder_dot3_annual``; the monthly datasets never hold
  them, so no query over ``transborder_dotN`` counts a year twice. (In the real files the annual
  totals equal the sums of the twelve monthly files.)
- **Year-to-date files** (``*_ytd_*``, e.g. ``dot1_ytd_0320.csv`` in the March 2020 zip): the
  same header as the monthly files and, in the real files, the same rows as the monthly files
  of January..that month. They are **skipped** (named in the load's notes): loading them would
  repeat months already loaded.

Decoding (code lists in ``norte/data/codes/transborder_*.csv``, made from BTS ``codes_all.xls``
and the PDF beside it; in the ``transborder_*`` schemes ``parent`` is the code norte stores)
- ``TRDTYPE`` 1/2 -> flow ``export``/``import``; reporter ``USA``; ``COUNTRY`` 1220/2010 ->
  partner ``CAN``/``MEX``.
- ``DISAGMOT`` -> ``mode``: 1 ``vessel``, 3 ``air``, 4 ``mail``, 5 ``truck``, 6 ``rail``,
  7 ``pipeline``, 8 ``other``, 9 ``ftz`` (scheme ``mode``, labels en/es/fr).
- ``USASTATE`` -> ISO 3166-2 ``US-TX``; ``MEXSTATE`` -> ``MX-NLE`` (BTS ``BN`` Baja California
  Norte and ``BC`` both -> ``MX-BCN``; ``DF`` -> ``MX-CMX``); ``CANPROV`` -> ``CA-ON``.
  ``COMMODITY2`` -> product ``HS2``/``87``. ``DEPE`` is kept as the CBP port code (``2304``
  Laredo) or district (``23XX``), geo scheme ``us_port`` (the codes of the BTS crossing data).
- Primary geography: dot1 and dot2 -> the U.S. state (``geo_scheme='iso3166_2'``); dot3 -> the
  port (``geo_scheme='us_port'``). The other dimensions go to ``detail`` as
  ``key=value;key=value`` with sorted keys and empty ones left out: ``canprov`` (ISO),
  ``contcode`` (BTS code: X, 0, 1), ``df`` (1 domestic, 2 foreign; exports only), ``mexstate``
  (ISO), ``port`` (dot1 only). Example: ``contcode=0;df=1;mexstate=MX-NLE;port=2304``.
- Measures: ``VALUE`` -> ``value`` (USD), ``SHIPWT`` -> ``shipping_weight`` (kg),
  ``FREIGHT_CHARGES`` -> ``freight_charges`` (USD). ``value`` is always stored; weight and
  freight rows are stored only when **non-zero**: the files carry 0 where the item was not
  collected (BTS: export weights are not available for land modes — every export row by mail,
  truck, rail, pipeline or other has SHIPWT 0 in 2020-2023; every export to Mexico has
  FREIGHT_CHARGES 0). A missing row sums as zero, so totals are unchanged.

Honest gaps between the data and ``codes_all.xls`` (the authority), found in the 2020-2023 files
and shipped as documented codes of ``kind='unknown'`` / ``'undocumented'``:
- documented "unknown" codes: ``USASTATE`` DU -> ``US-UNKNOWN``, ``MEXSTATE`` OT ->
  ``MX-UNKNOWN``, ``CANPROV`` OT -> ``CA-UNKNOWN`` (not ISO codes; labelled in ``codes``);
- not in the code list at all: ports ``2401`` and ``2383`` and district ``59XX`` (kept as
  found, names unknown), ``MEXSTATE`` ``XX`` (exports to Mexico by vessel and air; stored as
  ``MX-BTS-XX``, kept apart from OT), ``CONTCODE`` ``1`` (kept as found). Note that the code
  list gives ``X`` = containerized, yet X is on every export to Canada, pipeline included.
Any other code not in the lists fails the load: the error names the file (zip and inner CSV),
the line, the column, the code and the fix; the store is unchanged.

Duplicates: the real monthly files hold no two rows with the same codes (checked for all 45
zips). A repeated key is an error, not summed: the load checks the decoded keys of its raw rows
(a fast hash-count check, exact GROUP BY only when it fails; one raw row's measures never share
a key, so unique raw keys mean unique observation keys).

Vintage: the files carry no release date. BTS publishes a month's TransBorder data about seven
to eight weeks after the month ends (BTS's TransBorder page of September 2016 showed June 2016
as the newest month and announced the next release for 2016-09-22), so the vintage is
estimated as the last day of the newest month in the file + 55 days (annual-only file:
31 December + 55 days). ``--vintage`` overrides it.

Storage and speed (issue #3; figures in docs/benchmarks.md): the rows are stored WIDE, one per
raw row, in the store's ``transborder_wide`` table (codes decoded, the three measures side by
side); the ``observations`` view shows them as the long rows described above (one per measure,
weight and freight only where non-zero). All the files of a command are one batch
(:func:`stage_many`): every deflated member is copied, still compressed, into a gzip file of a
temporary folder (:func:`_deflated_as_gzip`: DuckDB inflates it while reading), then one
statement per table layout reads all files of that layout with a multi-file DuckDB
``read_csv`` (explicit column types; every code column typed as an ENUM of its known codes, so
an unknown code fails the read), decodes the codes, tags each row with its file's load id and
vintage, and inserts into ``transborder_wide``; one aggregate over the batch's rows finds empty
required fields and proves the keys unique (an error rolls the command back). No Python loop
over rows: only when DuckDB rejects a statement (or the check finds an empty field) are the
files re-read one by one and the bad one scanned in Python to name the line, column and code.
:func:`stage` loads one file alone: the store's path for files whose dataset and vintage are
already stored (the never-twice anti-join).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from norte.errors import InputError, NorteError
from norte.sources.transborder_files import (
    DataFile,
    _collect,
    _first_member_name,
    _header_of,
)
from norte.sources.transborder_layout import _DATA_NAME, _YTD
from norte.sources.transborder_layout import SOURCE as SOURCE
from norte.sources.transborder_sql import _check, _diagnose, _repeat_error, _wide
from norte.store.db import BatchStage, StageContext, StageInfo

FORMAT = "transborder"
DESCRIPTION = (
    "BTS TransBorder Freight raw data: monthly zip of dot1/dot2/dot3 CSVs (or one such CSV)"
)

#: BTS release lag used to estimate the vintage (see the module docstring).
RELEASE_LAG_DAYS = 55


def detect(path: Path) -> bool:
    name = path.name.lower()
    if name.endswith(".zip"):
        try:
            with zipfile.ZipFile(path) as z:
                return any(_DATA_NAME.match(Path(n).name) for n in z.namelist())
        except (zipfile.BadZipFile, OSError):
            return bool(_DATA_NAME.match(Path(_first_member_name(path)).name))
    if name.endswith(".csv"):
        if _DATA_NAME.match(path.name):
            return True
        header = _header_of(path)
        return "TRDTYPE" in header and "DISAGMOT" in header and "COUNTRY" in header
    return False


# -- stage ----------------------------------------------------------------------------------


def _vintage(files: list[DataFile]) -> tuple[dt.date, str]:
    year, month = max((f.year, f.month) for f in files)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    vintage = nxt - dt.timedelta(days=1) + dt.timedelta(days=RELEASE_LAG_DAYS)
    return vintage, (
        f"estimated: newest month {year}-{month:02d}, end of month + "
        f"{RELEASE_LAG_DAYS} days (BTS release lag)"
    )


def _plan(path: Path, files: list[DataFile], notes: list[str]) -> tuple[StageInfo, list[DataFile]]:
    """The load's StageInfo (no ``stream``) and the files to read (none for a YTD-only CSV)."""
    if not files:
        raise InputError(
            path, "zip directory", "only year-to-date files inside", expected="dotN_MMYY.csv"
        )
    vintage, vintage_from = _vintage(files)
    if len(files) == 1 and files[0].csv_path == path and _YTD.search(path.name):
        notes.append(f"skipped {path.name} (year-to-date file: repeats monthly rows)")
        return StageInfo(FORMAT, vintage, vintage_from, notes=notes, datasets=()), []
    for f in files:
        kind = "annual (freq A)" if f.annual else f"{f.year}-{f.month:02d}"
        notes.append(f"{f.name}: {f.table} {kind} -> {f.dataset}")
    if any(f.annual for f in files):
        notes.append("annual files stored as freq A in transborder_dotN_annual datasets")
    info = StageInfo(
        format=FORMAT,
        vintage=vintage,
        vintage_from=vintage_from,
        notes=notes,
        wide=True,
        check_unique=False,  # checked on the wide rows (see _check)
        datasets=tuple(sorted({f.dataset for f in files})),
        slices=tuple(sorted({(f.dataset, f.period) for f in files})),
    )
    return info, files


def _rejected(path: Path | str, e: BaseException, suspects: list[DataFile]) -> NorteError:
    """The error for rows DuckDB rejected (or an empty required field) in ``suspects``:
    each file is read again on its own by an in-memory DuckDB (fast) until one fails, then a
    Python scan of that file names the line, column and code."""
    probe = duckdb.connect()
    try:
        for f in suspects:
            if len(suspects) > 1:
                try:
                    rows = probe.execute(
                        f"SELECT count(*) - count(flow), min(period) FROM ({_wide([f])})"  # noqa: S608
                    ).fetchall()
                    if rows[0][0] == 0:
                        continue  # DuckDB reads this file cleanly, with no empty field
                except duckdb.Error:
                    pass
            found = _diagnose(f)
            if found is not None:
                return found
    finally:
        probe.close()
    names = ", ".join(f.name for f in suspects)
    return InputError(path, "", f"DuckDB rejected {names}: {e}", hint="download it again")


def _extract_all(paths: list[Path], tmp: Path) -> list[tuple[list[DataFile], list[str]]]:
    """``_collect`` of every path into its own folder of ``tmp``, two zips at a time (mostly
    file copies; members that are not deflated are inflated in Python, which releases the
    GIL); errors come in path order."""

    def one(k: int) -> tuple[list[DataFile], list[str]]:
        notes: list[str] = []
        sub = tmp / str(k)
        sub.mkdir()
        return _collect(paths[k], sub, notes), notes

    if len(paths) == 1:
        return [one(0)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(one, range(len(paths))))


def stage_many(
    con: duckdb.DuckDBPyConnection, paths: list[Path], ctxs: list[StageContext]
) -> BatchStage:
    """Several zips/CSVs as one batch: all their files of one table and header are read by one
    multi-file ``read_csv`` (DuckDB reads them in parallel), each row tagged with its file's
    load id and vintage."""
    tmpdir = tempfile.TemporaryDirectory(prefix="norte-transborder-")
    try:
        planned = [
            _plan(p, files, notes)
            for p, (files, notes) in zip(paths, _extract_all(paths, Path(tmpdir.name)), strict=True)
        ]
    except BaseException:
        tmpdir.cleanup()
        raise

    def insert(targets: list[tuple[int, dt.date]], emit: Callable[[str], None]) -> None:
        groups: dict[tuple[str, bool, tuple[str, ...]], list[tuple[DataFile, int]]] = {}
        for k, (_, files) in enumerate(planned):
            for f in files:
                groups.setdefault((f.table, f.annual, tuple(f.header)), []).append((f, k))
        for members in groups.values():
            group = [f for f, _ in members]
            try:
                emit(_wide(group, [targets[k] for _, k in members]))
            except duckdb.Error as e:
                bad = _rejected(paths[members[0][1]], e, group)
                raise bad from e
        first_id, last_id = targets[0][0], targets[-1][0]
        index = {load_id: k for k, (load_id, _) in enumerate(targets)}
        missing, repeated = _check(con, first_id, last_id)
        if missing is not None:
            k = index[missing]
            raise _rejected(paths[k], ValueError("an empty required field"), planned[k][1])
        if repeated is not None:
            load_id, other, n, desc = repeated
            twin = paths[index[other]] if other != load_id else None
            raise _repeat_error(paths[index[load_id]], twin, n, desc)

    return BatchStage(infos=[info for info, _ in planned], insert=insert, cleanup=tmpdir.cleanup)


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    """One file on its own (the store uses this when a file's rows overlap rows of the same
    dataset and vintage already stored: the never-twice anti-join runs per observation)."""
    tmpdir = tempfile.TemporaryDirectory(prefix="norte-transborder-")
    try:
        info, files = _plan(path, *_extract_all([path], Path(tmpdir.name))[0])
    except BaseException:
        tmpdir.cleanup()
        raise
    if not files:
        tmpdir.cleanup()
        return info

    def stream(emit: Callable[[str], int]) -> None:
        # One INSERT reads every file of the zip into the store's wide table, then one
        # aggregate finds empty required fields and proves the keys unique.
        try:
            try:
                emit("\nUNION ALL\n".join(_wide([f]) for f in files))
            except duckdb.Error as e:
                raise _rejected(path, e, files) from e
            assert ctx.load_id is not None
            missing, repeated = _check(con, ctx.load_id, ctx.load_id)
            if missing is not None:
                raise _rejected(path, ValueError("an empty required field"), files)
            if repeated is not None:
                raise _repeat_error(path, None, repeated[2], repeated[3])
        finally:
            tmpdir.cleanup()

    info.stream = stream
    return info
