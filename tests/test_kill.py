"""kill -9 on every write path (issue 11, part 8).

Each test starts a real ``norte`` command in a subprocess on a copy of a store prepared from
real files, waits until the command reports its named fault point (:mod:`norte.faults`: inside
the write's transaction, every row written, before COMMIT), SIGKILLs it, and checks that every
table of the store is exactly as before the command (row count and a hash of every row) and
that the store still opens and loads. The ``checkpoint`` point comes after the last COMMIT,
before the close-time checkpoint: there the committed data must survive the kill.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from norte.findings.run import detect, write
from norte.goals import record_all
from norte.indicators import compute
from norte.sources import census_api, census_xlsx
from norte.store import Store
from tests.goals.test_stakeholders import GOOD

#: Three real TransBorder monthly zips: one batch (``stage_many``), about 3 x 120,000 rows.
ZIPS = ("Jan2023.zip", "Feb2023.zip", "March2023.zip")
#: A small real file for "the store still loads" (5,280 rows).
SMALL = "spi/mexico-states/00_IPS_COMPLETE_LONG.xlsx"
#: Before the Census API files' vintage (2025-02-06), after the workbook's: indicators computed
#: as of this date leave the newest input vintage to compute.
AS_OF = dt.date(2024, 9, 1)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Compiled indicator SQL for this module and its subprocesses (never the user's home)."""
    path = tmp_path_factory.mktemp("kill-cache")
    old = os.environ.get("NORTE_CACHE_DIR")
    os.environ["NORTE_CACHE_DIR"] = str(path)
    yield path
    if old is None:
        os.environ.pop("NORTE_CACHE_DIR", None)
    else:
        os.environ["NORTE_CACHE_DIR"] = old


@pytest.fixture(scope="module")
def stores(shared: Path, cache: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two prepared stores, built once: ``stale`` holds the Census workbook and API files,
    indicators computed as of :data:`AS_OF` (so the newest vintage is still to compute), and
    the findings and goal lights of that state; ``current`` is the same with the indicators
    and findings of the newest vintage (so a findings or goal-status write is the only write
    of a command run on it)."""
    folder = tmp_path_factory.mktemp("kill")
    stale = folder / "stale.duckdb"
    with Store(stale) as s:
        s.load_file(shared / "census/country.xlsx", census_xlsx)
        s.load_file(shared / "census/api/exports-country-2013-2024.json.gz", census_api)
        s.load_file(shared / "census/api/imports-country-2013-2024.json.gz", census_api)
        compute(s, as_of=AS_OF)
        write(s, detect(s).findings)
        record_all(s)
    current = folder / "current.duckdb"
    shutil.copy(stale, current)
    with Store(current) as s:
        compute(s)
        write(s, detect(s).findings)
    return {"stale": stale, "current": current}


def copy_of(stores: dict[str, Path], name: str, tmp_path: Path) -> Path:
    db = tmp_path / "norte.duckdb"
    shutil.copy(stores[name], db)
    wal = stores[name].with_name(stores[name].name + ".wal")
    if wal.exists():
        shutil.copy(wal, db.with_name(db.name + ".wal"))
    return db


def fingerprint(db: Path) -> dict[str, tuple[int, int]]:
    """Every table of the store: (rows, sum of a hash of every row)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1"
            ).fetchall()
        ]
        out = {}
        for t in tables:
            n, h = con.execute(
                f'SELECT count(*), coalesce(sum(hash(t)), 0) FROM "{t}" AS t'  # noqa: S608
            ).fetchall()[0]
            out[t] = (int(n), int(h))
        return out
    finally:
        con.close()


def norte(db: Path, *args: str | Path) -> list[str]:
    return [sys.executable, "-m", "norte.cli", "--db", str(db), *map(str, args)]


