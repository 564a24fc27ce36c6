"""The agencies' own schedule formats (norte/refresh/schedules.py), served from 127.0.0.1 in
their documented shapes: BEA's release_dates.json (the FT-900 is a joint Census/BEA release),
StatCan's "Upcoming releases" page of The Daily, the BTS TransBorder page's "next data
release" sentence. Dates here are replay values (the shapes are the agencies'), not a
transcribed 2026 schedule."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from norte.errors import InputError
from norte.refresh.calendar import merge_online, shipped
from norte.refresh.schedules import bea_release_dates, bts_next_release, statcan_upcoming
from norte.store import Store
from tests.fetch.conftest import Answer, Request, serve

FT900 = "U.S. International Trade in Goods and Services"


def bea(dates: list[str]) -> bytes:
    return json.dumps(
        {
            "Gross Domestic Product": {"release_dates": ["2030-01-30T08:30:00-05:00"]},
            FT900: {"release_dates": dates},
            "Personal Income and Outlays": {"release_dates": ["2030-01-31T08:30:00-05:00"]},
        }
    ).encode()


STATCAN = b"""<html><body><h1>Release schedule</h1><h2>Upcoming releases</h2>
<p>December 22, 2029 to January 8, 2030</p>
<p>This list is compiled for planning purposes only.</p>
<h3>December 23</h3><ol><li>(lockup) Gross domestic product by industry, October 2029</li></ol>
<h3>January 7</h3><ol><li>(lockup) Canadian international merchandise trade, November 2029</li>
<li>Payroll employment, earnings and hours, October 2029</li></ol>
<p>Produced at Statistics Canada, December 18, 2029.</p></body></html>"""

BTS = b"""<html><body><div class="field">QUERY DETAILED STATISTICS: June 2016 data are the most
recent data.  The next data release will be on Thursday, September 22, 2016. Export weights for
land modes are not available.</div></body></html>"""


def test_bea_release_dates_give_the_ft900_months() -> None:
    got = bea_release_dates(
        bea(["2030-02-05T08:30:00-05:00", "2030-03-06T08:30:00-05:00"]),
        "http://127.0.0.1/release_dates.json",
        "international trade in goods and services",
    )
    # a release covers the month two months before its release month (about 35 days lag)
    assert got == [
        (dt.date(2030, 2, 5), dt.date(2029, 12, 1)),
        (dt.date(2030, 3, 6), dt.date(2030, 1, 1)),
    ]
    with pytest.raises(InputError, match=r"release_dates\[0\]: 'soon' is not a date-time"):
        bea_release_dates(bea(["soon"]), "u", "international trade in goods and services")
    with pytest.raises(InputError, match="no release named like"):
        bea_release_dates(b'{"Gross Domestic Product": {}}', "u", "international trade")


def test_statcan_upcoming_releases_page() -> None:
    got = statcan_upcoming(STATCAN, "u", "Canadian international merchandise trade")
    assert got == [(dt.date(2030, 1, 7), dt.date(2029, 11, 1))]  # across the new year
    with pytest.raises(InputError, match="no date range heading"):
        statcan_upcoming(b"<html>Maintenance</html>", "u", "Canadian international")


def test_bts_next_release_sentence() -> None:
    assert bts_next_release(BTS, "u") == [(dt.date(2016, 9, 22), dt.date(2016, 7, 1))]
    with pytest.raises(InputError, match="no 'next data release' sentence"):
        bts_next_release(b"<html>TransBorder Freight Data</html>", "u")


def test_an_agency_page_merges_as_published() -> None:
    s = merge_online(shipped()["transborder"], BTS, "http://127.0.0.1/transborder")
    assert (dt.date(2016, 9, 22), dt.date(2016, 7, 1)) in s.releases
    with pytest.raises(InputError, match="not a release schedule: no 'next data release'"):
        merge_online(shipped()["transborder"], b"<html></html>", "http://127.0.0.1/t")
    with pytest.raises(InputError, match="not a release schedule"):  # INEGI: no parser
        merge_online(shipped()["inegi_bcmm"], b"<html></html>", "http://127.0.0.1/i")


@pytest.fixture
def agency() -> Iterator[tuple[str, dict[str, bytes], list[Request]]]:
    """The agencies' schedule pages from 127.0.0.1 (the fetch tests' replay server)."""
    pages: dict[str, bytes] = {}
    with serve() as replay:

        def answer(m: str, path: str, q: dict[str, list[str]], b: bytes) -> Answer:
            return (200, {}, pages[path]) if path in pages else (404, {}, b"<html>gone</html>")

        replay.handler = answer
        yield replay.base, pages, replay.requests


def _census_store(shared: Path, db: Path) -> None:
    from norte.sources import census_api

    with Store(db) as s:
        s.load_file(shared / "census/api/exports-country-2013-2024.json.gz", census_api)


def test_cli_reads_bea_dates_and_falls_back_with_a_warning(
    shared: Path, tmp_path: Path, agency: tuple[str, dict[str, bytes], list[Request]]
) -> None:
    base, pages, hits = agency
    db = tmp_path / "norte.duckdb"
    _census_store(shared, db)
    # the 5th of every month from 2025 to two years from now, BEA's shape
    today = dt.date.today()
    dates = [
        f"{y}-{m:02d}-05T08:30:00-05:00" for y in range(2025, today.year + 3) for m in range(1, 13)
    ]
    pages["/release_dates.json"] = bea(dates)
    cfg = tmp_path / "norte.toml"
    cfg.write_text(f'[calendar.online]\ncensus = "{base}/release_dates.json"\n')
    cmd = [sys.executable, "-m", "norte.cli", "--db", str(db), "--config", str(cfg)]
    ok = subprocess.run([*cmd, "calendar", "--json"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    (r,) = json.loads(ok.stdout)
    assert r["source"] == "census" and r["status"] == "published", r
    assert r["at"].endswith("08:30:00-05:00") or r["at"].endswith("08:30:00-04:00")
    assert dt.date.fromisoformat(r["at"][:10]).day == 5
    # the agency changed its page: the calendar still answers, estimated, and says which
    # (a new path: the calendar caches a fetched schedule for an hour)
    pages["/changed.json"] = b"<html><body>We moved</body></html>"
    cfg.write_text(f'[calendar.online]\ncensus = "{base}/changed.json"\n')
    changed = subprocess.run(
        [*cmd, "calendar", "--json"], capture_output=True, text=True, timeout=120
    )
    assert changed.returncode == 0, changed.stderr
    assert json.loads(changed.stdout)[0]["status"] == "estimated"
    assert "warning: the census schedule (U.S. Census Bureau" in changed.stderr
    assert "not a release schedule" in changed.stderr
    # ... or took it down
    cfg.write_text(f'[calendar.online]\ncensus = "{base}/moved.json"\n')
    gone = subprocess.run([*cmd, "calendar", "--json"], capture_output=True, text=True, timeout=120)
    assert gone.returncode == 0, gone.stderr
    assert json.loads(gone.stdout)[0]["status"] == "estimated"
    assert "census schedule" in gone.stderr and "HTTP 404" in gone.stderr and len(hits) == 3


def test_the_verified_2026_census_release_is_published() -> None:
    from zoneinfo import ZoneInfo

    from norte.refresh.calendar import next_release

    s = shipped()["census"]
    assert (dt.date(2026, 2, 19), dt.date(2025, 12, 1)) in s.releases
    et = ZoneInfo("America/New_York")
    r = next_release(s, dt.date(2025, 11, 1), dt.datetime(2026, 2, 10, tzinfo=et))
    assert (r.status, r.period, r.human()) == (
        "published",
        dt.date(2025, 12, 1),
        "Thu 19 Feb 2026, 08:30 ET",
    )


def test_bea_names_with_a_suffix_count() -> None:
    body = json.dumps(
        {f"{FT900}, Annual Revision": {"release_dates": ["2030-06-06T08:30:00-04:00"]}}
    ).encode()
    got = bea_release_dates(body, "u", "international trade in goods and services")
    assert got == [(dt.date(2030, 6, 6), dt.date(2030, 4, 1))]


def test_fetch_asks_every_agency_schedule(
    agency: tuple[str, dict[str, bytes], list[Request]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`norte calendar --fetch`: each shipped schedule's online_url (here on 127.0.0.1)."""
    import dataclasses

    from norte.refresh import cli

    base, pages, hits = agency
    pages["/bea.json"] = bea(["2030-02-05T08:30:00-05:00"])
    pages["/transborder"] = BTS
    real = shipped()
    urls = {"census": "/bea.json", "transborder": "/transborder", "statcan": "/daily"}
    fake = {
        k: dataclasses.replace(v, online_url=f"{base}{urls[k]}" if k in urls else "")
        for k, v in real.items()
    }
    monkeypatch.setattr(cli, "shipped", lambda: fake)
    assert cli.schedules({}, tmp_path, offline=False) == fake  # without --fetch: nothing asked
    assert hits == []
    got = cli.schedules({}, tmp_path, offline=False, fetch=True)
    assert sorted(h.target for h in hits) == ["/bea.json", "/daily", "/transborder"]
    assert (dt.date(2030, 2, 5), dt.date(2029, 12, 1)) in got["census"].releases
    assert (dt.date(2016, 9, 22), dt.date(2016, 7, 1)) in got["transborder"].releases
    assert got["statcan"] == fake["statcan"]  # its page is gone: shipped dates, a warning
    assert "the statcan schedule (Statistics Canada) could not be read" in capsys.readouterr().err
