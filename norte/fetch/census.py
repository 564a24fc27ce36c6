"""Live Census international trade API: fetch, save as the API's own body (gzip), ingest.

The saved file is exactly what ``norte ingest`` reads from a client's downloads (format
``census-api``), so a fetch leaves a reproducible artefact. The vintage of a live fetch is the
retrieval date (UTC): that is when the numbers were known to norte.

Quirks (see ``norte.sources.census_api``): every value a string; HTTP 204 with an empty body
when nothing matches; a bad or missing key comes back as HTTP 200 with an HTML page; errors
in the request are HTTP 400 with a plain-text body (``error: unknown variable 'XYZ'``). The key
(``NORTE_CENSUS_KEY``, from the environment or the secrets file) is never printed or stored.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from norte.errors import InputError
from norte.fetch.http import Client, FetchError, secret

DEFAULT_BASE = "https://api.census.gov/data/timeseries/intltrade"
VALUE = {"exports": "ALL_VAL_MO", "imports": "GEN_VAL_MO"}
COMMODITY = {"exports": "E_COMMODITY", "imports": "I_COMMODITY"}
#: Product endpoints (``{flow}/<endpoint>``): the variable naming the product, per flow, and
#: the levels (``COMM_LVL``) each accepts. ``hitech`` = Advanced Technology Products (ATP).
PRODUCTS: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "hs": (COMMODITY, ("HS2", "HS4", "HS6", "HS10")),
    "naics": ({"exports": "NAICS", "imports": "NAICS"}, ("NA2", "NA3", "NA4", "NA6")),
    "hitech": ({"exports": "HITECH", "imports": "HITECH"}, ()),
    "enduse": ({"exports": "E_ENDUSE", "imports": "I_ENDUSE"}, ()),
}
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_CTY = re.compile(r"^(\d{4}|-)$")


@dataclass
class Fetched:
    path: Path | None  # None when the API had no data (HTTP 204)
    url: str  # redacted
    retrieved: dt.date
    from_cache: bool
    message: str


def base_url() -> str:
    return os.environ.get("NORTE_CENSUS_API_URL", DEFAULT_BASE).rstrip("/")


def fetch_trade(
    client: Client,
    flow: str,
    start: str,
    end: str,
    out_dir: Path,
    level: str | None = None,
    log: Callable[[str], None] = lambda _m: None,
    product: str | None = None,
    partner: str | None = None,
) -> Fetched:
    """Fetch U.S. ``flow`` ('exports' or 'imports') by country for months ``start``..``end``
    (YYYY-MM) and save the body as ``out_dir/<name>.json.gz``: totals by country, or by
    ``product`` (``hs`` with ``level`` HS2..HS10, ``naics`` with NA2..NA6, ``hitech``,
    ``enduse``; ``level`` alone means ``hs``), for one ``partner`` (Schedule C code, e.g.
    ``2010`` Mexico) or every country."""
    if flow not in VALUE:
        raise FetchError(flow, "flow must be 'exports' or 'imports'")
    for m in (start, end):
        if not _MONTH.match(m):
            raise FetchError(m, "months are written YYYY-MM, e.g. 2024-01")
    if level and product is None:
        product = "hs"
    fields = ["CTY_CODE", "CTY_NAME", VALUE[flow], "YEAR", "MONTH"]
    params = {"time": f"from {start} to {end}"}
    endpoint = product or "hs"
    if product is not None:
        if product not in PRODUCTS:
            raise FetchError(product, f"product must be one of {', '.join(PRODUCTS)}")
        names, levels = PRODUCTS[product]
        if level and level not in levels:
            allowed = ", ".join(levels) or "none (no --level)"
            raise FetchError(level, f"levels of the {product} endpoint: {allowed}")
        if product == "hs" and not level:
            raise FetchError(product, "the hs endpoint needs a level (HS2, HS4, HS6 or HS10)")
        fields = [names[flow], *fields]
        if level:
            fields.append("COMM_LVL")
            params["COMM_LVL"] = level
    if partner is not None:
        if not _CTY.match(partner):
            raise FetchError(partner, "a partner is a Schedule C code, e.g. 2010 (Mexico)")
        params["CTY_CODE"] = partner
    params = {"get": ",".join(fields), **params}
    key = secret("NORTE_CENSUS_KEY")
    if key:
        params["key"] = key
    url = f"{base_url()}/{flow}/{endpoint}"
    r = client.get(url, params)
    retrieved = dt.datetime.fromtimestamp(r.retrieved_at, dt.UTC).date()
    if r.status == 204:
        return Fetched(None, r.url, retrieved, r.from_cache, f"no data for {flow} {start}..{end}")
    if r.status == 400:
        text = r.body.decode("utf-8", "replace").strip()[:300]
        raise FetchError(r.url, f"HTTP 400: {text} — fix the request", 400)
    if r.status != 200:
        raise FetchError(r.url, f"HTTP {r.status}", r.status)
    head = r.body[:512].lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<head", b"<body")):
        hint = (
            "set NORTE_CENSUS_KEY to a valid key (https://api.census.gov/data/key_signup.html)"
            if key is None
            else "the key in NORTE_CENSUS_KEY was refused: check it"
        )
        raise InputError(r.url, "body", "HTTP 200 but the body is HTML, not JSON", hint=hint)
    out_dir.mkdir(parents=True, exist_ok=True)
    what = "".join(f"-{x.lower()}" for x in (product if product != "hs" else None, level) if x)
    who = f"-cty{partner}" if partner else ""
    name = f"census-{flow}{what}{who}-{start}-{end}-{retrieved}.json.gz"
    path = out_dir / name
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(gzip.compress(r.body, mtime=0))
    tmp.replace(path)
    log(f"saved {path} ({len(r.body):,} bytes{', from cache' if r.from_cache else ''})")
    return Fetched(path, r.url, retrieved, r.from_cache, "ok")
