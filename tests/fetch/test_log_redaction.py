"""The Census key never reaches a log line, even when the host application logs everything at
DEBUG (httpx logs each request's full URL at INFO; httpcore and urllib3 log at DEBUG)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from norte.cli import main
from norte.fetch.scrub import register_secret, scrub
from tests.fetch.test_census_fetch import KEY, Replay, api  # noqa: F401 - the replay server


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Everything logged anywhere, at DEBUG, as a host application would configure it."""
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield buf
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_fetch_logs_no_key(
    api: tuple[str, Replay],  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    captured_logs: io.StringIO,
) -> None:
    base, replay = api
    monkeypatch.setenv("NORTE_CENSUS_API_URL", base)
    monkeypatch.setenv("NORTE_CENSUS_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    code = main(
        [
            "--db",
            str(tmp_path / "s.duckdb"),
            "fetch",
            "census",
            "--flow",
            "exports",
            "--from",
            "2024-01",
            "--to",
            "2024-02",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert any(KEY in r for r in replay.requests)  # the key was sent to the server
    logs = captured_logs.getvalue()
    assert "httpx INFO HTTP Request: GET" in logs  # httpx's own line, with the URL
    assert "httpcore" in logs  # and httpcore's DEBUG lines
    assert "key=***" in logs
    # what a library logs after the fetch (urllib3's request line, a logged exception)
    logging.getLogger("urllib3.connectionpool").debug(
        '%s://%s:%s "%s %s %s" %s %s', "https", "api.census.gov", 443, "GET",
        f"/data?get=X&key={quote(KEY)}", "HTTP/1.1", 200, None,
    )  # fmt: skip
    try:
        raise RuntimeError(f"failed: https://api.census.gov/data?key={KEY}")
    except RuntimeError:
        logging.getLogger("someapp").exception("request failed for %s", KEY)
    everything = captured_logs.getvalue() + out + err
    assert KEY not in everything and quote(KEY) not in everything
    assert "urllib3.connectionpool DEBUG https://api.census.gov:443" in everything
    assert "request failed for ***" in everything and "RuntimeError: failed:" in everything


def test_scrub_hides_registered_values_and_secret_query_values() -> None:
    register_secret("tok/en+value 42")
    text = scrub(
        "a tok/en+value 42 b tok%2Fen%2Bvalue%2042 c tok%2Fen%2Bvalue+42 "
        "https://x/y?api_key=abc123&token=zzz&get=A,B"
    )
    assert text == "a *** b *** c *** https://x/y?api_key=***&token=***&get=A,B"
