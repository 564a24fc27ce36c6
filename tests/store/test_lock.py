"""The store lock: a command that finds the store busy waits (saying for whom), then answers
or fails with exit 4 and a clear message (never DuckDB's text, never a traceback)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from norte.errors import EXIT_BUSY, ConfigError, StoreBusyError
from norte.store import Store, connect

REPO = Path(__file__).resolve().parents[2]


def _norte(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "norte.cli", *args],
        env=env or dict(os.environ),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@contextmanager
def _ingest_paused(db: Path, zips: list[Path], sleep: int) -> Iterator[subprocess.Popen[str]]:
    """A real TransBorder ingest of ``zips`` paused ``sleep`` s before its COMMIT (the store
    held, every row written); killed on exit if still running."""
    env = dict(os.environ, NORTE_FAULT_POINT="load", NORTE_FAULT_SLEEP=str(sleep))
    proc = _norte("--db", str(db), "ingest", *map(str, zips), env=env)
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 180
        line = ""
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if "fault injection: load" in line or not line:
                break
        assert "fault injection: load" in line, proc.stderr.read() if proc.stderr else ""
        yield proc
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)


@pytest.fixture
def zips(shared: Path) -> list[Path]:
    year = shared / "transborder" / "raw" / "year_2023"
    return [year / "Jan2023.zip", year / "Feb2023.zip", year / "March2023.zip"]


def test_query_waits_for_an_ingest_and_then_answers(zips: list[Path], tmp_path: Path) -> None:
    db = tmp_path / "norte.duckdb"
    Store(db).close()
    # 10 s: time for the query's process to start and find the store busy on a loaded machine
    with _ingest_paused(db, zips, sleep=10) as writer:
        query = _norte("--db", str(db), "--wait", "60", "query", "--json",
                       "SELECT count(*) AS loads FROM loads")  # fmt: skip
        out, err = query.communicate(timeout=240)
        assert writer.wait(timeout=120) == 0, writer.stderr.read() if writer.stderr else ""
    assert query.returncode == 0, err
    # it waited, saying for whom, and answered after the writer's COMMIT: three loads
    assert f"is in use by process {writer.pid} (norte ingest" in err
    assert "waiting for it (up to 60 s" in err
    assert json.loads(out) == [{"loads": 3}]


def test_busy_store_fails_with_exit_4_and_a_clear_message(zips: list[Path], tmp_path: Path) -> None:
    db = tmp_path / "norte.duckdb"
    Store(db).close()
    with _ingest_paused(db, zips[:2], sleep=300) as writer:
        for wait in ("1", "0"):
            query = _norte("--db", str(db), "--wait", wait, "query", "SELECT 1")
            out, err = query.communicate(timeout=120)
            assert query.returncode == EXIT_BUSY, err
            assert out == ""
            assert f"norte: error: store {db} is busy" in err
            assert f"in use by process {writer.pid} (norte" in err
            assert "--wait SECONDS or NORTE_LOCK_TIMEOUT" in err
            assert "Traceback" not in err and "duckdb.org" not in err
            assert sys.executable not in err and "Conflicting lock" not in err
        # the environment variable works as the flag does
        env = dict(os.environ, NORTE_LOCK_TIMEOUT="0")
        query = _norte("--db", str(db), "query", "SELECT 1", env=env)
        _, err = query.communicate(timeout=120)
        assert query.returncode == EXIT_BUSY and "is busy: in use by" in err


def test_timeout_values_are_checked() -> None:
    assert connect.parse_timeout("2.5") == 2.5
    assert connect.parse_timeout(0) == 0
    for bad in ("soon", "-1", "nan", True):
        with pytest.raises(ConfigError, match="not a number of seconds"):
            connect.parse_timeout(bad)


def test_holder_is_described_from_duckdb_message_and_proc() -> None:
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "arg"])
    try:
        # the child's cmdline is readable only once it has exec'd (slow on a loaded machine)
        cmdline = Path(f"/proc/{holder.pid}/cmdline")
        for _ in range(200):
            if b"time.sleep" in cmdline.read_bytes():
                break
            time.sleep(0.05)
        text = (
            'IO Error: Could not set lock on file "x": Conflicting lock is held in '
            f"/usr/bin/python3.11 (PID {holder.pid}). See also https://duckdb.org/docs"
        )
        desc = connect.describe_holder(text)
        assert desc.startswith(f"process {holder.pid} (")
        assert "time.sleep" in desc or "-c" in desc
    finally:
        holder.kill()
        holder.wait()
    assert connect.describe_holder("no pid here") == "another process"


def test_store_api_waits_with_its_own_timeout(tmp_path: Path) -> None:
    db = tmp_path / "norte.duckdb"
    Store(db).close()
    code = (
        "import sys, time; from norte.store import Store\n"
        "s = Store(sys.argv[1]); print('held', flush=True); time.sleep(120)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(db)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(StoreBusyError, match=f"process {holder.pid}"):
            Store(db, read_only=True, lock_timeout=0.3)
    finally:
        holder.kill()
        holder.wait()
    with Store(db, read_only=True, lock_timeout=0) as s:  # free again
        assert s.count("loads") == 0


def test_query_releases_the_store_before_printing(tmp_path: Path) -> None:
    """A reader whose output nobody reads yet (a pager, a slow pipe) does not hold the store."""
    db = tmp_path / "norte.duckdb"
    Store(db).close()
    for fmt in (["--json"], []):
        sql = "SELECT range AS n, repeat('x', 50) AS pad FROM range(20000)"
        query = _norte("--db", str(db), "query", sql, *fmt)
        try:
            assert query.stdout is not None
            assert query.stdout.read(1)  # it has started printing (more than a pipe holds)
            assert query.poll() is None  # and is blocked on the full pipe
            with Store(db, lock_timeout=0) as s:  # a writer gets the store at once
                assert s.count("loads") == 0
        finally:
            query.kill()
            query.wait()
