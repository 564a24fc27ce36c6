"""`norte fetch fred` against the replay server answering FRED's documented JSON
(https://fred.stlouisfed.org/docs/api/fred/series.html, series_observations.html,
series_vintagedates.html), built from the real PAYEMS values in ../shared/data/fred.

The replay's ALFRED vintages are the real series cut at each release (the series as of
2026-06-05 ends in 2026-05, ...); the first print of 2026-05 (158,900) is a scripted revision,
so that ``observations_as_of`` has a revised number to tell apart."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from norte.errors import InputError
from norte.fetch import fred as fred_mod
from norte.fetch.http import Client, FetchError
from norte.sources import fred_api, fred_csv
from norte.store import Store
from tests.fetch.conftest import DROP, REPO, Replay, run_cli

KEY = "fred-key-0123456789abcdef0123456789abcd"
META = {
    "id": "PAYEMS",
    "realtime_start": "2026-08-10",
    "realtime_end": "2026-08-10",
    "title": "All Employees, Total Nonfarm",
    "observation_start": "1939-01-01",
    "observation_end": "2026-07-01",
    "frequency": "Monthly",
    "frequency_short": "M",
    "units": "Thousands of Persons",
    "units_short": "Thous. of Persons",
    "seasonal_adjustment": "Seasonally Adjusted",
    "seasonal_adjustment_short": "SA",
    "last_updated": "2026-08-07 07:51:02-05",
    "popularity": 81,
    "notes": "All Employees: Total Nonfarm, commonly known as Total Nonfarm Payroll ...",
}
#: ALFRED vintage date -> the newest month known that day.
VINTAGES = {"2026-06-05": "2026-05-01", "2026-07-03": "2026-06-01", "2026-08-07": "2026-07-01"}
FIRST_PRINT = {("2026-06-05", "2026-05-01"): "158900"}


def payems(shared: Path) -> list[tuple[str, str]]:
    with open(shared / "fred/PAYEMS.csv") as f:
        return [(r["date"], r["value"]) for r in csv.DictReader(f)]


def fred_handler(rows: list[tuple[str, str]], key: str = KEY):  # type: ignore[no-untyped-def]
    def handle(method: str, path: str, q: dict[str, list[str]], body: bytes):  # type: ignore[no-untyped-def]
        if q.get("api_key") != [key]:
            err = {
                "error_code": 400,
                "error_message": "Bad Request.  The value for variable api_key is not registered.",
            }
            return 400, {"Content-Type": "application/json"}, json.dumps(err).encode()
        sid = q["series_id"][0]
        if sid != "PAYEMS":
            err = {"error_code": 400, "error_message": "Bad Request.  The series does not exist."}
            return 400, {"Content-Type": "application/json"}, json.dumps(err).encode()
        limit = int(q.get("limit", ["100000"])[0])
        offset = int(q.get("offset", ["0"])[0])
        if path.endswith("/series"):
            out: dict[str, object] = {
                "realtime_start": "2026-08-10",
                "realtime_end": "2026-08-10",
                "seriess": [META],
            }
        elif path.endswith("/series/vintagedates"):
            dates = list(VINTAGES)
            out = {
                "realtime_start": "1776-07-04",
                "realtime_end": "9999-12-31",
                "order_by": "vintage_date",
                "sort_order": "asc",
                "count": len(dates),
                "offset": offset,
                "limit": limit,
                "vintage_dates": dates[offset : offset + limit],
            }
        elif path.endswith("/series/observations"):
            rt = q.get("realtime_start", ["2026-08-10"])[0]
            last = VINTAGES.get(rt, "9999-12-31")
            known = [(d, FIRST_PRINT.get((rt, d), v)) for d, v in rows if d <= last]
            obs = [
                {"realtime_start": rt, "realtime_end": rt, "date": d, "value": v}
                for d, v in known[offset : offset + limit]
            ]
            out = {
                "realtime_start": rt,
                "realtime_end": rt,
                "observation_start": "1776-07-04",
                "observation_end": "9999-12-31",
                "units": "lin",
                "output_type": 1,
                "file_type": "json",
                "order_by": "observation_date",
                "sort_order": "asc",
                "count": len(known),
                "offset": offset,
                "limit": limit,
                "observations": obs,
            }
        else:
            return 404, {}, b"Not Found"
        return 200, {"Content-Type": "application/json; charset=UTF-8"}, json.dumps(out).encode()

    return handle


def env(replay: Replay, key: str = KEY) -> dict[str, str]:
    return {"NORTE_FRED_URL": f"{replay.base}/fred", "NORTE_FRED_KEY": key}


def test_fetch_fred_payems_loads_the_series_as_the_csv_reader_does(
    replay: Replay, shared: Path, tmp_path: Path
) -> None:
    rows = payems(shared)
    replay.handler = fred_handler(rows, key="x")
    r = run_cli(["fetch", "fred", "PAYEMS"], tmp_path, env(replay, key="x"))
    assert r.returncode == 0, r.stderr
    assert f"{len(rows):,} rows (loaded, vintage 2026-08-07)" in r.stderr
    saved = sorted((tmp_path / "downloads").glob("*.json"))
    assert [p.name for p in saved] == ["fred-PAYEMS-2026-08-07.json"]
    # norte ingest detects the saved body by its content
    from norte.sources import detect

    assert detect(saved[0]) is fred_api
    # the same numbers as FRED's CSV read by the fred-csv reader (with its shipped manifest)
    with Store(tmp_path / "s.duckdb") as s:
        api = dict(
            s.con.execute(
                "SELECT period, value FROM observations WHERE dataset = 'fred_PAYEMS'"
            ).fetchall()
        )
        ident = s.con.execute(
            "SELECT DISTINCT measure, unit, detail, reporter FROM observations"
        ).fetchall()
    with Store(tmp_path / "csv.duckdb") as s:
        s.load_file(
            shared / "fred/PAYEMS.csv",
            fred_csv,
            options={"provenance_dirs": [str(REPO / "provenance")]},
        )
        from_csv = dict(s.con.execute("SELECT period, value FROM observations").fetchall())
        csv_ident = s.con.execute(
            "SELECT DISTINCT measure, unit, detail, reporter FROM observations"
        ).fetchall()
    assert len(api) == len(rows) and api == from_csv
    assert ident == csv_ident == [("employment", "jobs", "adj=sa;sector=total_nonfarm", "USA")]
    assert api[dt.date(2026, 7, 1)] == 158_858_000


def test_vintages_each_stored_and_observations_as_of(
    replay: Replay, shared: Path, tmp_path: Path
) -> None:
    replay.handler = fred_handler(payems(shared))
    r = run_cli(["fetch", "fred", "PAYEMS", "--vintages"], tmp_path, env(replay))
    assert r.returncode == 0, r.stderr
    assert "3 vintages to fetch" in r.stderr
    with Store(tmp_path / "s.duckdb") as s:
        q = s.con.execute
        stored = [
            str(v) for (v,) in q("SELECT DISTINCT vintage FROM observations ORDER BY 1").fetchall()
        ]
        assert stored == list(VINTAGES)
        loads = q("SELECT count(*) FROM loads WHERE format = 'fred-api'").fetchone()
        assert loads == (3,)

        def as_of(day: str, period: str) -> float | None:
            row = q(
                "SELECT value FROM observations_as_of(?::DATE) WHERE period = ?::DATE",
                [day, period],
            ).fetchall()
            return row[0][0] if row else None

        assert as_of("2026-06-04", "2026-05-01") is None  # not yet released
        assert as_of("2026-06-05", "2026-05-01") == 158_900_000  # first print
        assert as_of("2026-06-30", "2026-06-01") is None
        assert as_of("2026-07-03", "2026-05-01") == 158_861_000  # revised
        assert as_of("2026-07-03", "2026-06-01") == 158_881_000
        assert as_of("2026-08-01", "2026-07-01") is None
        assert as_of("2026-08-07", "2026-07-01") == 158_858_000
    # a rerun asks only the metadata again: it says nothing changed since the cached vintage
    # dates and vintages were retrieved, so those come from the cache
    n = len(replay.requests)
    again = run_cli(["fetch", "fred", "PAYEMS", "--vintages"], tmp_path, env(replay))
    assert again.returncode == 0, again.stderr
    assert len(replay.requests) == n + 1
    assert again.stderr.count("already-loaded") == 3


def test_failed_fetch_leaves_store_as_it_was_and_rerun_resumes(
    replay: Replay, shared: Path, tmp_path: Path
) -> None:
    handler = fred_handler(payems(shared))
    calls: list[str] = []

    def flaky(method: str, path: str, q: dict[str, list[str]], body: bytes):  # type: ignore[no-untyped-def]
        if q.get("realtime_start") == ["2026-08-07"] and not calls:
            return 503, {"Retry-After": "0"}, b"<html>Service Unavailable</html>"
        return handler(method, path, q, body)

    replay.handler = flaky
    first = run_cli(["fetch", "fred", "PAYEMS", "--vintages"], tmp_path, env(replay))
    assert first.returncode == 6, first.stderr  # network failure, after the retries
    assert "HTTP 503 after 5 attempts" in first.stderr
    assert KEY not in first.stderr and "api_key=***" in first.stderr
    assert not (tmp_path / "s.duckdb").exists()  # nothing loaded: the store is as it was
    calls.append("recovered")
    n = len(replay.requests)
    second = run_cli(["fetch", "fred", "PAYEMS", "--vintages"], tmp_path, env(replay))
    assert second.returncode == 0, second.stderr
    # metadata + the one vintage that failed; vintage dates and two vintages from the cache
    assert len(replay.requests) == n + 2
    assert second.stderr.count("cache hit") == 3
    for f in (tmp_path / "downloads").rglob("*"):
        if f.is_file():
            assert KEY.encode() not in f.read_bytes() and KEY not in f.name


def client(tmp_path: Path, sleeps: list[float], retries: int = 3) -> Client:
    return Client(tmp_path / "cache", retries=retries, backoff=0.5, sleep=sleeps.append)


@pytest.fixture
def fred_env(replay: Replay, shared: Path, monkeypatch: pytest.MonkeyPatch) -> Replay:
    replay.handler = fred_handler(payems(shared))
    for k, v in env(replay).items():
        monkeypatch.setenv(k, v)
    return replay


def test_retry_after_seconds_and_http_date_5xx_and_dropped_body(
    fred_env: Replay, tmp_path: Path
) -> None:
    sleeps: list[float] = []
    c = client(tmp_path, sleeps, retries=4)
    fred_env.script = [
        (429, {"Retry-After": "2"}, b"Too Many Requests"),
        (429, {"Retry-After": "Thu, 01 Jan 1970 00:00:00 GMT"}, b"slow down"),  # in the past
        (502, {}, b"Bad Gateway"),
        DROP,
    ]
    saved = fred_mod.FRED.fetch(c, {"series": ["PAYEMS"]}, tmp_path / "out", lambda m: None)
    c.close()
    assert sleeps == [2.0, 0.0, 2.0, 4.0]  # Retry-After 2 s, a past HTTP-date, then backoff
    assert len(saved) == 1 and saved[0].vintage == dt.date(2026, 8, 7)
    assert len(fred_env.requests) == 4 + 2  # 4 failures, then metadata and observations


def test_paging_joins_every_page(
    fred_env: Replay, shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fred_mod, "PAGE", 250)
    c = client(tmp_path, [])
    saved = fred_mod.FRED.fetch(c, {"series": ["PAYEMS"]}, tmp_path / "out", lambda m: None)
    c.close()
    body = json.loads(saved[0].path.read_text())
    assert [o["date"] for o in body["observations"]] == [d for d, _ in payems(shared)]
    offsets = [r.target for r in fred_env.requests if "observations" in r.target]
    assert len(offsets) == -(-len(payems(shared)) // 250)


def test_html_changed_field_empty_and_bad_series(fred_env: Replay, tmp_path: Path) -> None:
    c = client(tmp_path, [])
    fetch = fred_mod.FRED.fetch
    out = tmp_path / "out"
    fred_env.script = [
        (200, {"Content-Type": "text/html"}, b"<!DOCTYPE html><html>Maintenance</html>")
    ]
    with pytest.raises(InputError, match="body is HTML, not the JSON FRED documents") as e:
        fetch(c, {"series": ["PAYEMS"]}, out, lambda m: None)
    assert "api_key=***" in str(e.value) and KEY not in str(e.value)
    renamed = json.dumps({"realtime_start": "x", "series": [META]}).encode()
    fred_env.script = [(200, {}, renamed)]
    with pytest.raises(InputError, match="field 'seriess' is missing"):
        fetch(c, {"series": ["PAYEMS"]}, out, lambda m: None)
    meta_renamed = dict(META)
    meta_renamed["freq_short"] = meta_renamed.pop("frequency_short")
    fred_env.script = [(200, {}, json.dumps({"seriess": [meta_renamed]}).encode())]
    with pytest.raises(InputError, match=r"seriess\[0\]: field 'frequency_short' is missing"):
        fetch(c, {"series": ["PAYEMS"]}, out, lambda m: None)
    fred_env.script = [(204, {}, b"")]
    with pytest.raises(FetchError, match="empty response"):
        fetch(c, {"series": ["PAYEMS"]}, out, lambda m: None)
    with pytest.raises(FetchError, match="The series does not exist"):
        fetch(c, {"series": ["NOSUCH"]}, out, lambda m: None)
    assert not out.exists() or not list(out.glob("*.json"))
    c.close()


def test_saved_body_with_a_renamed_observation_field_is_refused(
    fred_env: Replay, tmp_path: Path
) -> None:
    c = client(tmp_path, [])
    saved = fred_mod.FRED.fetch(c, {"series": ["PAYEMS"]}, tmp_path / "out", lambda m: None)
    c.close()
    body = json.loads(saved[0].path.read_text())
    body["observations"][3]["val"] = body["observations"][3].pop("value")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(body))
    with Store(tmp_path / "s.duckdb") as s:
        with pytest.raises(InputError, match=r"observations\[3\]: field 'value' is missing"):
            s.load_file(bad, fred_api)
        assert s.count() == 0


def test_missing_dot_is_null_with_status_missing(fred_env: Replay, tmp_path: Path) -> None:
    c = client(tmp_path, [])
    saved = fred_mod.FRED.fetch(c, {"series": ["PAYEMS"]}, tmp_path / "out", lambda m: None)
    c.close()
    body = json.loads(saved[0].path.read_text())
    body["observations"][0]["value"] = "."
    p = tmp_path / "dot.json"
    p.write_text(json.dumps(body))
    with Store(tmp_path / "s.duckdb") as s:
        s.load_file(p, fred_api)
        row = s.con.execute(
            "SELECT value, status FROM observations WHERE period = DATE '1970-01-01'"
        ).fetchall()
    assert row == [(None, "missing")]


def test_no_key_says_what_to_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NORTE_FRED_KEY", raising=False)
    monkeypatch.setenv("NORTE_SECRETS_FILE", str(tmp_path / "none.toml"))
    r = run_cli(["fetch", "fred", "PAYEMS"], tmp_path, {"NORTE_FRED_URL": "http://127.0.0.1:9"})
    assert r.returncode == 2 and "set NORTE_FRED_KEY" in r.stderr
    h = run_cli(["fetch", "fred", "--help"], tmp_path, {})
    assert "NORTE_FRED_KEY" in h.stdout and "--vintages" in h.stdout
