"""BTS Border Crossing Entry Data: inbound crossings at U.S. land ports, monthly.

Reads the CSV BTS publishes (``Border_Crossing_Entry_Data.csv``, data.bts.gov ``keg4-3bc2``),
plain or gzip-compressed. Quirks:

- columns ``Port Name, State, Port Code, Border, Date, Measure, Value, Latitude, Longitude,
  Point``; one row per port, month and measure; ``Date`` is ``Jan 2024`` (``%b %Y``);
- counts are **inbound only** (entering the U.S.) and are not trade: stored with ``flow`` NULL,
  ``reporter`` ``USA`` and ``partner`` the country across the border (``US-Mexico Border`` ->
  ``MEX``, ``US-Canada Border`` -> ``CAN``); ``geo_scheme`` ``us_port``, ``geo_code`` the
  4-digit CBP port code kept as text (``0104``); an unknown border fails the load;
- ``Measure`` becomes a snake_case measure with its own unit (:data:`MEASURES`): vehicles
  (trucks, buses, personal vehicles), containers, trains or persons. Containers and passengers
  are *not* additional to the vehicles that carry them: never sum across measures;
- port codes are checked against ``norte/data/codes/bts_ports.csv`` (scheme ``us_port``, built
  from this file: 117 ports); a port not in it fails the load unless ``--unknown-codes keep``
  (stored, with a warning). Two ports share the name Eastport (Maine 0103, Idaho 3302);
- coordinates: ``Point`` (``POINT (lon lat)``, 6 decimals) is more precise than
  ``Latitude``/``Longitude`` (3 decimals) and is preferred. Each port's name, state and
  coordinates (from its newest row) go into the store table ``places`` (scheme ``us_port``),
  replaced on every load, inside the load's transaction;
- the file repeats some rows: rows identical in every column (10 pairs in the 2025-02 file, all
  June 2019) are stored once; rows for the same port, month and measure with *different* values
  (Sasabe, Feb 2021, Bus Passengers: 0 and 2175) are stored with value NULL and status
  ``conflicting_duplicates``, and a warning lists the values and lines;
- the file carries no release date: the vintage is estimated as the newest month's end + 60
  days (BTS posts a month about two months after it ends; UNCONFIRMED) — pass ``--vintage``
  with the download date when known.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb

from norte.errors import InputError, UnknownCodeError
from norte.sources.common import peek
from norte.store.db import STAGE_TABLE, StageContext, StageInfo, first

SOURCE = "bts"
FORMAT = "bts-crossings"
DATASET = "border_crossings"
DESCRIPTION = "BTS Border Crossing Entry Data (inbound crossings at U.S. land ports, CSV or .gz)"
COLUMNS = (
    "Port Name",
    "State",
    "Port Code",
    "Border",
    "Date",
    "Measure",
    "Value",
    "Latitude",
    "Longitude",
    "Point",
)
REQUIRED = COLUMNS[:7]
BORDERS = {"US-Mexico Border": "MEX", "US-Canada Border": "CAN"}
#: BTS measure -> (norte measure, unit)
MEASURES = {
    "Trucks": ("trucks", "vehicles"),
    "Truck Containers Loaded": ("truck_containers_loaded", "containers"),
    "Truck Containers Empty": ("truck_containers_empty", "containers"),
    "Trains": ("trains", "trains"),
    "Rail Containers Loaded": ("rail_containers_loaded", "containers"),
    "Rail Containers Empty": ("rail_containers_empty", "containers"),
    "Train Passengers": ("train_passengers", "persons"),
    "Buses": ("buses", "vehicles"),
    "Bus Passengers": ("bus_passengers", "persons"),
    "Personal Vehicles": ("personal_vehicles", "vehicles"),
    "Personal Vehicle Passengers": ("personal_vehicle_passengers", "persons"),
    "Pedestrians": ("pedestrians", "persons"),
}
LAG_DAYS = 60
RAW = "_bts_raw"
_POINT = r"^POINT \((-?[0-9.]+) (-?[0-9.]+)\)$"


@cache
def known_ports() -> frozenset[str]:
    """CBP port codes listed in ``norte/data/codes/bts_ports.csv``."""
    path = resources.files("norte") / "data" / "codes" / "bts_ports.csv"
    text = path.read_text(encoding="utf-8")
    return frozenset(r["code"] for r in csv.DictReader(io.StringIO(text)))


def _header(path: Path) -> list[str]:
    head = peek(path, 4096)
    line = head.decode("utf-8-sig", "replace").splitlines()[0] if head else ""
    return next(csv.reader(io.StringIO(line)), []) if line else []


def detect(path: Path) -> bool:
    name = path.name.lower()
    if not (name.endswith(".csv") or name.endswith(".csv.gz")):
        return False
    return all(c in _header(path) for c in REQUIRED)


def _read(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    header = _header(path)
    if not header:
        raise InputError(
            path,
            "line 1",
            "no header line (empty, or not a readable CSV/gzip file)",
            expected=", ".join(COLUMNS),
            hint="download the file again from data.bts.gov",
        )
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            path,
            "line 1 (header)",
            f"missing column(s) {', '.join(missing)} (header: {', '.join(header)})",
            expected=", ".join(COLUMNS),
            hint="this is not the Border Crossing Entry Data CSV, or it was edited",
        )
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {RAW} AS SELECT row_number() OVER () + 1 AS _line, "  # noqa: S608
            "try_strptime(Date, '%b %Y')::DATE AS _period, * "
            "FROM read_csv(?, header = true, "
            "delim = ',', quote = '\"', escape = '\"', all_varchar = true, "
            f"compression = '{'gzip' if gz else 'none'}', null_padding = false)",
            [str(path)],
        )
    except duckdb.Error as e:
        msg = str(e).split("\n")[0]
        raise InputError(
            path,
            "",
            f"cannot be read as CSV ({msg})",
            expected="a complete comma-separated file as downloaded",
            hint="the file may be truncated or corrupt: download it again",
        ) from e


def _first_bad(
    con: duckdb.DuckDBPyConnection, path: Path, col: str, line: int | None, expected: str
) -> None:
    if line is None:
        return
    cols = [c for c in col.split("/") if c in _columns(con)]
    vals = first(
        con.execute(
            f"SELECT {', '.join(_q(c) for c in cols)} FROM {RAW} WHERE _line = ?",  # noqa: S608
            [line],
        )
    )
    shown = ", ".join(f"{c}={v!r}" for c, v in zip(cols, vals or (), strict=False))
    raise InputError(path, f"line {line}, column {col}", f"bad value ({shown})", expected=expected)


def _check(con: duckdb.DuckDBPyConnection, path: Path, unknown: str) -> list[str]:
    """Validate every row; raise at the first bad line (``_line``; 1 is the header).

    Per-row checks are one scan; the categorical columns are checked on their distinct values
    (a few hundred), which also builds the small mapping tables the staging query joins.
    """
    cols = set(_columns(con))
    coord = []
    for c in ("Latitude", "Longitude"):
        if c in cols:
            coord.append(f"({c} IS NOT NULL AND try_cast({c} AS DOUBLE) IS NULL)")
    if "Point" in cols:
        coord.append(f"(Point IS NOT NULL AND NOT regexp_matches(Point, '{_POINT}'))")
    row = first(
        con.execute(
            "SELECT count(*), min(_line) FILTER (WHERE try_cast(Value AS BIGINT) IS NULL "  # noqa: S608
            "OR try_cast(Value AS BIGINT) < 0), "
            f"min(_line) FILTER (WHERE {' OR '.join(coord) or 'false'}) FROM {RAW}"
        )
    )
    assert row is not None
    if row[0] == 0:
        raise InputError(
            path, "line 2", "no data rows", expected="one row per port, month, measure"
        )
    _first_bad(con, path, "Value", row[1], "a whole number of crossings (0 or more)")
    _first_bad(con, path, "Latitude/Longitude/Point", row[2], "decimal degrees, 'POINT (lon lat)'")

    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _bts_dates AS
SELECT Date, any_value(_period) AS period, min(_line) AS line
FROM {RAW} GROUP BY Date"""  # noqa: S608
    )
    bad = first(con.execute("SELECT min(line) FROM _bts_dates WHERE period IS NULL"))
    _first_bad(con, path, "Date", bad[0] if bad else None, "a month like 'Jan 2024'")

    con.execute(
        "CREATE OR REPLACE TEMP TABLE _bts_map (kind VARCHAR, bts VARCHAR, code VARCHAR, "
        "unit VARCHAR)"
    )
    con.execute(
        "INSERT INTO _bts_map SELECT * FROM (VALUES "  # noqa: S608
        + ", ".join(["(?, ?, ?, ?)"] * (len(BORDERS) + len(MEASURES)))
        + ")",
        [x for b, c in BORDERS.items() for x in ("border", b, c, None)]
        + [x for m, (c, u) in MEASURES.items() for x in ("measure", m, c, u)],
    )
    for col, kind, expected in (
        ("Border", "border", " or ".join(BORDERS)),
        ("Measure", "measure", "one of: " + ", ".join(MEASURES)),
    ):
        hit = first(
            con.execute(
                f"SELECT {col}, min(_line) FROM {RAW} WHERE {col} IS NULL OR {col} NOT IN "  # noqa: S608
                f"(SELECT bts FROM _bts_map WHERE kind = ?) GROUP BY 1 ORDER BY 2 LIMIT 1",
                [kind],
            )
        )
        if hit is not None:
            raise UnknownCodeError(
                path,
                f"line {hit[1]}, column {col}",
                f"BTS {kind}",
                str(hit[0]),
                hint=f"expected {expected}; a new BTS category needs a mapping in "
                "norte/sources/bts_crossings.py",
            )

    ports = con.execute(
        f'SELECT "Port Code", any_value("Port Name"), min(_line) FROM {RAW} GROUP BY 1 '  # noqa: S608
        "ORDER BY 3"
    ).fetchall()
    for code, _, line in ports:
        if code is None or len(code) != 4 or not code.isdigit():
            _first_bad(con, path, "Port Code", line, "a 4-digit CBP port code like '2304'")
    known = known_ports()
    new = [p for p in ports if p[0] not in known]
    if new and unknown != "keep":
        code, name, line = new[0]
        raise UnknownCodeError(
            path,
            f"line {line}, column Port Code",
            "U.S. port (us_port)",
            code,
            hint=f"port {name!r} is not in norte/data/codes/bts_ports.csv: add it, or rerun "
            "with --unknown-codes keep to store it as is",
        )
    return [
        f"port {code} {name!r} (first at line {line}) is not in bts_ports.csv: stored as is"
        for code, name, line in new
    ]


