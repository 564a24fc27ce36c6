"""INEGI indicators API (BIE and BISE banks): GDP, IGAE, trade and employment series.

``{base}/INDICATOR/{id}/{es|en}/{geo}/{recent}/{BIE|BISE}/2.0/{TOKEN}?type=json`` answers
``{"Header": {...}, "Series": [{"INDICADOR": "...", "FREQ": "8", "UNIT": "1058",
"LASTUPDATE": "24/09/2026 12:00:00 a. m.", "OBSERVATIONS": [{"TIME_PERIOD": "2026/07",
"OBS_VALUE": "109.21013588490848000000", "OBS_STATUS": "1", ...}, ...]}]}``: observations
newest first, values strings, ``""`` missing. No results is HTTP 400 with
``["ErrorInfo:No se encontraron resultados", ..., "ErrorCode:100"]``.

The **token is in the URL path** (``NORTE_INEGI_TOKEN``, environment or secrets file): it is
registered as a secret, so every URL norte shows, logs, caches by or records has ``***`` in
its place. Base URL ``NORTE_INEGI_URL``. For each indicator a cheap probe (``recent = true``:
the newest observation only) is always asked; its ``LASTUPDATE`` decides whether the cached
full series is still the newest release. The full body is saved with a ``norte_format``
marker (format ``inegi-api``), vintage ``LASTUPDATE``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from norte.errors import ConfigError, InputError
from norte.fetch.bodies import base_url, checking, field, strings
from norte.fetch.http import Client, Response, secret
from norte.fetch.live import Config, Log, Saved, needs, register
from norte.fetch.steps import ALWAYS, day_after, keep, need_json, one, refuse, require
from norte.sources import inegi_api

DEFAULT_BASE = "https://www.inegi.org.mx/app/api/indicadores/desarrolladores/jsonxml"
TOKEN_HINT = (
    "set NORTE_INEGI_TOKEN (free token: https://www.inegi.org.mx/servicios/api_indicadores.html)"
)
_ID = re.compile(r"^\d{1,12}$")


def last_update(text: str, where: str) -> dt.date:
    """``24/09/2026 12:00:00 a. m.`` -> 2026-09-24."""
    m = re.match(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if not m:
        raise InputError(where, "Series[0].LASTUPDATE", f"{text!r} is not dd/mm/yyyy ...")
    return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))


class Inegi:
    name = "inegi"
    needs = needs(
        "inegi",
        DEFAULT_BASE,
        "NORTE_INEGI_TOKEN",
        "INEGI API token (in the URL path; scrubbed from logs)",
    )

    def fetch(self, client: Client, config: Config, out_dir: Path, log: Log) -> list[Saved]:
        """``config``: ``indicators`` (ids), ``bank`` (``BIE`` default, or ``BISE``), ``geo``
        (``00`` national, default), ``lang`` (``es`` default)."""
        ids = strings(config, "indicators", "INEGI indicator ids")
        if not ids:
            raise ConfigError("fetch inegi: name at least one indicator id, e.g. 6207136901")
        for i in ids:
            if not _ID.match(i):
                raise ConfigError(f"fetch inegi: {i!r} is not an indicator id (digits)")
        bank = str(config.get("bank") or "BIE").upper()
        if bank not in ("BIE", "BISE"):
            raise ConfigError(f"fetch inegi: bank {bank!r}: BIE or BISE")
        geo = str(config.get("geo") or "00")
        lang = str(config.get("lang") or "es")
        token = secret("NORTE_INEGI_TOKEN")
        if not token:
            raise ConfigError(f"fetch inegi: no token — {TOKEN_HINT}")
        out: list[Saved] = []
        for i in ids:
            probe, _ = self._get(client, i, lang, geo, True, bank, token, ALWAYS)
            updated = last_update(str(self._series(probe, "probe")["LASTUPDATE"]), "probe")
            body, r = self._get(client, i, lang, geo, False, bank, token, day_after(updated))
            with checking(r):
                series = self._series(body, r.url)
                obs = field(series, "OBSERVATIONS", r.url, "Series[0]")
                require(obs, ("TIME_PERIOD", "OBS_VALUE"), r.url, "Series[0].OBSERVATIONS[{n}]")
                vintage = last_update(str(series["LASTUPDATE"]), r.url)
            request = {"indicator": i, "bank": bank, "geo": geo, "lang": lang}
            saved = {"norte_format": inegi_api.FORMAT, "norte_request": request} | body
            name = f"inegi-{bank.lower()}-{i}-{vintage}.json"
            n = f"{len(obs):,} observations"
            out.append(keep(out_dir, name, saved, inegi_api, vintage, one(r), log, n))
        return out

    def _series(self, body: Any, where: str) -> dict[str, Any]:
        series = field(body, "Series", where, "body", "INEGI's {Header, Series} object")
        if not isinstance(series, list) or not series:
            raise InputError(where, "Series", "empty", hint="check the indicator id")
        first = series[0]
        require(
            [first],
            ("INDICADOR", "FREQ", "UNIT", "LASTUPDATE", "OBSERVATIONS"),
            where,
            "Series[{n}]",
        )
        return dict(first)

    def _get(
        self,
        client: Client,
        ind: str,
        lang: str,
        geo: str,
        recent: bool,
        bank: str,
        token: str,
        fresh: float,
    ) -> tuple[Any, Response]:
        url = (
            f"{base_url('inegi', DEFAULT_BASE)}/INDICATOR/{ind}/{lang}/{geo}/"
            f"{'true' if recent else 'false'}/{bank}/2.0/{token}"
        )
        r = client.get(url, {"type": "json"}, fresh_after=fresh)
        refuse(
            r,
            "INEGI",
            TOKEN_HINT,
            bad=(400, 404),
            bad_hint=f"check indicator {ind} and bank {bank} (an unknown id is ErrorCode:100)",
            what="token",
        )
        body = need_json(r, "INEGI", hint=TOKEN_HINT)
        if isinstance(body, list):  # ["ErrorInfo:...", "ErrorDetails:...", "ErrorCode:100"]
            raise InputError(r.url, "body", f"INEGI answered an error: {'; '.join(map(str, body))}")
        return body, r


INEGI = register(Inegi())
