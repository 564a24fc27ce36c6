"""UN Comtrade API v1: the three countries' own reports to the UN, monthly and annual.

``{base}/get/{C}/{A|M}/{HS}?reporterCode=842&period=2023,2024&flowCode=M,X&partnerCode=...
&cmdCode=TOTAL&includeDesc=true&maxRecords=N`` answers ``{"elapsedTime": "...", "count": N,
"data": [{"typeCode": "C", "freqCode": "A", "period": "2023", "reporterCode": 842,
"reporterISO": "USA", "flowCode": "M", "partnerCode": 392, "partnerISO": "JPN",
"cmdCode": "TOTAL", "primaryValue": 151580564290, ...}]}`` (numbers as JSON numbers). The
key (``NORTE_COMTRADE_KEY``) goes in the ``Ocp-Apim-Subscription-Key`` header, never shown.
Base URL ``NORTE_COMTRADE_URL``.

The free tier allows about 500 calls a day and caps the rows of a call (``max_records``,
100,000 by default): requests are split by reporter and by at most ``periods_per_call``
periods (12); a call that comes back full (``count`` = the cap: possibly truncated) is split
again, by halves of its periods, then by flow, and refused when one period and flow alone is
too big. Each call is saved as its own file (format ``comtrade-api``), so a run stopped by the
daily quota (HTTP 403 "Out of call volume quota") keeps what it saved and cached, and the
rerun asks only for the rest.

Comtrade's ``/get`` carries no release date, so before the data of a reporter norte always
asks its data availability, ``{base}/getDa/C/{A|M}/HS?reporterCode=842&period=...`` (one call
a reporter), which answers ``{"count": N, "data": [{"period": "2023", "reporterCode": 842,
"reporterISO": "USA", "classificationCode": "H6", "totalRecords": 31250, "firstReleased":
"2024-02-20T00:00:00", "lastReleased": "2024-06-12T00:00:00", ...}]}``: a period it does not
list has no release yet and is not asked; a cached ``/get`` answer is reused only when it was
retrieved after the day of its periods' newest ``lastReleased`` ended, so the cache never hides
a newer release (ropensci/comtradr#93). The vintage stays the retrieval date; the release is
kept in the saved file's ``norte_request.lastReleased``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from norte.errors import ConfigError, InputError, NetworkError
from norte.fetch.bodies import base_url, checking, field, json_of, strings, utc_date
from norte.fetch.http import Client, FetchError, Response, secret
from norte.fetch.live import Config, Log, Saved, needs, register
from norte.fetch.steps import ALWAYS, day_after, keep, one, refuse, require
from norte.sources import comtrade_api

DEFAULT_BASE = "https://comtradeapi.un.org/data/v1"
M49 = {"USA": "842", "MEX": "484", "CAN": "124"}
KEY_HINT = "set NORTE_COMTRADE_KEY (https://comtradedeveloper.un.org, a free subscription)"
#: The fields norte reads of a data-availability row (``getDa``).
DA_FIELDS = ("period", "reporterCode", "lastReleased")
_PERIOD = {"A": re.compile(r"^\d{4}$"), "M": re.compile(r"^\d{4}(0[1-9]|1[0-2])$")}


def periods(freq: str, start: str, end: str) -> list[str]:
    """Every period from ``start`` to ``end``: years (A) or ``YYYYMM`` months (M)."""
    rx = _PERIOD[freq]
    if not (rx.match(start) and rx.match(end)) or start > end:
        want = "YYYY" if freq == "A" else "YYYYMM"
        raise ConfigError(f"fetch comtrade: periods {start!r}..{end!r}: write {want}, first first")
    if freq == "A":
        return [str(y) for y in range(int(start), int(end) + 1)]
    out, y, m = [], int(start[:4]), int(start[4:])
    while f"{y}{m:02d}" <= end:
        out.append(f"{y}{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@dataclass(frozen=True)
class _Ask:
    """What every call of one reporter shares."""

    client: Client
    url: str
    headers: dict[str, str]
    rep: str
    freq: str
    out_dir: Path
    log: Callable[[str], None]
    released: dict[str, dt.date]  # period -> its last release (getDa)


def release_date(text: str, where: str, place: str) -> dt.date:
    """``lastReleased`` (``2024-03-07`` or ``2024-03-07T10:15:00``) -> its date."""
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise InputError(
            where, place, f"{text!r} is not a date", expected="YYYY-MM-DD[THH:MM:SS]"
        ) from None


class Comtrade:
    name = "comtrade"
    needs = needs(
        "comtrade",
        DEFAULT_BASE,
        "NORTE_COMTRADE_KEY",
        "UN Comtrade subscription key, sent as the Ocp-Apim-Subscription-Key header",
    )

    def fetch(self, client: Client, config: Config, out_dir: Path, log: Log) -> list[Saved]:
        """``config``: ``reporters`` (USA, MEX, CAN), ``freq`` (A or M), ``start``/``end``
        (YYYY or YYYYMM), ``partners`` (M49 codes; default all), ``flows`` (default M,X),
        ``cmd`` (default TOTAL), ``max_records``, ``periods_per_call``."""
        reporters = strings(config, "reporters", "ISO3 codes") or list(M49)
        for r in reporters:
            if r not in M49:
                raise ConfigError(f"fetch comtrade: reporter {r!r}: one of {', '.join(M49)}")
        freq = str(config.get("freq") or "A")
        if freq not in _PERIOD:
            raise ConfigError(f"fetch comtrade: freq {freq!r}: A (annual) or M (monthly)")
        if not config.get("start"):
            raise ConfigError("fetch comtrade: give the first period (--from YYYY or YYYYMM)")
        start = str(config["start"])
        every = periods(freq, start, str(config.get("end") or start))
        key = secret("NORTE_COMTRADE_KEY")
        if not key:
            raise ConfigError(f"fetch comtrade: no key — {KEY_HINT}")
        base = {
            "flowCode": ",".join(strings(config, "flows", "flow codes") or ["M", "X"]),
            "cmdCode": str(config.get("cmd") or "TOTAL"),
            "includeDesc": "true",
            "maxRecords": str(int(str(config.get("max_records") or 100_000))),
        }
        partners = strings(config, "partners", "M49 codes")
        if partners:
            base["partnerCode"] = ",".join(partners)
        per_call = int(str(config.get("periods_per_call") or 12))
        root = base_url("comtrade", DEFAULT_BASE)
        headers = {"Ocp-Apim-Subscription-Key": key}
        out: list[Saved] = []
        for rep in reporters:
            released = self.availability(client, root, headers, rep, freq, every)
            ask = _Ask(
                client, f"{root}/get/C/{freq}/HS", headers, rep, freq, out_dir, log, released
            )
            todo = [p for p in every if p in released]
            if len(todo) < len(every):
                log(
                    f"Comtrade {rep}: no release yet of {', '.join(sorted(set(every) - set(todo)))}"
                )
            for i in range(0, len(todo), per_call):
                chunk = todo[i : i + per_call]
                params = {**base, "reporterCode": M49[rep], "period": ",".join(chunk)}
                out += self._call(ask, params)
        return out

    def availability(
        self,
        client: Client,
        root: str,
        headers: dict[str, str],
        rep: str,
        freq: str,
        every: list[str],
    ) -> dict[str, dt.date]:
        """The last release of each period ``rep`` has data for (``getDa``, always asked: it
        says whether a cached answer still holds the newest release); absent: not released."""
        params = {"reporterCode": M49[rep], "period": ",".join(every)}
        r = client.get(f"{root}/getDa/C/{freq}/HS", params, headers=headers, fresh_after=ALWAYS)
        self._status(r)
        body = json_of(r, "UN Comtrade", hint=KEY_HINT)
        out: dict[str, dt.date] = {}
        if body is None:
            return out
        with checking(r):
            rows = field(body, "data", r.url, "body", "Comtrade's data availability {count, data}")
            require(rows, DA_FIELDS, r.url, "data[{n}]")
            for n, row in enumerate(rows):
                day = release_date(str(row["lastReleased"]), r.url, f"data[{n}].lastReleased")
                per = str(row["period"])
                out[per] = max(day, out.get(per, day))
        return out

    def _call(self, ask: _Ask, params: dict[str, str]) -> list[Saved]:
        pers = params["period"].split(",")
        # a release is dated without a time: only an answer retrieved after that day ended
        # is known to hold it
        newest = max(ask.released[p] for p in pers)
        r = ask.client.get(ask.url, params, headers=ask.headers, fresh_after=day_after(newest))
        self._status(r)
        body = json_of(r, "UN Comtrade", hint=KEY_HINT)
        if body is None:
            return []
        with checking(r):
            rows = field(body, "data", r.url, "body", "Comtrade's {count, data} object")
            if body.get("error"):
                raise InputError(r.url, "error", f"Comtrade answered: {body['error']}")
            require(rows, comtrade_api.FIELDS, r.url, "data[{n}]")
        cap = int(params["maxRecords"])
        if len(rows) >= cap:
            return self._split(ask, params, r)
        if not rows:
            ask.log(f"Comtrade {ask.rep} {params['period']}: no data")
            return []
        retrieved = utc_date(r.retrieved_at)
        request = {"reporter": ask.rep, "freq": ask.freq, "period": params["period"]}
        request |= {"flowCode": params["flowCode"], "retrieved": retrieved.isoformat()}
        request["lastReleased"] = newest.isoformat()
        saved: dict[str, Any] = {"norte_format": comtrade_api.FORMAT, "norte_request": request}
        saved |= body
        tag = pers[0] if len(pers) == 1 else f"{pers[0]}-{pers[-1]}"
        flows = params["flowCode"].replace(",", "")
        name = f"comtrade-{ask.rep}-{ask.freq}-{tag}-{flows}-{retrieved}.json"
        n = f"{len(rows):,} rows"
        return [keep(ask.out_dir, name, saved, comtrade_api, retrieved, one(r), ask.log, n)]

    def _split(self, ask: _Ask, params: dict[str, str], r: Response) -> list[Saved]:
        pers = params["period"].split(",")
        flows = params["flowCode"].split(",")
        if len(pers) > 1:
            half = len(pers) // 2
            parts = [{**params, "period": ",".join(p)} for p in (pers[:half], pers[half:])]
        elif len(flows) > 1:
            parts = [{**params, "flowCode": f} for f in flows]
        else:
            raise FetchError(
                r.url,
                f"one period and flow returned {params['maxRecords']} rows, the cap of a call: "
                "the answer may be cut — ask fewer partners or commodities, or raise "
                "max_records if your subscription allows it",
            )
        ask.log(f"Comtrade {ask.rep} {params['period']}: a full answer (the row cap): split in 2")
        out: list[Saved] = []
        for p in parts:
            out += self._call(ask, p)
        return out

    def _status(self, r: Response) -> None:
        if r.status == 403 and b"quota" in r.body.lower():
            raise NetworkError(
                f"{r.url}: UN Comtrade's call quota is spent ({r.text(120)}): run again when "
                "it is replenished — the calls already answered are saved and cached, the "
                "rerun asks only for the rest"
            )
        refuse(r, "Comtrade", KEY_HINT, bad=(400,), place="request")


COMTRADE = register(Comtrade())
