"""FRED / ALFRED (Federal Reserve Bank of St. Louis): series metadata and observations.

``series?series_id=`` gives the metadata (title, units, frequency, seasonal adjustment,
``last_updated``); ``series/observations`` the values (strings, ``"."`` missing), paged by
``limit``/``offset`` (at most 100,000 a page); ``series/vintagedates`` every date the series
was revised (ALFRED). The key (``NORTE_FRED_KEY``, environment or secrets file) goes in the
``api_key`` parameter and is never shown. Base URL ``NORTE_FRED_URL``.

Each saved file is FRED's observations body (pages joined) with the series metadata under
``norte_series`` and the request under ``norte_request`` (format ``fred-api``). Without
``vintages`` one file: the current values, vintage = the series' ``last_updated`` date. With
``vintages``, one file per ALFRED vintage date (``realtime_start = realtime_end = date``: the
series as known that day), each loaded as its own vintage, so ``observations_as_of(DATE)``
answers what was known on DATE. Vintage bodies are of the past and never change: the cache
keeps them; the metadata is always asked again (it says whether anything is new).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from norte.errors import ConfigError
from norte.fetch.bodies import base_url, checking, field, save_json, strings
from norte.fetch.http import Client, FetchError, Response, secret
from norte.fetch.live import Config, Log, Saved, needs, register
from norte.fetch.steps import Pages, keep, need_json, refuse, require
from norte.sources import fred_api

DEFAULT_BASE = "https://api.stlouisfed.org/fred"
PAGE = 100_000
SERIES_ID = re.compile(r"^[A-Za-z0-9_.]{1,40}$")
KEY_HINT = "set NORTE_FRED_KEY (free key: https://fredaccount.stlouisfed.org/apikeys)"


def last_updated(text: str) -> tuple[dt.date, float]:
    """``2026-08-07 07:51:02-05`` -> (its date, its POSIX time)."""
    t = dt.datetime.strptime(text.strip() + "00", "%Y-%m-%d %H:%M:%S%z")
    return t.date(), t.timestamp()


class Fred:
    name = "fred"
    needs = needs("fred", DEFAULT_BASE, "NORTE_FRED_KEY", "FRED API key (" + KEY_HINT + ")")

    def fetch(self, client: Client, config: Config, out_dir: Path, log: Log) -> list[Saved]:
        """``config``: ``series`` (ids), ``vintages`` (bool), ``vintages_since`` (YYYY-MM-DD:
        only vintages on or after it)."""
        series = strings(config, "series", "FRED series ids")
        if not series:
            raise ConfigError("fetch fred: name at least one series id, e.g. PAYEMS")
        for s in series:
            if not SERIES_ID.match(s):
                raise ConfigError(f"fetch fred: {s!r} is not a FRED series id (e.g. PAYEMS)")
        since = config.get("vintages_since")
        if since is not None and not isinstance(since, dt.date):
            try:
                since = dt.date.fromisoformat(str(since))
            except ValueError:
                raise ConfigError(
                    f"fetch fred: vintages_since {since!r} is not a date (YYYY-MM-DD)"
                ) from None
        key = secret("NORTE_FRED_KEY")
        if not key:
            raise ConfigError(f"fetch fred: no API key — {KEY_HINT}")
        out: list[Saved] = []
        for s in series:
            out += self._series(
                client, s.upper(), key, bool(config.get("vintages")), since, out_dir, log
            )
        return out

    def _get(
        self, client: Client, path: str, params: dict[str, str], key: str, fresh: float | None
    ) -> tuple[Any, Response]:
        url = f"{base_url('fred', DEFAULT_BASE)}/{path}"
        r = client.get(url, {**params, "api_key": key, "file_type": "json"}, fresh_after=fresh)
        if r.status == 400 or r.status == 404:
            body = json_or_text(r.body)
            raise FetchError(r.url, f"HTTP {r.status}: {body} — check the series id", r.status)
        refuse(r, "FRED", KEY_HINT)
        return need_json(r, "FRED", hint=KEY_HINT), r

    def _series(
        self,
        client: Client,
        sid: str,
        key: str,
        vintages: bool,
        since: object,
        out_dir: Path,
        log: Callable[[str], None],
    ) -> list[Saved]:
        meta_body, r = self._get(client, "series", {"series_id": sid}, key, time.time())
        seriess = field(meta_body, "seriess", r.url, "body", "FRED's series object")
        if not isinstance(seriess, list) or not seriess:
            raise FetchError(r.url, f"FRED knows no series {sid}")
        meta = seriess[0]
        require(
            [meta],
            ("id", "title", "units", "frequency_short", "seasonal_adjustment_short"),
            r.url,
            "seriess[{n}]",
        )
        updated, updated_at = last_updated(str(field(meta, "last_updated", r.url, "seriess[0]")))
        if not vintages:
            obs, pages = self._observations(client, sid, key, None, updated_at)
            body = {
                "norte_format": fred_api.FORMAT,
                "norte_series": meta,
                "norte_request": {"series_id": sid, "realtime": None},
            }
            body |= obs
            n = f"{len(body['observations']):,} observations"
            return [
                keep(out_dir, f"fred-{sid}-{updated}.json", body, fred_api, updated, pages, log, n)
            ]
        dates = self._vintage_dates(client, sid, key, updated_at)
        if isinstance(since, dt.date):
            dates = [d for d in dates if d >= since]
        log(f"FRED {sid}: {len(dates):,} vintages to fetch")
        out: list[Saved] = []
        for d in dates:
            # A past vintage never changes: its cached body is always good.
            obs, pages = self._observations(client, sid, key, d, None)
            request = {"series_id": sid, "realtime": d.isoformat()}
            body = {"norte_format": fred_api.FORMAT, "norte_series": meta, "norte_request": request}
            body |= obs
            path = save_json(out_dir, f"fred-{sid}-vintage-{d}.json", body)
            out.append(Saved(path, fred_api, d, pages.cached, pages.first_url))
        log(f"saved {len(out):,} vintages of {sid} under {out_dir}")
        return out

    def _vintage_dates(self, client: Client, sid: str, key: str, fresh: float) -> list[dt.date]:
        dates: list[dt.date] = []
        offset = 0
        while True:
            body, r = self._get(
                client,
                "series/vintagedates",
                {"series_id": sid, "limit": "10000", "offset": str(offset)},
                key,
                fresh,
            )
            page = field(body, "vintage_dates", r.url, "body", "ALFRED's vintage dates")
            for n, v in enumerate(page):
                try:
                    dates.append(dt.date.fromisoformat(str(v)))
                except ValueError:
                    raise FetchError(r.url, f"vintage_dates[{n}]: {v!r} is not a date") from None
            offset += len(page)
            if not page or offset >= int(field(body, "count", r.url, "body")):
                return dates

    def _observations(
        self, client: Client, sid: str, key: str, realtime: dt.date | None, fresh: float | None
    ) -> tuple[dict[str, Any], Pages]:
        params = {"series_id": sid, "limit": str(PAGE)}
        if realtime is not None:
            params |= {"realtime_start": realtime.isoformat(), "realtime_end": realtime.isoformat()}
        offset = 0
        joined: dict[str, Any] | None = None
        pages = Pages()
        while True:
            body, r = self._get(
                client, "series/observations", {**params, "offset": str(offset)}, key, fresh
            )
            pages.add(r)
            with checking(r):
                obs = field(body, "observations", r.url, "body", "FRED's observations object")
                count = int(field(body, "count", r.url, "body"))
                require(obs, ("date", "value"), r.url, "observations[{n}]")
            if joined is None:
                joined = body
            else:
                joined["observations"] += obs
            offset += len(obs)
            if not obs or offset >= count:
                break
        assert joined is not None
        joined["offset"] = 0
        return joined, pages


def json_or_text(body: bytes) -> str:
    try:
        data = json.loads(body)
        if isinstance(data, dict) and "error_message" in data:
            return str(data["error_message"])
    except ValueError:
        pass
    return body[:200].decode("utf-8", "replace").strip()


FRED = register(Fred())