def _columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {RAW}").fetchall()]


def _q(col: str) -> str:
    return '"' + col.replace('"', '""') + '"'


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    _read(con, path)
    try:
        warnings = _check(con, path, ctx.options.get("unknown_codes", "error"))
        return _stage(con, warnings)
    finally:
        for t in (RAW, "_bts_dates", "_bts_map", "_bts_dups"):
            con.execute(f"DROP TABLE IF EXISTS {t}")


_KEY = '"Port Code", Border, Date, Measure'


def _stage(con: duckdb.DuckDBPyConnection, warnings: list[str]) -> StageInfo:
    # Port x border x month x measure is a key of the store (the maps are one-to-one). Rows
    # repeating a key are rare: find them first, then stage one row per key.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _bts_dups AS
SELECT {_KEY}, any_value(_period) AS _period, count(*) AS n, count(DISTINCT Value::BIGINT) AS nv,
       list(Value ORDER BY _line) AS vals, list(_line ORDER BY _line) AS lines
FROM {RAW} WHERE ({_KEY}) IN (SELECT ({_KEY}) FROM {RAW} GROUP BY ALL HAVING count(*) > 1)
GROUP BY ALL"""  # noqa: S608
    )
    select = f"""SELECT '{SOURCE}', '{DATASET}', NULL, 'USA', b.code, 'us_port', r."Port Code",
       m.code, m.unit, r._period, 'M', {{value}}, {{status}}
