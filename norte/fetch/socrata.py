"""BTS open data on Socrata (data.bts.gov): SoQL JSON pages, joined and saved.

``{base}/resource/{4x4}.json?$where=...&$order=:id&$limit=N&$offset=K`` answers a JSON array of
row objects, every value a string; paging ends at a page shorter than ``$limit`` (``$order``
keeps the pages stable). An application token (``NORTE_SOCRATA_TOKEN``, optional: without one
Socrata throttles harder) goes in the ``X-App-Token`` header, never shown. Errors are JSON
``{"code": "query.compiler.malformed", "error": true, "message": "..."}`` with HTTP 400.

``{base}/api/views/{4x4}.json`` (the dataset's metadata) is always asked first: its
``rowsUpdatedAt`` (POSIX seconds) is the release, the vintage of the saved rows, and decides
whether cached pages are still current. Base URL ``NORTE_SOCRATA_URL`` (default
``https://data.bts.gov``). The joined rows are saved with a ``norte_format`` marker (format
``socrata-bts``); norte reads the datasets listed in :data:`norte.sources.socrata_bts.DATASETS`.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from norte.errors import ConfigError, InputError
from norte.fetch.bodies import base_url, checking, field, json_of
from norte.fetch.http import Client, FetchError, Response, secret
from norte.fetch.live import Config, Log, Saved, needs, register
from norte.fetch.steps import ALWAYS, Pages, keep, refuse, require
from norte.sources import socrata_bts

DEFAULT_BASE = "https://data.bts.gov"
PAGE = 50_000
_4X4 = re.compile(r"^[a-z0-9]{4}-[a-z0-9]{4}$")


class Socrata:
    name = "socrata"
    needs = needs(
        "socrata",
        DEFAULT_BASE,
        "NORTE_SOCRATA_TOKEN",
        "optional Socrata app token, sent as the X-App-Token header",
    )

    def fetch(self, client: Client, config: Config, out_dir: Path, log: Log) -> list[Saved]:
        """``config``: ``dataset`` (4x4 id, default ``keg4-3bc2`` border crossings),
        ``where`` (a SoQL ``$where``, e.g. ``date >= '2024-01-01'``), ``page`` (rows a page)."""
        dataset = str(config.get("dataset") or socrata_bts.CROSSINGS)
        if not _4X4.match(dataset):
            raise ConfigError(f"fetch socrata: {dataset!r} is not a Socrata id (e.g. keg4-3bc2)")
        if dataset not in socrata_bts.DATASETS:
            raise ConfigError(
                f"fetch socrata: norte does not read dataset {dataset} yet — it reads "
                + ", ".join(f"{k} ({v})" for k, v in socrata_bts.DATASETS.items())
                + ". BTS TransBorder on Socrata is not read: its column layout could not be "
                "confirmed from BTS documentation — load the monthly TransBorder zips instead "
                "(norte ingest; https://www.bts.gov/topics/transborder-raw-data)"
            )
        where = config.get("where")
        page = int(str(config.get("page") or PAGE))
        base = base_url("socrata", DEFAULT_BASE)
        token = secret("NORTE_SOCRATA_TOKEN")
        headers = {"X-App-Token": token} if token else {}
        meta, rm = self._get(client, f"{base}/api/views/{dataset}.json", {}, headers, ALWAYS)
        with checking(rm):
            updated_at = float(field(meta, "rowsUpdatedAt", rm.url, "body", "view metadata"))
        updated = dt.datetime.fromtimestamp(updated_at, dt.UTC)
        params = {"$order": ":id", "$limit": str(page)}
        if where:
            params["$where"] = str(where)
        rows: list[Any] = []
        pages = Pages()
        while True:
            body, r = self._get(
                client,
                f"{base}/resource/{dataset}.json",
                {**params, "$offset": str(len(rows))},
                headers,
                updated_at,
            )
            pages.add(r)
            if body is None:
                body = []
            with checking(r):
                if not isinstance(body, list):
                    raise InputError(r.url, "body", "not a JSON array", expected="SoQL JSON")
                require(body, socrata_bts.DATASETS_FIELDS[dataset], r.url, "row {n}", len(rows))
            rows += body
            if len(body) < page:
                break
        if not rows:
            log(f"Socrata {dataset}: no rows ({pages.first_url})")
            return []
        saved = {
            "norte_format": socrata_bts.FORMAT,
            "norte_request": {
                "dataset": dataset,
                "where": where,
                "rowsUpdatedAt": int(updated_at),
                "name": meta.get("name"),
            },
            "rows": rows,
        }
        name = f"socrata-{dataset}-{updated:%Y-%m-%d}.json"
        return [
            keep(
                out_dir, name, saved, socrata_bts, updated.date(), pages, log, f"{len(rows):,} rows"
            )
        ]

    def _get(
        self,
        client: Client,
        url: str,
        params: dict[str, str],
        headers: dict[str, str],
        fresh: float,
    ) -> tuple[Any, Response]:
        r = client.get(url, params, headers=headers, fresh_after=fresh)
        refuse(
            r,
            "Socrata",
            "check NORTE_SOCRATA_TOKEN (optional: unset it to fetch without one)",
            bad=(400, 403, 404),
            refused=(401,),
            bad_hint="check the dataset id and the $where expression (SoQL)",
        )
        data = json_of(r, "Socrata", hint="BTS may be refusing bursts: try again later")
        if data is None and "/api/views/" in url:
            raise FetchError(r.url, "empty response: Socrata always answers the view metadata")
        return data, r


SOCRATA = register(Socrata())
