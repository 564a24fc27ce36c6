"""``NORTE_THREADS`` / ``[store] threads``: the DuckDB threads of every store a command opens
(fewer leave cores to ``norte serve`` while an ingest writes); bad values are a config error."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from norte.errors import ConfigError
from norte.store import Store
from norte.store import connect as con


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    yield
    con.set_threads(0)


def _threads(db: Path) -> int:
    with Store(db) as store:
        return int(store.con.execute("SELECT current_setting('threads')").fetchall()[0][0])


def test_threads_set_how_many_duckdb_uses(tmp_path: Path) -> None:
    db = tmp_path / "norte.duckdb"
    default = _threads(db)
    con.set_threads("1")
    assert _threads(db) == 1
    con.set_threads(0)
    assert _threads(db) == default


@pytest.mark.parametrize("bad", ["two", "-1", "1.5", True])
def test_a_bad_value_names_the_setting(bad: object) -> None:
    with pytest.raises(ConfigError, match="NORTE_THREADS .*e.g. 1"):
        con.set_threads(bad)


def test_the_command_line_reads_norte_threads(tmp_path: Path) -> None:
    db = tmp_path / "norte.duckdb"
    Store(db).close()
    env = {**os.environ, "NORTE_THREADS": "lots"}
    run = subprocess.run(
        [sys.executable, "-m", "norte.cli", "--db", str(db), "loads"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0 and "threads 'lots' is not a whole number" in run.stderr
