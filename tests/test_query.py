"""``norte query`` is a sandbox: read-only for the store, and no file, database or extension
outside it unless ``--allow-write`` (DuckDB's own ``enable_external_access`` guard, locked)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_errors import checksum, one_error_line, run


@pytest.fixture(scope="module")
def db(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("query") / "census.duckdb"
    r = run(["--db", str(db), "ingest", str(shared / "census/country.xlsx")], db.parent)
    assert r.returncode == 0, r.stderr
    return db


def query(db: Path, cwd: Path, sql: str, *flags: str) -> tuple[int, str, str]:
    r = run(["--db", str(db), "query", *flags, sql], cwd)
    return r.returncode, r.stdout, r.stderr


def test_copy_to_is_refused_and_writes_nothing(db: Path, tmp_path: Path) -> None:
    before = checksum(db)
    out = tmp_path / "leak.csv"
    code, stdout, stderr = query(db, tmp_path, f"COPY (SELECT * FROM loads) TO '{out}'")
    assert code == 2
    line = one_error_line(stderr)
    assert "norte query runs read-only SQL; COPY … TO writes files" in line
    assert "pass --allow-write if you mean it" in line
    assert not out.exists() and stdout == ""
    assert checksum(db) == before


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("ATTACH '{tmp}/other.duckdb' AS other", "ATTACH opens another database"),
        ("EXPORT DATABASE '{tmp}/dump'", "EXPORT DATABASE writes files"),
        ("INSTALL httpfs", "INSTALL and LOAD add extensions"),
        ("SELECT * FROM read_csv('/etc/passwd')", 'Cannot access file "/etc/passwd"'),
        ("SELECT * FROM glob('/etc/*')", "reads or writes files outside the store"),
        # the guard cannot be switched off from inside the query
        (
            "SET enable_external_access = true; COPY (SELECT 1) TO '{tmp}/x.csv'",
            "settings are locked",
        ),
    ],
)
def test_files_databases_extensions_are_refused(
    db: Path, tmp_path: Path, sql: str, words: str
) -> None:
    code, stdout, stderr = query(db, tmp_path, sql.format(tmp=tmp_path))
    assert code == 2
    assert words in one_error_line(stderr)
    assert "root:" not in stdout
    assert list(tmp_path.iterdir()) == []


def test_select_views_and_macros_still_work(db: Path, tmp_path: Path) -> None:
    code, stdout, stderr = query(
        db, tmp_path, "SELECT * FROM observations_as_of('2024-09-01') LIMIT 5", "--json"
    )
    assert code == 0, stderr
    rows = json.loads(stdout)
    assert len(rows) == 5 and all(r["vintage"] <= "2024-09-01" for r in rows)
    code, stdout, stderr = query(
        db,
        tmp_path,
        "SELECT (SELECT count(*) FROM observations_latest) AS latest, "
        "(SELECT count(*) FROM vintages) AS vintages, (SELECT count(*) FROM codes) AS codes",
        "--json",
    )
    assert code == 0, stderr
    (counts,) = json.loads(stdout)
    assert counts["latest"] > 200_000 and counts["vintages"] >= 1 and counts["codes"] > 0


def test_allow_write_allows_copy_to(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "loads.csv"
    code, _, stderr = query(
        db, tmp_path, f"COPY (SELECT source, rows FROM loads) TO '{out}'", "--allow-write"
    )
    assert code == 0, stderr
    assert out.read_text().splitlines() == ["source,rows", "census,206424"]
    # still read-only for the store itself
    code, _, stderr = query(db, tmp_path, "DELETE FROM loads", "--allow-write")
    assert code == 2 and "read-only" in stderr
