"""World Bank Indicators API v2: GDP, FDI net inflows, population for the three countries.

``{base}/country/USA;MEX;CAN/indicator/{id}?format=json&per_page=N&page=P`` answers
``[{"page":1,"pages":P,"per_page":N,"total":T,"lastupdated":"2026-07-13"}, [rows...]]``;
every page is asked until ``pages``; ``[meta, null]`` means no data. Errors come inside HTTP
200 bodies: ``[{"message":[{"id":"120","key":"Invalid value","value":"..."}]}]``. No key.
Base URL ``NORTE_WORLDBANK_URL``. The pages are joined into one body in the API's own shape
(format ``worldbank-api``), vintage the indicator's ``lastupdated``. Page 1 is always asked
(its ``lastupdated`` says whether the cached later pages still hold the newest release).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from norte.errors import ConfigError, InputError
from norte.fetch.bodies import base_url, checking, field, strings
from norte.fetch.http import Client
from norte.fetch.live import Config, Log, Saved, needs, register
from norte.fetch.steps import Pages, day_after, keep, need_json, require
from norte.sources import worldbank_api

DEFAULT_BASE = "https://api.worldbank.org/v2"
DEFAULT_INDICATORS = ["NY.GDP.MKTP.CD", "BX.KLT.DINV.CD.WD", "SP.POP.TOTL"]
DEFAULT_COUNTRIES = ["USA", "MEX", "CAN"]
PER_PAGE = 1000
_ID = re.compile(r"^[A-Za-z0-9_.]{2,40}$")
_DATE = re.compile(r"^\d{4}(:\d{4})?$")


def api_error(body: Any) -> str | None:
    """The message of an error the World Bank put inside an HTTP 200 body, else None."""
    if isinstance(body, list) and body and isinstance(body[0], dict) and "message" in body[0]:
        msgs = body[0]["message"]
        if isinstance(msgs, list):
            return "; ".join(
                f"{m.get('key', '')} ({m.get('id', '')}): {m.get('value', '')}".strip()
                for m in msgs
                if isinstance(m, dict)
            )
        return str(msgs)
    return None


class WorldBank:
    name = "worldbank"
    needs = needs("worldbank", DEFAULT_BASE)

    def fetch(self, client: Client, config: Config, out_dir: Path, log: Log) -> list[Saved]:
        """``config``: ``indicators`` (default GDP, FDI net inflows, population), ``countries``
        (ISO3, default USA, MEX, CAN), ``date`` (``YYYY`` or ``YYYY:YYYY``)."""
        indicators = strings(config, "indicators", "indicator ids") or DEFAULT_INDICATORS
        countries = strings(config, "countries", "ISO3 codes") or DEFAULT_COUNTRIES
        date = config.get("date")
        for i in indicators:
            if not _ID.match(i):
                raise ConfigError(f"fetch worldbank: {i!r} is not an indicator id (NY.GDP.MKTP.CD)")
        if date is not None and not _DATE.match(str(date)):
            raise ConfigError(f"fetch worldbank: date {date!r}: write YYYY or YYYY:YYYY")
        out: list[Saved] = []
        for ind in indicators:
            saved = self._indicator(client, ind, countries, date, out_dir, log)
            if saved is not None:
                out.append(saved)
        return out

    def _indicator(
        self,
        client: Client,
        ind: str,
        countries: list[str],
        date: object,
        out_dir: Path,
        log: Callable[[str], None],
    ) -> Saved | None:
        url = f"{base_url('worldbank', DEFAULT_BASE)}/country/{';'.join(countries)}/indicator/{ind}"
        params = {"format": "json", "per_page": str(PER_PAGE)}
        if date is not None:
            params["date"] = str(date)
        rows: list[Any] = []
        page, pages = 1, 1
        meta: dict[str, Any] = {}
        fresh: float | None = dt.datetime.now(dt.UTC).timestamp()
        seen = Pages()
        while page <= pages:
            r = seen.add(client.get(url, {**params, "page": str(page)}, fresh_after=fresh))
            body = need_json(r, "the World Bank")
            with checking(r):
                err = api_error(body)
                if err:
                    raise InputError(
                        r.url,
                        "body (HTTP 200)",
                        f"the World Bank refused the request: {err}",
                        hint="check the indicator id and the country codes",
                    )
                if not isinstance(body, list) or len(body) != 2:
                    raise InputError(
                        r.url, "body", "not [metadata, rows]", expected="the API v2 JSON shape"
                    )
                head = body[0]
                pages = int(field(head, "pages", r.url, "body[0]"))
                total = int(field(head, "total", r.url, "body[0]"))
                updated = str(field(head, "lastupdated", r.url, "body[0]"))
                if page == 1:
                    meta = dict(head)
                    fresh = day_after(dt.date.fromisoformat(updated[:10]))
                fields = ("indicator", "countryiso3code", "date", "value")
                require(body[1] or [], fields, r.url, "body[1][{n}]")
            rows += body[1] or []
            page += 1
        if not rows:
            log(f"World Bank {ind}: no data ({seen.first_url})")
            return None
        meta |= {"page": 1, "pages": 1, "per_page": total, "total": len(rows)}
        updated = str(meta["lastupdated"])
        name = f"worldbank-{ind}-{updated}.json"
        vintage = dt.date.fromisoformat(updated)
        return keep(
            out_dir, name, [meta, rows], worldbank_api, vintage, seen, log, f"{len(rows):,} rows"
        )


WORLDBANK = register(WorldBank())
