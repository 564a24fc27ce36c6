"""The error envelope: every failure a user can cause is one message on stderr, its exit code,
no traceback (unless --debug), and the store as it was. Stores are made from the real Census
``country.xlsx`` (about 1 s)."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from norte import envelope
from norte.cli import main
from norte.errors import (
    EXIT_BUSY,
    EXIT_CODES,
    EXIT_DAMAGED,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_NETWORK,
    EXIT_SYSTEM,
    StoreBusyError,
    StoreDamagedError,
    SystemFailure,
    UsageError,
)
from norte.fetch.scrub import register_secret
from norte.store import Store

REPO = Path(__file__).resolve().parents[1]


def run(
    args: list[str],
    cwd: Path,
    *,
    stdout: Any = subprocess.PIPE,
    preexec_fn: Callable[[], None] | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "norte.cli", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
        preexec_fn=preexec_fn,  # noqa: PLW1509 - only setrlimit, no threads involved
    )


def checksum(db: Path) -> tuple[Any, ...]:
    """Rows and a hash of every row of observations and loads."""
    with Store(db, read_only=True) as s:
        obs = s.con.sql("SELECT count(*), sum(hash(o))::HUGEINT FROM observations o").fetchall()
        loads = s.con.sql("SELECT count(*), sum(hash(l))::HUGEINT FROM loads l").fetchall()
    return (*obs[0], *loads[0])


def one_error_line(stderr: str, start: str = "norte: error: ") -> str:
    """The one message of a failed command (nothing else on stderr, no traceback)."""
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith(start), stderr
    return lines[0]


@pytest.fixture(scope="module")
def census_db(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("census") / "census.duckdb"
    r = run(["--db", str(db), "ingest", str(shared / "census/country.xlsx")], db.parent)
    assert r.returncode == 0, r.stderr
    return db


@pytest.fixture
def db(census_db: Path, tmp_path: Path) -> Path:
    """A private copy of the Census store (a test may try to damage it)."""
    copy = tmp_path / "s.duckdb"
    shutil.copy(census_db, copy)
    return copy


# -- norte query -----------------------------------------------------------------------------
def test_query_typo_is_one_line_exit_2(db: Path, tmp_path: Path) -> None:
    before = checksum(db)
    r = run(["--db", str(db), "query", "SELEC 1"], tmp_path)
    assert r.returncode == EXIT_INPUT
    line = one_error_line(r.stderr)
    assert 'syntax error at or near "SELEC"' in line and "check the SQL" in line
    assert r.stdout == ""
    assert checksum(db) == before


def test_query_delete_says_query_is_read_only(db: Path, tmp_path: Path) -> None:
    before = checksum(db)
    r = run(["--db", str(db), "query", "DELETE FROM loads"], tmp_path)
    assert r.returncode == EXIT_INPUT
    line = one_error_line(r.stderr)
    assert "norte query runs read-only SQL: DELETE would change the store" in line
    assert checksum(db) == before


def test_query_unknown_table_names_the_store_tables(db: Path, tmp_path: Path) -> None:
    r = run(["--db", str(db), "query", "SELECT * FROM observation"], tmp_path)
    assert r.returncode == EXIT_INPUT
    line = one_error_line(r.stderr)
    assert "observation does not exist" in line and "observations_as_of(DATE)" in line


def test_query_json_error_is_an_envelope_on_stdout(db: Path, tmp_path: Path) -> None:
    r = run(["--db", str(db), "query", "--json", "SELEC 1"], tmp_path)
    assert r.returncode == EXIT_INPUT
    body = json.loads(r.stdout)
    assert body["error"]["kind"] == "usage" and body["error"]["exit_code"] == EXIT_INPUT
    assert "SELEC" in body["error"]["message"]
    assert r.stderr == ""


# -- broken pipe -------------------------------------------------------------------------------
def test_findings_into_a_closed_pipe_exits_quietly(db: Path, tmp_path: Path) -> None:
    """``norte findings | head -1``: the reader reads one line and goes away. The pipe is made
    4 KiB (F_SETPIPE_SZ) so that the markdown (about 150 KB here) cannot fit in it whatever
    the system's default pipe size. PYTHONUNBUFFERED is dropped: unbuffered, Python takes the
    short write of a closed pipe as done and never sees EPIPE (a user's shell does not set it)."""
    before = checksum(db)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    p = subprocess.Popen(
        [sys.executable, "-m", "norte.cli", "--db", str(db), "findings"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert p.stdout is not None and p.stderr is not None
    fcntl.fcntl(p.stdout.fileno(), fcntl.F_SETPIPE_SZ, 4096)
    first = p.stdout.readline()
    p.stdout.close()
    stderr = p.stderr.read().decode()
    code = p.wait(timeout=300)
    assert first.startswith(b"## ")
    assert code == envelope.EXIT_BROKEN_PIPE, stderr
    assert "Traceback" not in stderr and "Broken pipe" not in stderr and "error" not in stderr
    assert checksum(db) == before


# -- argument values ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["findings", "--since", "2024-13"],
            "findings: argument --since: '2024-13' is not a month",
        ),
        (["findings", "--since", "2024-02-30"], "'2024-02-30' is not a date"),
        (["findings", "--min-score", "abc"], "'abc' is not a number"),
        (["findings", "--min-score", "nan"], "'nan' is not a number"),
        (["findings", "--min-score", "120"], "scores go from 0 to 100"),
        (["findings", "--limit", "-1"], "'-1' is not a count"),
        (["ingest", "x.csv", "--vintage", "2024-13-01"], "'2024-13-01' is not a date"),
        (["indicators", "compute", "--as-of", "06/08/2024"], "'06/08/2024' is not a date"),
        (["indicators", "show", "x", "--limit", "-3"], "'-3' is not a count"),
        (["fetch", "census", "--from", "2024-13", "--to", "2024-12"], "'2024-13' is not a month"),
        (["fetch", "census", "--from", "2024-1", "--to", "2024-12"], "'2024-1' is not a month"),
        (["fetch", "census", "--from", "2024-05", "--to", "2024-01"], "--from 2024-05 is after"),
        (["fetch", "census", "--from", "2024-01", "--to", "2024-02", "--cache-ttl", "-5"], "'-5'"),
        (["goals", "status", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_argument_values_are_one_clear_line(
    db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    expected: str,
) -> None:
    # a fetch that got past its arguments must not reach the real API
    monkeypatch.setenv("NORTE_CENSUS_API_URL", "http://127.0.0.1:9")
    monkeypatch.chdir(tmp_path)
    before = checksum(db)
    code = main(["--db", str(db), *args])
    out, err = capsys.readouterr()
    assert code == EXIT_INPUT, err
    line = one_error_line(err)
    assert expected in line
    assert "--help" in line or "--from" in line
    assert checksum(db) == before


# -- the operating system ----------------------------------------------------------------------
def test_disk_full_during_ingest(db: Path, shared: Path, tmp_path: Path) -> None:
    """A disk that fills up while DuckDB writes the store. Without root no small file system
    can be mounted, and DuckDB writes from C++, so intercepting Python's writes would not
    reach it; RLIMIT_FSIZE (set in the child only) makes the kernel refuse DuckDB's own
    writes past a size, exactly where a full disk would (EFBIG instead of ENOSPC: DuckDB
    reports both the same way, an IOException with the OS's text, and both go through
    ``envelope.translate``'s one OS table; ENOSPC itself is the /dev/full test below)."""
    before = checksum(db)
    limit = db.stat().st_size + 64 * 1024

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    big = shared / "census/api/imports-hs2-country-2023-2024.json.gz"
    r = run(["--db", str(db), "ingest", str(big)], tmp_path, preexec_fn=cap)
    assert r.returncode == EXIT_SYSTEM, r.stderr
    line = one_error_line(r.stderr)
    assert f"file size limit reached writing {db}" in line and "ulimit -f" in line
    assert checksum(db) == before
    ok = run(["--db", str(db), "ingest", str(big)], tmp_path)  # and it still loads later
    assert ok.returncode == 0, ok.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_disk_full_writing_stdout(db: Path, tmp_path: Path) -> None:
    """``norte loads --json > out.json`` on a full disk: /dev/full refuses every write with a
    real ENOSPC from the kernel."""
    with open("/dev/full", "w") as full:
        r = run(["--db", str(db), "loads", "--json"], tmp_path, stdout=full)
    assert r.returncode == EXIT_SYSTEM
    line = one_error_line(r.stderr)
    assert "disk full writing standard output (No space left on device)" in line


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux sysfs")
def test_permission_denied_names_the_path(db: Path, tmp_path: Path) -> None:
    """sysfs refuses new files to everyone, root included: a real EACCES from the kernel."""
    target = "/sys/norte-test.csv"
    r = run(["--db", str(db), "query", "--allow-write", f"COPY (SELECT 1) TO '{target}'"], tmp_path)
    assert r.returncode == EXIT_SYSTEM
    line = one_error_line(r.stderr)
    assert f"permission denied: {target}" in line


@pytest.mark.parametrize(
    ("code", "cls", "words"),
    [
        (errno.ENOSPC, SystemFailure, "disk full writing /data/site/index.html"),
        (errno.EDQUOT, SystemFailure, "disk full writing /data/site/index.html"),
        (errno.EFBIG, SystemFailure, "file size limit reached writing /data/site/index.html"),
        (errno.EACCES, SystemFailure, "permission denied: /data/site/index.html"),
        (errno.EROFS, SystemFailure, "read-only file system: /data/site/index.html"),
        (errno.ENOENT, UsageError, "/data/site/index.html: "),
    ],
)
def test_os_errors_are_translated_naming_the_path(
    code: int, cls: type[Exception], words: str
) -> None:
    err = envelope.translate(OSError(code, os.strerror(code), "/data/site/index.html"))
    assert type(err) is cls and words in str(err)


def test_duckdb_disk_full_names_the_store() -> None:
    e = duckdb.IOException('IO Error: Could not write file "/d/s.duckdb": No space left on device')
    err = envelope.translate(e)
    assert isinstance(err, SystemFailure) and err.exit_code == EXIT_SYSTEM
    assert "disk full writing /d/s.duckdb" in str(err)


# -- store files -------------------------------------------------------------------------------
def test_random_bytes_store_is_damaged(tmp_path: Path) -> None:
    bad = tmp_path / "s.duckdb"
    bad.write_bytes(os.urandom(64 * 1024))
    with pytest.raises(duckdb.Error) as got:
        duckdb.connect(str(bad))
    err = envelope.translate(got.value)
    assert isinstance(err, StoreDamagedError) and err.exit_code == EXIT_DAMAGED
    assert str(bad) in str(err) and "another norte process" not in str(err)


def test_truncated_store_is_damaged(census_db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "s.duckdb"
    bad.write_bytes(census_db.read_bytes()[: 1 << 20])
    with pytest.raises(duckdb.Error) as got:
        duckdb.connect(str(bad), read_only=True)
    assert isinstance(envelope.translate(got.value), StoreDamagedError)


def test_store_with_a_corrupt_block_is_damaged(census_db: Path, tmp_path: Path) -> None:
    data = bytearray(census_db.read_bytes())
    data[12:20] = bytes(8)  # inside the checksummed main header
    bad = tmp_path / "s.duckdb"
    bad.write_bytes(bytes(data))
    with pytest.raises(duckdb.Error) as got:
        duckdb.connect(str(bad), read_only=True)
    err = envelope.translate(got.value)
    assert isinstance(err, StoreDamagedError) and "Corrupt database file" in str(err)


def test_store_locked_by_another_process_is_busy(db: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', "
            "flush=True); time.sleep(60)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(duckdb.Error) as got:
            duckdb.connect(str(db))
        err = envelope.translate(got.value)
        assert isinstance(err, StoreBusyError) and err.exit_code == EXIT_BUSY
        assert f"process {holder.pid}" in str(err) and "duckdb.org" not in str(err)
    finally:
        holder.kill()
        holder.wait()


# -- network, bugs, --debug ----------------------------------------------------------------------
def test_httpx_errors_are_network_errors_without_the_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = "k3y-never-printed-9876543210"
    register_secret(key)
    e = httpx.ConnectError("refused", request=httpx.Request("GET", f"http://h/x?key={key}"))
    code = envelope.report(e, envelope.Options())
    err = capsys.readouterr().err
    assert code == EXIT_NETWORK
    line = one_error_line(err)
    assert "network error http://h/x?key=***" in line and key not in err


def test_a_bug_is_an_internal_error_with_traceback_only_on_debug(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import norte.query

    def boom(*_a: Any) -> int:
        raise KeyError("load_id")

    monkeypatch.setattr(norte.query, "run_loads", boom)
    monkeypatch.delenv("NORTE_DEBUG", raising=False)
    assert main(["--db", str(db), "loads"]) == EXIT_INTERNAL
    line = one_error_line(capsys.readouterr().err, start="norte: internal error: KeyError")
    assert "a bug in norte; run with --debug for the traceback and please report it" in line
    assert main(["--db", str(db), "--debug", "loads"]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "Traceback" in err and "in boom" in err and err.rstrip().endswith("report it)")
    monkeypatch.setenv("NORTE_DEBUG", "1")
    assert main(["--db", str(db), "loads"]) == EXIT_INTERNAL
    assert "Traceback" in capsys.readouterr().err


def test_json_commands_get_the_envelope(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--db", str(db), "indicators", "show", "no-such-indicator", "--json"])
    out, err = capsys.readouterr()
    assert code == EXIT_INPUT and err == ""
    body = json.loads(out)["error"]
    assert body == {
        "kind": "usage",
        "message": "no indicator 'no-such-indicator' in the catalog — see 'norte indicators list'",
        "exit_code": EXIT_INPUT,
    }
    code = main(["--db", str(db), "findings", "--format", "json", "--limit", "x"])
    out, _ = capsys.readouterr()
    assert code == EXIT_INPUT and json.loads(out)["error"]["kind"] == "usage"


# -- documentation ------------------------------------------------------------------------------
def test_exit_codes_are_in_help_and_docs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = capsys.readouterr().out
    docs = (REPO / "docs/architecture.md").read_text()
    for code, text in EXIT_CODES.items():
        assert f"{code:>3}  {text}" in help_text
        assert f"| {code} | {text} |" in docs
    assert f"| {envelope.EXIT_BROKEN_PIPE} |" in docs


def test_argument_types_accept_what_they_say() -> None:
    import datetime as dt

    from norte import argtypes

    assert argtypes.date_or_month("2024-08") == dt.date(2024, 8, 1)
    assert argtypes.date_or_month("2024-08-06") == dt.date(2024, 8, 6)
    assert argtypes.month("2024-12") == "2024-12"
    assert argtypes.count("0") == 0 and argtypes.score("100") == 100.0
    assert argtypes.seconds("0") == 0.0
