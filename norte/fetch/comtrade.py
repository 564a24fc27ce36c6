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
rerun asks only for the rest. Comtrade's ``/get`` carries no release date: the vintage is the
retrieval date, and the cache TTL alone bounds how old a reused answer can be.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from norte.errors import ConfigError, InputError, NetworkError
from norte.fetch.bodies import base_url, checking, field, json_of, strings, utc_date
from norte.fetch.http import Client, FetchError, Response, secret
from norte.fetch.live import Saved, register
from norte.fetch.steps import keep, one, refuse, require
from norte.sources import comtrade_api

DEFAULT_BASE = "https://comtradeapi.un.org/data/v1"
M49 = {"USA": "842", "MEX": "484", "CAN": "124"}
KEY_HINT = "set NORTE_COMTRADE_KEY (https://comtradedeveloper.un.org, a free subscription)"
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


class Comtrade:
    name = "comtrade"

    def fetch(
        self,
        client: Client,
        config: Mapping[str, object],
        out_dir: Path,
        log: Callable[[str], None],
    ) -> list[Saved]:
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
        url = f"{base_url('comtrade', DEFAULT_BASE)}/get/C/{freq}/HS"
        headers = {"Ocp-Apim-Subscription-Key": key}
        out: list[Saved] = []
        for rep in reporters:
            for i in range(0, len(every), per_call):
                chunk = every[i : i + per_call]
                params = {**base, "reporterCode": M49[rep], "period": ",".join(chunk)}
                out += self._call(client, url, params, headers, rep, freq, out_dir, log)
        return out

    def _call(
        self,
        client: Client,
        url: str,
        params: dict[str, str],
        headers: dict[str, str],
        rep: str,
        freq: str,
        out_dir: Path,
        log: Callable[[str], None],
    ) -> list[Saved]:
        r = client.get(url, params, headers=headers)
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
            return self._split(client, url, params, headers, rep, freq, out_dir, log, r)
        if not rows:
            log(f"Comtrade {rep} {params['period']}: no data")
            return []
        retrieved = utc_date(r.retrieved_at)
        request = {"reporter": rep, "freq": freq, "period": params["period"]}
        request |= {"flowCode": params["flowCode"], "retrieved": retrieved.isoformat()}
        saved: dict[str, Any] = {"norte_format": comtrade_api.FORMAT, "norte_request": request}
        saved |= body
        pers = params["period"].split(",")
        tag = pers[0] if len(pers) == 1 else f"{pers[0]}-{pers[-1]}"
        name = f"comtrade-{rep}-{freq}-{tag}-{params['flowCode'].replace(',', '')}-{retrieved}.json"
        n = f"{len(rows):,} rows"
        return [keep(out_dir, name, saved, comtrade_api, retrieved, one(r), log, n)]

    def _split(
        self,
        client: Client,
        url: str,
        params: dict[str, str],
        headers: dict[str, str],
        rep: str,
        freq: str,
        out_dir: Path,
        log: Callable[[str], None],
        r: Response,
    ) -> list[Saved]:
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
        log(f"Comtrade {rep} {params['period']}: a full answer (the row cap): split in 2")
        out: list[Saved] = []
        for p in parts:
            out += self._call(client, url, p, headers, rep, freq, out_dir, log)
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
