"""The release calendar: when each loaded source publishes next (``norte calendar``).

Schedules ship as data (``norte/data/calendar/<source>.toml``: the agency's schedule page as
citation, the release time, the documented lag and the verified ``releases``); a release read
from there is *published*. A source without a verified date for its next period gets the
documented lag after the period ends, marked *estimated*. With ``[calendar.online]`` settings
(``NAME = URL``), or with ``norte calendar --fetch`` (each schedule's ``online_url``), the
schedule is fetched — norte's JSON (``{"releases": [{"date": "2026-12-08", "period":
"2026-10"}]}``) or the agency's own published format (:mod:`norte.refresh.schedules`) — and
its dates count as published; a schedule that cannot be read keeps the estimate, with a
warning naming the source.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from norte.errors import ConfigError, InputError


@dataclass(frozen=True)
class Schedule:
    source: str
    title: str
    agency: str
    schedule_url: str
    time: str  # HH:MM, local to tz
    tz: str
    freq: str  # M or Q: the period a release adds
    lag_days: int
    lag_basis: str
    releases: tuple[tuple[dt.date, dt.date], ...]  # (release date, period), verified
    online_url: str = ""  # the agency's published schedule, read by norte.refresh.schedules


@dataclass(frozen=True)
class Release:
    """The next release of one source's data."""

    source: str
    title: str
    period: dt.date  # the first period the release adds
    at: dt.datetime  # aware, in the agency's time zone
    status: str  # "published" (from the schedule) or "estimated" (documented lag)
    due: bool  # an earlier release has passed and the store does not hold its period yet
    missing: dt.date | None  # the first period due but not loaded
    citation: str

    def human(self) -> str:
        """``Thu 3 Dec 2026, 08:30 ET`` (Eastern time for every agency)."""
        et = self.at.astimezone(ZoneInfo("America/New_York"))
        return f"{et:%a} {et.day} {et:%b %Y, %H:%M} ET"

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["period"] = self.period.isoformat()
        d["missing"] = self.missing.isoformat() if self.missing else None
        d["at"] = self.at.isoformat()
        d["when"] = self.human()
        return d


