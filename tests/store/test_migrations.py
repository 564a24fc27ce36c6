"""Schema migrations: a v2 store made by the landed code (commit 0bfe5b4) upgrades to the
current version with the same data, the same structure as a fresh store, in one transaction.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from norte import cli
from norte.errors import StoreError
from norte.store import Store
from norte.store.migrations import STEPS, plan
from norte.store.schema import SCHEMA_VERSION

REPO = Path(__file__).resolve().parents[2]
V2_COMMIT = "0bfe5b4"  # the last landed commit of schema version 2
V4_COMMIT = "44e636c"  # a landed commit of schema version 4 (before the crosswalk tables)

GOALS = """
[[goals]]
id = "acme-mx-trade"
owner = "ACME Trade Association"
parent = 3
title = { en = "U.S.-Mexico trade above US$1 trillion" }
indicators = ["us-total-trade-annual.mex"]

[[goals.targets]]
indicator = "us-total-trade-annual.mex"
select = { flow = "total" }
value = 1.0e12
date = "2030"
direction = "higher_is_better"
baseline = "2019"
rationale = "ACME's members plan for it"
citation = "ACME board resolution 2025-03"
"""

#: The tables whose rows must survive an upgrade unchanged.
#: Compared before/after the upgrade. ``codes`` is not: every writable open re-syncs it from the
#: code tables shipped with this norte (newer than the v2 store's), by design.
DATA = ("observations", "loads", "findings", "goal_status", "stakeholder_goals")


def _old_code(tmp: Path, commit: str = V2_COMMIT) -> Path:
    """The landed code of an older schema version, extracted from git; fails loudly without
    git."""
    dest = tmp / f"code-{commit}"
    dest.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", commit, "norte"], capture_output=True
    )
    if archive.returncode != 0:
        pytest.fail(
            f"cannot extract commit {commit} from git ({archive.stderr.decode()[:300]}): the "
            "migration test needs the repository history (a full clone)"
        )
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest


def _run_old(code: Path, *args: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(code))
    # cwd: 'python -m' puts the current folder first on sys.path (it must not be the checkout)
    r = subprocess.run([sys.executable, *args], env=env, cwd=code, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]


@pytest.fixture(scope="module")
def v2_store(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A v2 store made by the landed code: 2 Census API files and 2 TransBorder zips ingested,
    findings computed, a stakeholder goal added, goal statuses recorded."""
    tmp = tmp_path_factory.mktemp("v2")
    code = _old_code(tmp)
    db = tmp / "v2.duckdb"
    goals = tmp / "acme.toml"
    goals.write_text(GOALS, encoding="utf-8")
    raw = shared / "transborder" / "raw" / "year_2023"
    files = [
        shared / "census/api/exports-country-2013-2024.json.gz",
        shared / "census/api/imports-country-2013-2024.json.gz",
        raw / "Jan2023.zip",
        raw / "Feb2023.zip",
    ]
    cli_ = ["-m", "norte.cli", "--db", str(db)]
    _run_old(code, *cli_, "ingest", *map(str, files))
    _run_old(code, *cli_, "findings", "--limit", "1")
    _run_old(code, *cli_, "goals", "add", str(goals))
    _run_old(
        code,
        "-c",
        "import sys; from norte.store import Store; from norte.goals import record_all\n"
        "with Store(sys.argv[1]) as s: record_all(s)",
        str(db),
    )
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [
            ("2",)
        ]
        for t in ("observations", "loads", "findings", "goal_status", "stakeholder_goals"):
            assert con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] > 0, t  # noqa: S608
    finally:
        con.close()
    return db


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "store.duckdb"
    shutil.copy(src, dst)
    return dst


def _version(db: Path) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return str(con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall())
    finally:
        con.close()


def _structure(con: duckdb.DuckDBPyConnection) -> list[object]:
    """Tables, columns, constraints, views and macros of the main database (no OIDs)."""
    q = [
        "SELECT table_name, sql FROM duckdb_tables() WHERE NOT temporary ORDER BY 1",
        "SELECT table_name, column_index, column_name, data_type, is_nullable, column_default "
        "FROM duckdb_columns() WHERE NOT internal AND database_name = current_database() "
        "ORDER BY 1, 2",
        "SELECT table_name, constraint_index, constraint_type, constraint_text, expression, "
        "constraint_column_names, constraint_name FROM duckdb_constraints() "
        "WHERE database_name = current_database() ORDER BY ALL",
        "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal AND NOT temporary ORDER BY 1",
        "SELECT function_name, function_type, macro_definition FROM duckdb_functions() "
        "WHERE NOT internal AND database_name = current_database() ORDER BY 1",
    ]
    return [con.execute(s).fetchall() for s in q]


