"""The fetch steps every live connector repeats, written once: map a refused status to a
clear error, demand a JSON body, check each row carries the documented fields, follow pages
(first URL, all from cache?), compute the "fresh after" of a release date, and save a body as
a file to load (logged, returned as :class:`~norte.fetch.live.Saved`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from norte.errors import InputError
from norte.fetch.bodies import field, json_of, save_json
from norte.fetch.http import FetchError, Response
from norte.fetch.live import Saved

#: ``fresh_after`` that no cached response meets: the request is always sent (a probe of the
#: agency's "last updated", whose answer decides whether the cached data is current).
ALWAYS = float("inf")


def refuse(
    r: Response,
    agency: str,
    key_hint: str,
    *,
    bad: Iterable[int] = (),
    bad_hint: str = "",
    place: str = "body",
    what: str = "key",
    refused: Iterable[int] = (401, 403),
) -> None:
    """Raise for a status the agency uses to refuse: ``refused`` (401/403: the key or token
    was refused: a :class:`FetchError` with ``key_hint``), and the statuses ``bad`` (the
    request is wrong: an :class:`InputError` at ``place`` with the start of the body and
    ``bad_hint``)."""
    if r.status in set(refused):
        raise FetchError(r.url, f"HTTP {r.status}: the {what} was refused — {key_hint}", r.status)
    if r.status in set(bad):
        raise InputError(
            r.url, place, f"{agency} answered HTTP {r.status}: {r.text(300)}", hint=bad_hint
        )


def need_json(r: Response, agency: str, hint: str = "") -> Any:
    """The JSON body of ``r``; an empty body (HTTP 204) is a :class:`FetchError`: the agency
    always answers this request with JSON."""
    body = json_of(r, agency, hint=hint)
    if body is None:
        raise FetchError(r.url, f"empty response (HTTP {r.status}): {agency} always answers JSON")
    return body


def require(
    rows: Iterable[Any], fields: Iterable[str], where: str, place: str, start: int = 0
) -> None:
    """Every row of ``rows`` has every one of ``fields``; ``place`` names a row in errors,
    ``{n}`` standing for its index counted from ``start`` (``"data[{n}]"``)."""
    names = tuple(fields)
    for n, row in enumerate(rows, start):
        for f in names:
            field(row, f, where, place.format(n=n))


def day_after(day: dt.date) -> float:
    """The POSIX time of midnight UTC after ``day``: a release dated without a time may come
    any time that day, so only a response retrieved after the day ended is known to hold it."""
    nxt = day + dt.timedelta(days=1)
    return dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=dt.UTC).timestamp()


@dataclass
class Pages:
    """What a paged fetch keeps of its responses: the first page's URL (the one reported)
    and whether every page came from the cache."""

    first_url: str = ""
    cached: bool = True

    def add(self, r: Response) -> Response:
        self.first_url = self.first_url or r.url
        self.cached = self.cached and r.from_cache
        return r


def keep(
    out_dir: Path,
    name: str,
    body: Any,
    source: ModuleType,
    vintage: dt.date | None,
    pages: Pages,
    log: Callable[[str], None],
    count: str,
) -> Saved:
    """Save ``body`` as ``out_dir/name`` (JSON, atomically), log it with ``count`` (``"12
    rows"``) and return it as a file to load with ``source`` at ``vintage``."""
    path = save_json(out_dir, name, body)
    log(f"saved {path} ({count}{', from cache' if pages.cached else ''})")
    return Saved(path, source, vintage, pages.cached, pages.first_url)


def one(r: Response) -> Pages:
    """The :class:`Pages` of a single response."""
    return Pages(r.url, r.from_cache)