def run(db: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(norte(db, *args), capture_output=True, text=True, timeout=600)


def kill_at(point: str, db: Path, tmp_path: Path, *args: str | Path) -> None:
    """Run ``norte ARGS`` until it reports fault point ``point``, then SIGKILL it."""
    env = {**os.environ, "NORTE_FAULT_POINT": point, "NORTE_FAULT_SLEEP": "300"}
    err = tmp_path / "stderr.txt"
    with open(err, "w") as stderr:
        proc = subprocess.Popen(
            norte(db, *args), env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
        assert proc.stdout is not None
        seen = []
        try:
            for line in proc.stdout:  # the command runs to its fault point, then sleeps
                seen.append(line)
                if line.strip() == f"norte: fault injection: {point}":
                    break
            else:
                proc.wait(timeout=60)
                pytest.fail(
                    f"'norte {' '.join(map(str, args))}' never reached fault point {point!r} "
                    f"(exit {proc.returncode}):\n{''.join(seen)}{err.read_text()}"
                )
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == -signal.SIGKILL


def still_loads(shared: Path, db: Path) -> None:
    """The store opens and a further small ingest works."""
    r = run(db, "ingest", shared / SMALL)
    assert r.returncode == 0, r.stderr
    assert "5,280 rows added" in r.stderr


def changed(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> set[str]:
    return {t for t in before.keys() | after.keys() if before.get(t) != after.get(t)}


# -- before COMMIT: the store is as it was ------------------------------------------------------


def test_transborder_batch_load(shared: Path, stores: dict[str, Path], tmp_path: Path) -> None:
    db = copy_of(stores, "stale", tmp_path)
    before = fingerprint(db)
    zips = [shared / "transborder/raw/year_2023" / z for z in ZIPS]
    kill_at("load", db, tmp_path, "ingest", *zips)
    assert fingerprint(db) == before
    assert "reading 3 files as one batch" in (tmp_path / "stderr.txt").read_text()
    # the same batch loads afterwards, as if the killed command had never run
    r = run(db, "ingest", *zips)
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("(transborder, vintage") == 3
    assert {"loads", "transborder_wide"} <= changed(before, fingerprint(db))
    still_loads(shared, db)


def test_indicators_compute(shared: Path, stores: dict[str, Path], tmp_path: Path) -> None:
    db = copy_of(stores, "stale", tmp_path)
    before = fingerprint(db)
    kill_at("indicators", db, tmp_path, "indicators", "compute")
    assert fingerprint(db) == before
    r = run(db, "indicators", "compute")  # the killed command had work: it does it now
    assert r.returncode == 0, r.stderr
    assert changed(before, fingerprint(db)) == {"indicator_values", "indicator_runs"}
    still_loads(shared, db)


def test_findings_write(shared: Path, stores: dict[str, Path], tmp_path: Path) -> None:
    db = copy_of(stores, "stale", tmp_path)
    with Store(db) as s:  # indicators of the newest vintage; findings still of AS_OF
        compute(s)
    before = fingerprint(db)
    kill_at("findings", db, tmp_path, "findings", "--refresh", "--format", "json")
    assert fingerprint(db) == before
    r = run(db, "findings", "--refresh", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert changed(before, fingerprint(db)) == {"findings"}
    still_loads(shared, db)


def test_goal_status_write(shared: Path, stores: dict[str, Path], tmp_path: Path) -> None:
    """The goal lights are written by ``norte build`` (after its indicator and findings
    writes, which have nothing to change on this store), in their own transaction."""
    db = copy_of(stores, "current", tmp_path)
    before = fingerprint(db)
    kill_at("goal_status", db, tmp_path, "build", "--no-ingest", "--out", tmp_path / "site")
    assert fingerprint(db) == before
    with Store(db) as s:  # the write the killed command was doing
        record_all(s)
    assert changed(before, fingerprint(db)) == {"goal_status"}
    still_loads(shared, db)


def test_goals_add(shared: Path, stores: dict[str, Path], tmp_path: Path) -> None:
    db = copy_of(stores, "stale", tmp_path)
    goals = tmp_path / "acme.toml"
    goals.write_text(GOOD, encoding="utf-8")
    before = fingerprint(db)
    kill_at("goals_add", db, tmp_path, "goals", "add", goals)
    assert fingerprint(db) == before
    r = run(db, "goals", "add", goals)
    assert r.returncode == 0, r.stderr
    assert "acme-mx-trade: added" in r.stderr
    assert changed(before, fingerprint(db)) == {"stakeholder_goals", "stakeholder_targets"}
    still_loads(shared, db)


# -- after the last COMMIT, before the close-time checkpoint: the data is kept -----------------


def test_close_time_checkpoint(shared: Path, stores: dict[str, Path], tmp_path: Path) -> None:
    """Killed after COMMIT, before the checkpoint that merges the batch's row groups: the
    committed batch survives (DuckDB replays its write-ahead log), identical to a store where
    the same command ran to the end."""
    zips = [shared / "transborder/raw/year_2023" / z for z in ZIPS]
    (tmp_path / "killed").mkdir()
    killed = copy_of(stores, "stale", tmp_path / "killed")
    kill_at("checkpoint", killed, tmp_path, "ingest", *zips)
    assert killed.with_name(killed.name + ".wal").exists()  # the checkpoint never ran
    (tmp_path / "whole").mkdir()
    whole = copy_of(stores, "stale", tmp_path / "whole")
    r = run(whole, "ingest", *zips)
    assert r.returncode == 0, r.stderr

    def data(db: Path) -> dict[str, object]:
        tables = fingerprint(db)
        del tables["loads"]  # its start/finish times differ between two runs
        con = duckdb.connect(str(db), read_only=True)
        try:
            loads = con.execute(
                "SELECT load_id, source, sha256, vintage, rows FROM loads ORDER BY 1"
            ).fetchall()
        finally:
            con.close()
        return {"loads": loads, "tables": tables}

    got = data(killed)
    assert got == data(whole)
    assert len(got["loads"]) == 3 + 3  # type: ignore[arg-type]
    still_loads(shared, killed)
