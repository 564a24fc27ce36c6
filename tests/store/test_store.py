"""The store's contract: schema, idempotence, vintages, atomicity under kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from norte.sources import census_api, census_xlsx
from norte.store import Store
from norte.store.schema import KEY_COLUMNS, OBSERVATION_COLUMNS


def test_schema_surface(store: Store) -> None:
    cols = [
        r[0]
        for r in store.con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'observations' ORDER BY ordinal_position"
        ).fetchall()
    ]
    assert cols == [c for c, _ in OBSERVATION_COLUMNS]
    for needed in ("source", "partner", "period", "freq", "measure", "unit"):
        assert needed in KEY_COLUMNS
    views = {
        r[0]
        for r in store.con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
    }
    assert {"observations_latest", "vintages"} <= views
    macros = {
        r[0] for r in store.con.execute("SELECT function_name FROM duckdb_functions()").fetchall()
    }
    assert "observations_as_of" in macros


def test_loading_twice_adds_nothing(shared: Path, store: Store) -> None:
    f = shared / "census/country.xlsx"
    first = store.load_file(f, census_xlsx)
    n = store.count()
    again = store.load_file(f, census_xlsx)
    assert again.outcome == "already-loaded" and again.load_id == first.load_id
    assert store.count() == n and store.count("loads") == 1


def test_same_rows_from_other_bytes_are_not_duplicated(
    shared: Path, store: Store, tmp_path: Path
) -> None:
    """Another file with the same rows and vintage (e.g. re-saved uncompressed) adds no rows."""
    import gzip

    src = shared / "census/api/exports-country-2013-2024.json.gz"
    plain = tmp_path / "exports.json"
    plain.write_bytes(gzip.decompress(src.read_bytes()))
    a = store.load_file(src, census_api)
    b = store.load_file(plain, census_api)
    assert a.rows == 36_283
    assert b.outcome == "loaded" and b.rows == 0 and b.rows_skipped == 36_283
    assert store.count() == 36_283


def test_forced_vintage_adds_a_vintage_never_overwrites(shared: Path, store: Store) -> None:
    import datetime as dt

    f = shared / "census/api/exports-country-2013-2024.json.gz"
    store.load_file(f, census_api)
    r = store.load_file(f, census_api, vintage=dt.date(2025, 7, 1))
    assert r.outcome == "loaded" and r.rows == 36_283
    assert store.count() == 2 * 36_283
    assert store.count("observations_latest") == 36_283
    vintages = store.con.execute("SELECT DISTINCT vintage FROM observations ORDER BY 1").fetchall()
    assert [v[0].isoformat() for v in vintages] == ["2025-02-06", "2025-07-01"]


def _fingerprint(db: Path) -> tuple[object, ...]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return (
            con.execute("SELECT count(*), sum(value) FROM observations").fetchall(),
            con.execute("SELECT load_id, sha256, rows FROM loads ORDER BY 1").fetchall(),
        )
    finally:
        con.close()


def test_kill_9_midway_leaves_store_as_before(shared: Path, tmp_path: Path) -> None:
    db = tmp_path / "norte.duckdb"
    with Store(db) as s:
        s.load_file(shared / "census/api/exports-country-2013-2024.json.gz", census_api)
    before = _fingerprint(db)
    env = dict(os.environ, NORTE_FAULT_SLEEP_BEFORE_COMMIT="60")
    proc = subprocess.Popen(
        [sys.executable, "-m", "norte.cli", "--db", str(db), "ingest",
         str(shared / "census/country.xlsx")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    line = ""
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if "sleeping before commit" in line or not line:
            break
    assert "sleeping before commit" in line, proc.stderr.read() if proc.stderr else ""
    # every row of the workbook is written inside the open transaction; kill the process now
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert _fingerprint(db) == before
    # and the store still works: the same file loads cleanly afterwards
    with Store(db) as s:
        r = s.load_file(shared / "census/country.xlsx", census_xlsx)
        assert r.outcome == "loaded" and r.rows > 200_000


def test_error_midway_rolls_back(shared: Path, store: Store) -> None:
    class Exploding:
        SOURCE = "census"

        @staticmethod
        def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: object) -> object:
            census_xlsx.stage(con, path, ctx)  # type: ignore[arg-type]
            raise RuntimeError("boom after staging every row")

    with pytest.raises(RuntimeError):
        store.load_file(shared / "census/country.xlsx", Exploding)
    assert store.count() == 0 and store.count("loads") == 0


def test_read_only_store_must_exist(tmp_path: Path) -> None:
    from norte.errors import StoreError

    with pytest.raises(StoreError, match="does not exist"):
        Store(tmp_path / "missing.duckdb", read_only=True)