def _month(text: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{text}-01" if len(text) == 7 else text).replace(day=1)
    except ValueError:
        raise InputError(where, "period", f"{text!r} is not a month", expected="YYYY-MM") from None


def parse_schedule(data: Mapping[str, Any], where: str) -> Schedule:
    """A schedule from its TOML/JSON table; ``where`` names the file or URL in errors."""
    try:
        rel: list[tuple[dt.date, dt.date]] = []
        for i, r in enumerate(data.get("releases", [])):
            try:
                day = dt.date.fromisoformat(str(r["date"]))
            except (KeyError, ValueError):
                raise InputError(
                    where,
                    f"releases[{i}].date",
                    f"{r.get('date')!r} is not a date",
                    expected="YYYY-MM-DD",
                ) from None
            rel.append((day, _month(str(r.get("period", "")), where)))
        return Schedule(
            source=str(data["source"]),
            title=str(data["title"]),
            agency=str(data["agency"]),
            schedule_url=str(data["schedule_url"]),
            time=str(data.get("time", "08:30")),
            tz=str(data.get("tz", "America/New_York")),
            freq=str(data.get("freq", "M")),
            lag_days=int(data["lag_days"]),
            lag_basis=str(data.get("lag_basis", "")),
            releases=tuple(sorted(rel)),
            online_url=str(data.get("online_url", "")),
        )
    except KeyError as e:
        raise InputError(where, str(e.args[0]), "missing key", expected="a calendar table") from e


def shipped() -> dict[str, Schedule]:
    """The schedules shipped in ``norte/data/calendar``, by source."""
    out: dict[str, Schedule] = {}
    for f in sorted(
        (resources.files("norte") / "data" / "calendar").iterdir(), key=lambda p: p.name
    ):
        if f.name.endswith(".toml"):
            s = parse_schedule(tomllib.loads(f.read_text("utf-8")), f"norte/data/calendar/{f.name}")
            out[s.source] = s
    return out


def merge_online(base: Schedule, body: bytes, url: str) -> Schedule:
    """``base`` with the releases of a fetched schedule added (they count as published): norte's
    JSON ``{"releases": [...]}``, else the agency's own published format
    (:data:`norte.refresh.schedules.PARSERS`)."""
    from norte.refresh.schedules import PARSERS

    try:
        data = json.loads(body)
        items = data["releases"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        items = None
    if items is not None:
        extra = parse_schedule({**asdict(base), "releases": items}, url).releases
    else:
        expected = 'JSON {"releases": [{"date": "YYYY-MM-DD", "period": "YYYY-MM"}]}'
        parser = PARSERS.get(base.source)
        if parser is None:
            raise InputError(url, "body", "not a release schedule", expected=expected)
        try:
            extra = tuple(parser(body, url))
        except InputError as e:
            raise InputError(
                url,
                e.place,
                f"not a release schedule: {e.problem}",
                expected=f"{e.expected or base.agency + ' schedule'}, or {expected}",
            ) from None
    return Schedule(**{**asdict(base), "releases": tuple(sorted(set(base.releases) | set(extra)))})


def _next_period(p: dt.date, freq: str) -> dt.date:
    step = 3 if freq == "Q" else 1
    m = p.month - 1 + step
    return dt.date(p.year + m // 12, m % 12 + 1, 1)


def _period_end(p: dt.date, freq: str) -> dt.date:
    return _next_period(p, freq) - dt.timedelta(days=1)


def newest_periods(con: duckdb.DuckDBPyConnection) -> dict[str, dt.date]:
    """The newest period each source holds (its monthly or quarterly rows)."""
    rows = con.execute(
        "SELECT source, max(period) FROM observations WHERE freq IN ('M', 'Q') GROUP BY 1"
    ).fetchall()
    return {str(s): p for s, p in rows}


def _release_of(s: Schedule, period: dt.date) -> tuple[dt.datetime, str]:
    """When ``period`` is (or was) released: the schedule's date, else the estimate."""
    hh, mm = (int(x) for x in s.time.split(":"))
    tz = ZoneInfo(s.tz)
    for day, p in s.releases:
        if p == period:
            return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=tz), "published"
    day = _period_end(period, s.freq) + dt.timedelta(days=s.lag_days)
    while day.weekday() >= 5:  # agencies publish on weekdays (holidays are not modelled)
        day += dt.timedelta(days=1)
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=tz), "estimated"


def next_release(s: Schedule, newest: dt.date, now: dt.datetime) -> Release:
    """The next release after ``now`` of the source whose newest stored period is ``newest``
    (the schedule's date when it has one, else the period's end + the documented lag); ``due``
    when a period after ``newest`` should already be out (``missing`` names the first)."""
    first = _next_period(newest, s.freq)
    period = first
    at, status = _release_of(s, period)
    for _ in range(600):  # 50 years of months: a bound, never reached with real data
        if at > now:
            break
        period = _next_period(period, s.freq)
        at, status = _release_of(s, period)
    due = period != first
    cite = (
        s.schedule_url
        if status == "published"
        else f"estimated: {s.lag_basis}; schedule {s.schedule_url}"
    )
    return Release(s.source, s.title, period, at, status, due, first if due else None, cite)


def calendar(
    con: duckdb.DuckDBPyConnection,
    now: dt.datetime,
    schedules: Mapping[str, Schedule] | None = None,
) -> list[Release]:
    """The next release of every loaded source that has a schedule, soonest first."""
    if now.tzinfo is None:
        raise ConfigError("calendar: 'now' must carry a time zone")
    sch = shipped() if schedules is None else schedules
    out = [next_release(sch[src], p, now) for src, p in newest_periods(con).items() if src in sch]
    return sorted(out, key=lambda r: (r.at, r.source))
