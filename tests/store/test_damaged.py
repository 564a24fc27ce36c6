"""Damaged stores: a file that is not a DuckDB database, a truncated store, or one norte may not
open gets its own message and exit code, and its bytes are never changed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from norte import cli
from norte.errors import EXIT_DAMAGED, EXIT_SYSTEM, StoreDamagedError, SystemFailure
from norte.sources import census_api
from norte.store import Store
from tests.conftest import SHARED

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def real_store(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real store (one Census API file), checkpointed and closed."""
    db = tmp_path_factory.mktemp("real") / "norte.duckdb"
    with Store(db) as s:
        s.load_file(shared / "census/api/exports-country-2013-2024.json.gz", census_api)
    return db


def _random_bytes(tmp_path: Path) -> Path:
    bad = tmp_path / "random.duckdb"
    bad.write_bytes(os.urandom(300_000))
    return bad


def _truncated(real_store: Path, tmp_path: Path) -> Path:
    bad = tmp_path / "truncated.duckdb"
    data = real_store.read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    return bad


def _assert_refused(bad: Path, what: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = bad.read_bytes()
    listing = sorted(os.listdir(bad.parent))
    for ro in (True, False):
        with pytest.raises(StoreDamagedError) as e:
            Store(bad, read_only=ro)
        msg = str(e.value)
        assert str(bad) in msg and what in msg, msg
        assert "Restore it from a backup" in msg and "norte build" in msg
        assert "another norte process" not in msg
        assert bad.read_bytes() == before  # never modified
        assert sorted(os.listdir(bad.parent)) == listing  # no .wal or other file left
    for args in (
        ["query", "SELECT 1"],
        ["loads"],
        ["ingest", str(SHARED / "census" / "country.xlsx")],
    ):
        code = cli.main(["--db", str(bad), *args])
        err = capsys.readouterr().err
        assert code == EXIT_DAMAGED, err
        assert "Traceback" not in err and str(bad) in err
        assert bad.read_bytes() == before


def test_random_bytes_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _assert_refused(_random_bytes(tmp_path), "is not a DuckDB database", capsys)


def test_truncated_store(
    real_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _assert_refused(_truncated(real_store, tmp_path), "is truncated", capsys)


def test_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "empty.duckdb"
    bad.write_bytes(b"")
    _assert_refused(bad, "is not a DuckDB database", capsys)


def test_damaged_header_block(
    real_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "header.duckdb"
    data = bytearray(real_store.read_bytes())
    data[4096:12288] = os.urandom(8192)  # the database headers after the file header
    bad.write_bytes(bytes(data))
    _assert_refused(bad, "is damaged", capsys)


def test_the_real_store_still_opens(real_store: Path) -> None:
    with Store(real_store, read_only=True) as s:
        assert s.count("loads") == 1


def test_permission_denied(real_store: Path, tmp_path: Path) -> None:
    """Run as another user (root bypasses file modes): a clear message, exit 7."""
    locked = tmp_path / "locked"
    locked.mkdir()
    db = locked / "norte.duckdb"
    shutil.copy(real_store, db)
    os.chmod(db, 0o600)
    os.chmod(locked, 0o700)
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.fail("running as root without setpriv: cannot test a permission denial")
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    else:
        os.chmod(db, 0)
        prefix = []
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for args in (["query", "SELECT 1"], ["ingest", str(db)]):
        r = subprocess.run(
            [*prefix, sys.executable, "-m", "norte.cli", "--db", str(db), *args],
            cwd="/",
            env=env,
            capture_output=True,
            text=True,
        )
        assert r.returncode == EXIT_SYSTEM, r.stderr
        # query: the store cannot be opened; ingest names the unreadable input file first
        assert f"cannot open store {db}: permission denied" in r.stderr or (
            args[0] == "ingest" and f"permission denied: {db}" in r.stderr
        ), r.stderr
        assert "Traceback" not in r.stderr
    assert SystemFailure.exit_code == EXIT_SYSTEM