FROM {{rows}} r
JOIN _bts_map b ON b.kind = 'border' AND b.bts = r.Border
JOIN _bts_map m ON m.kind = 'measure' AND m.bts = r.Measure"""  # noqa: S608
    cols = (
        "source, dataset, flow, reporter, partner, geo_scheme, geo_code, measure, unit, "
        "period, freq, value, status"
    )
    con.execute(
        f"INSERT INTO {STAGE_TABLE} ({cols}) "  # noqa: S608
        + select.format(
            value="r.Value::BIGINT",
            status="NULL",
            rows=f"(SELECT * FROM {RAW} WHERE ({_KEY}) NOT IN (SELECT ({_KEY}) FROM _bts_dups))",  # noqa: S608
        )
    )
    con.execute(
        f"INSERT INTO {STAGE_TABLE} ({cols}) "  # noqa: S608
        + select.format(
            value="CASE WHEN r.nv = 1 THEN r.vals[1]::BIGINT END",
            status="CASE WHEN r.nv > 1 THEN 'conflicting_duplicates' END",
            rows="_bts_dups",
        )
    )
    for port, border, date, measure, vals, lines in con.execute(
        f"SELECT {_KEY}, vals, lines FROM _bts_dups WHERE nv > 1 ORDER BY lines[1]"  # noqa: S608
    ).fetchall():
        warnings.append(
            f"port {port} ({border}), {date}, {measure}: the file gives different values "
            f"{', '.join(vals)} (lines {', '.join(map(str, lines))}): stored as NULL with "
            "status 'conflicting_duplicates'"
        )
    stats = first(
        con.execute(
            "SELECT (SELECT coalesce(sum(n - 1), 0) FROM _bts_dups WHERE nv = 1), "
            "(SELECT max(period) FROM _bts_dates)"
        )
    )
    assert stats is not None
    exact, last = int(stats[0]), stats[1]
    _places(con)
    notes = [f"newest month {last:%Y-%m}"]
    if exact:
        notes.append(f"{exact} rows repeated identically in the file were stored once")
    nxt = dt.date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    vintage = nxt - dt.timedelta(days=1) + dt.timedelta(days=LAG_DAYS)
    return StageInfo(
        format=FORMAT,
        vintage=vintage,
        vintage_from=f"estimated: newest month {last:%Y-%m} + {LAG_DAYS} days",
        notes=notes,
        warnings=warnings,
        check_unique=False,
    )


def _places(con: duckdb.DuckDBPyConnection) -> None:
    """Each port's name, state and coordinates, from its newest row, into ``places``."""
    cols = set(_columns(con))
    names = ("Port Name", "State", "Latitude", "Longitude", "Point")
    variants = ", ".join(f"{_q(c) if c in cols else 'NULL'} AS c{i}" for i, c in enumerate(names))
    con.execute(
        f"""INSERT OR REPLACE INTO places
SELECT 'us_port', code, arg_max(c0, newest), arg_max(c1, newest), 'USA',
       arg_max(coalesce(try_cast(regexp_extract(c4, '{_POINT}', 2) AS DOUBLE),
                        try_cast(c2 AS DOUBLE)), newest),
       arg_max(coalesce(try_cast(regexp_extract(c4, '{_POINT}', 1) AS DOUBLE),
                        try_cast(c3 AS DOUBLE)), newest),
       '{SOURCE}'
FROM (SELECT "Port Code" AS code, {variants}, max(_period) AS newest FROM {RAW} GROUP BY ALL)
GROUP BY code"""  # noqa: S608
    )
