"""The release calendar: shipped schedules, estimated dates, online schedules from 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from norte.errors import InputError
from norte.refresh.calendar import calendar, merge_online, next_release, parse_schedule, shipped
from norte.store import Store

ET = ZoneInfo("America/New_York")


def test_every_shipped_schedule_cites_its_agency() -> None:
    sch = shipped()
    assert {"census", "transborder", "statcan", "inegi_bcmm", "inegi_pib"} <= set(sch)
    for s in sch.values():
        assert s.schedule_url.startswith("https://") and s.agency and s.lag_basis
        # nothing unverified is shipped as published: one past FT-900 date, from BEA's list
        verified = {"census": ((dt.date(2026, 2, 19), dt.date(2025, 12, 1)),)}
        assert s.releases == verified.get(s.source, ())


def test_estimated_date_is_the_documented_lag_on_a_weekday() -> None:
    s = shipped()["census"]
    now = dt.datetime(2024, 12, 20, tzinfo=ET)
    r = next_release(s, dt.date(2024, 10, 1), now)
    # November 2024 ends on the 30th; + 37 days = Mon 6 Jan 2025
    assert (r.period, r.status, r.due, r.missing) == (
        dt.date(2024, 11, 1),
        "estimated",
        False,
        None,
    )
    assert r.human() == "Mon 6 Jan 2025, 08:30 ET"
    # estimates never fall on a weekend
    r2 = next_release(s, dt.date(2025, 2, 1), dt.datetime(2025, 3, 1, tzinfo=ET))
    assert r2.at.weekday() < 5


def test_a_passed_release_not_loaded_is_due() -> None:
    s = shipped()["transborder"]
    now = dt.datetime(2026, 12, 1, 12, tzinfo=ET)
    r = next_release(s, dt.date(2024, 1, 1), now)
    assert r.due and r.missing == dt.date(2024, 2, 1)
    assert r.at > now and r.period > r.missing


def test_a_published_date_wins_over_the_estimate() -> None:
    base = shipped()["census"]
    body = json.dumps({"releases": [{"date": "2025-01-07", "period": "2024-11"}]}).encode()
    s = merge_online(base, body, "http://127.0.0.1/schedule.json")
    r = next_release(s, dt.date(2024, 10, 1), dt.datetime(2024, 12, 20, tzinfo=ET))
    assert r.status == "published" and r.human() == "Tue 7 Jan 2025, 08:30 ET"


def test_bad_schedule_names_the_place() -> None:
    with pytest.raises(InputError, match=r"releases\[0\].date.*YYYY-MM-DD"):
        parse_schedule(
            {
                "source": "x",
                "title": "t",
                "agency": "a",
                "schedule_url": "u",
                "lag_days": 3,
                "releases": [{"date": "7 Jan", "period": "2024-11"}],
            },
            "x.toml",
        )
    with pytest.raises(InputError, match="not a release schedule"):
        merge_online(shipped()["census"], b"<html>", "http://127.0.0.1/s")


def test_calendar_lists_loaded_sources_only(shared: Path, store: Store) -> None:
    from norte.sources import census_api

    store.load_file(shared / "census/api/exports-country-2013-2024.json.gz", census_api)
    rel = calendar(store.con, dt.datetime(2025, 1, 10, tzinfo=ET))
    assert [r.source for r in rel] == ["census"]
    assert rel[0].period == dt.date(2025, 1, 1)  # newest month in the file: Dec 2024


@pytest.fixture
def schedule_server() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            body = json.dumps({"releases": [{"date": "2030-02-05", "period": "2029-12"}]})
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/census.json", hits
    server.shutdown()


def test_cli_fetches_the_online_schedule(
    shared: Path, tmp_path: Path, schedule_server: tuple[str, list[str]]
) -> None:
    from norte.sources import census_api

    url, hits = schedule_server
    db = tmp_path / "norte.duckdb"
    with Store(db) as s:
        s.load_file(shared / "census/api/exports-country-2013-2024.json.gz", census_api)
        s.con.execute("DELETE FROM observations_long WHERE period > DATE '2024-06-01'")
    cfg = tmp_path / "norte.toml"
    cfg.write_text(f'[calendar.online]\ncensus = "{url}"\n')
    cmd = [sys.executable, "-m", "norte.cli", "--db", str(db), "--config", str(cfg)]
    out = subprocess.run([*cmd, "calendar", "--json"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    (r,) = json.loads(out.stdout)
    assert hits and r["source"] == "census"
    assert r["status"] == "estimated"  # 2029-12 is not the next period: estimates stay
    text = subprocess.run([*cmd, "calendar", "--offline"], capture_output=True, text=True)
    assert "estimated" in text.stdout and " ET " in text.stdout and len(hits) == 1