def _rows_differ(a: Path, b: Path, table: str) -> int:
    """Rows of ``table`` in one store but not the other (EXCEPT ALL, both ways)."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
        n = 0
        for x, y in (("a", "b"), ("b", "a")):
            n += con.execute(
                f"SELECT count(*) FROM (SELECT * FROM {x}.{table} EXCEPT ALL "  # noqa: S608
                f"SELECT * FROM {y}.{table})"
            ).fetchall()[0][0]
        return int(n)
    finally:
        con.close()


def test_steps_reach_the_current_version() -> None:
    assert SCHEMA_VERSION == 5
    assert [(s.from_version, s.to_version) for s in plan(2)] == [(2, 3), (3, 4), (4, 5)]
    assert [(s.from_version, s.to_version) for s in plan(3)] == [(3, 4), (4, 5)]
    assert [(s.from_version, s.to_version) for s in plan(4)] == [(4, 5)]
    assert all(s.description for s in STEPS)
    assert plan(1) == []  # version 1 cannot be upgraded (refused with a message)


def test_v2_store_upgrades_with_identical_data(
    v2_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _copy(v2_store, tmp_path)
    with Store(db) as s:
        assert s.count("loads") == 4
    err = capsys.readouterr().err
    assert f"norte: upgraded store {db} from schema 2 to 5" in err
    assert _version(db) == "[('5',)]"
    for table in DATA:
        assert _rows_differ(v2_store, db, table) == 0, table
    # A second open upgrades nothing and says nothing.
    Store(db).close()
    assert "upgraded" not in capsys.readouterr().err


def test_migrated_store_has_the_structure_of_a_fresh_one(v2_store: Path, tmp_path: Path) -> None:
    db = _copy(v2_store, tmp_path)
    Store(db).close()
    fresh = tmp_path / "fresh.duckdb"
    Store(fresh).close()
    cons = [duckdb.connect(str(p), read_only=True) for p in (db, fresh)]
    try:
        migrated, new = (_structure(c) for c in cons)
    finally:
        for c in cons:
            c.close()
    assert migrated == new
    checks = [r for r in new[2] if r[2] == "CHECK"]
    assert not [r for r in checks if "parent" in str(r[4])]  # no fixed goal count


def test_goal_parent_is_not_limited_by_the_ddl(v2_store: Path, tmp_path: Path) -> None:
    db = _copy(v2_store, tmp_path)
    with Store(db) as s:
        s.con.execute(
            "INSERT INTO stakeholder_goals SELECT * REPLACE ('x-goal-5' AS goal_id, 5 AS parent) "
            "FROM stakeholder_goals LIMIT 1"
        )
        assert s.con.execute("SELECT max(parent) FROM stakeholder_goals").fetchall() == [(5,)]


def test_read_only_open_of_a_v2_store_says_how_to_upgrade(
    v2_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _copy(v2_store, tmp_path)
    before = db.read_bytes()
    with pytest.raises(StoreError, match="schema version 2.*norte migrate"):
        Store(db, read_only=True)
    assert cli.main(["--db", str(db), "query", "SELECT 1"]) == 3
    assert "norte migrate" in capsys.readouterr().err
    assert db.read_bytes() == before
    assert cli.main(["--db", str(db), "migrate"]) == 0
    assert "from schema 2 to 5" in capsys.readouterr().err
    assert cli.main(["--db", str(db), "query", "SELECT count(*) AS n FROM loads", "--json"]) == 0
    assert '"n": 4' in capsys.readouterr().out


def test_newer_store_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "future.duckdb"
    Store(db).close()
    con = duckdb.connect(str(db))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    for ro in (True, False):
        with pytest.raises(StoreError, match="schema version 99, newer than this norte"):
            Store(db, read_only=ro)
    assert _version(db) == "[('99',)]"


def test_version_1_store_is_refused_with_what_to_do(tmp_path: Path) -> None:
    db = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.close()
    for ro in (True, False):
        with pytest.raises(StoreError, match="version 1, which this norte cannot upgrade"):
            Store(db, read_only=ro)


def test_killed_migration_leaves_the_v2_store_intact(v2_store: Path, tmp_path: Path) -> None:
    db = _copy(v2_store, tmp_path)
    env = dict(os.environ, NORTE_FAULT_POINT="migrate", NORTE_FAULT_SLEEP="120")
    proc = subprocess.Popen(
        [sys.executable, "-m", "norte.cli", "--db", str(db), "migrate"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    line = ""
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if "fault injection: migrate" in line or not line:
            break
    assert "fault injection: migrate" in line, proc.stderr.read() if proc.stderr else ""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert _version(db) == "[('2',)]"
    for table in DATA:
        assert _rows_differ(v2_store, db, table) == 0, table
    con = duckdb.connect(str(db), read_only=True)
    try:
        checks = con.execute(
            "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'stakeholder_goals' "
            "AND constraint_type = 'CHECK'"
        ).fetchall()
    finally:
        con.close()
    assert checks == [(1,)]  # still the v2 table
    with Store(db) as s:  # and it still upgrades
        assert s.count("loads") == 4
    assert _version(db) == "[('5',)]"


def test_v4_store_gains_the_crosswalk_tables_and_keeps_its_rows(
    shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The v4 -> v5 step: a store made by the landed v4 code (one Census API file) upgrades, keeps
    its rows and ends with the structure of a fresh store (crosswalk tables included)."""
    code = _old_code(tmp_path, V4_COMMIT)
    v4 = tmp_path / "v4.duckdb"
    _run_old(
        code,
        "-m",
        "norte.cli",
        "--db",
        str(v4),
        "ingest",
        str(shared / "census/api/exports-country-2013-2024.json.gz"),
    )
    assert _version(v4) == "[('4',)]"
    db = tmp_path / "upgraded.duckdb"
    shutil.copy(v4, db)
    with Store(db) as s:
        assert s.con.execute("SELECT count(*) FROM crosswalk_pairs").fetchall() == [(0,)]
    assert f"norte: upgraded store {db} from schema 4 to 5" in capsys.readouterr().err
    assert _version(db) == "[('5',)]"
    for table in ("observations", "loads"):
        assert _rows_differ(v4, db, table) == 0, table
    fresh = tmp_path / "fresh.duckdb"
    Store(fresh).close()
    cons = [duckdb.connect(str(p), read_only=True) for p in (db, fresh)]
    try:
        assert _structure(cons[0]) == _structure(cons[1])
    finally:
        for c in cons:
            c.close()
