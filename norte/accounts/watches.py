"""Watch lists: what a user follows — a series, an indicator, a goal's light, findings about
a partner — and the personal Atom feed of what changed in them.

Targets, by kind:

- ``series``: the series' dimensions as a query string, ``source`` required
  (``source=fred&dataset=GDPC1`` or ``source=census&partner=MEX&flow=exports``);
- ``indicator``: an indicator id of the catalog (``us-total-trade-annual.mex``);
- ``light``: a goal id, or ``GOAL/TARGET`` for one light (``goal-3/us-total-trade-annual.mex``);
- ``partner``: a partner code of norte's table (``MEX``).

The feed's entries come from a :class:`WatchSource` (the store, or the web app's read
snapshot): one entry per release of a watched series or indicator, per light at each input
vintage, per finding about a partner.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl

import duckdb

from norte.accounts.goals import _known
from norte.errors import UsageError
from norte.goals.fmt import period_text, value_text

KINDS = ("series", "indicator", "light", "partner")
SERIES_DIMS = (
    "source",
    "dataset",
    "flow",
    "reporter",
    "partner",
    "product_code",
    "mode",
    "geo_code",
    "detail",
    "measure",
    "unit",
    "freq",
)
_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,127}$")
ATOM = "http://www.w3.org/2005/Atom"
TAG = "tag:norte.invalid,2025"


@dataclass(frozen=True)
class Watch:
    id: int
    kind: str
    target: str
    created_at: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "target": self.target, "created": self.created_at}


@dataclass(frozen=True)
class FeedEntry:
    id: str  # stable: a tag URI part
    title: str
    updated: dt.date  # the release (vintage) the entry is about, never the clock
    summary: str


class WatchSource(Protocol):
    """What the feed reads: the entries of a user's watches (newest first per watch), read
    in one go (one store snapshot for the whole feed)."""

    def feed(self, watches: Iterable[Watch]) -> list[tuple[Watch, FeedEntry]]: ...


@functools.cache
def _partners() -> frozenset[str]:
    text = resources.files("norte").joinpath("data/codes/partner.csv").read_text("utf-8")
    return frozenset(r["code"] for r in csv.DictReader(text.splitlines()))


class WatchError(UsageError):
    """A watch target refused; ``key`` names the message in the UI catalogs
    (``acct_watch_err_<key>``, placeholders ``target`` and ``names``) for the web pages."""

    def __init__(self, message: str, key: str, target: str) -> None:
        super().__init__(message)
        self.key = key
        self.target = target


def check_target(kind: str, target: str) -> str:
    """``target`` normalised for ``kind``; a :class:`WatchError` says what is expected."""
    target = target.strip()
    if kind not in KINDS:
        raise WatchError(f"watch kind {kind!r}: expected one of {', '.join(KINDS)}", "kind", kind)
    if kind == "series":
        pairs = parse_qsl(target, keep_blank_values=True)
        bad = [k for k, _ in pairs if k not in SERIES_DIMS]
        if not pairs or bad or "source" not in dict(pairs) or any(not v for _, v in pairs):
            raise WatchError(
                f"series {target!r}: expected dimensions as name=value joined by '&', source "
                f"required (e.g. source=fred&dataset=GDPC1); names: {', '.join(SERIES_DIMS)}",
                "series",
                target,
            )
        return "&".join(f"{k}={v}" for k, v in sorted(dict(pairs).items()))
    if kind == "indicator":
        if target not in _known():
            raise WatchError(
                f"indicator {target!r} is not in the catalog — 'norte indicators list' "
                "shows the ids",
                "indicator",
                target,
            )
        return target
    if kind == "light":
        parts = target.split("/")
        if len(parts) > 2 or not all(_ID.match(p) for p in parts):
            raise WatchError(
                f"light {target!r}: expected a goal id or GOAL/TARGET (e.g. goal-3 or "
                "goal-3/us-total-trade-annual.mex)",
                "light",
                target,
            )
        return target
    code = target.upper()
    if code not in _partners():
        raise WatchError(
            f"partner {target!r}: expected a partner code such as MEX, CAN, CHN", "partner", target
        )
    return code


def add(con: sqlite3.Connection, user_id: int, kind: str, target: str) -> Watch:
    target = check_target(kind, target)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    con.execute(
        "INSERT INTO watches (user_id, kind, target, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (user_id, kind, target) DO NOTHING",
        [user_id, kind, target, now],
    )
    row = con.execute(
        "SELECT id, kind, target, created_at FROM watches "
        "WHERE user_id = ? AND kind = ? AND target = ?",
        [user_id, kind, target],
    ).fetchone()
    return Watch(*row)


def remove(con: sqlite3.Connection, user_id: int, watch_id: int) -> bool:
    cur = con.execute("DELETE FROM watches WHERE id = ? AND user_id = ?", [watch_id, user_id])
    return cur.rowcount == 1


def list_watches(con: sqlite3.Connection, user_id: int) -> list[Watch]:
    rows = con.execute(
        "SELECT id, kind, target, created_at FROM watches WHERE user_id = ? ORDER BY id",
        [user_id],
    ).fetchall()
    return [Watch(*r) for r in rows]


def _has(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? "
        "UNION ALL SELECT count(*) FROM duckdb_views() WHERE view_name = ?",
        [name, name],
    ).fetchall()
    return sum(int(r[0]) for r in row) > 0


#: One release per row of a series; every dimension is a parameter (NULL: not constrained).
_SERIES_WHERE = " AND ".join(f"(? IS NULL OR {k} = ?)" for k in SERIES_DIMS)
_SERIES_SQL = f"SELECT vintage, max(period), arg_max(value, period), count(*), any_value(unit), any_value(freq) FROM observations WHERE {_SERIES_WHERE} GROUP BY vintage ORDER BY vintage DESC LIMIT ?"  # noqa: S608 - names from SERIES_DIMS


def store_source(db: Path) -> StoreSource:
    """Entries read from the store file ``db`` (opened read-only for each feed; no store yet:
    no entries)."""

    @contextmanager
    def connect() -> Iterator[duckdb.DuckDBPyConnection]:
        if not db.exists():
            con = duckdb.connect(":memory:")
            try:
                yield con
            finally:
                con.close()
            return
        from norte.store import Store

        with Store(db, read_only=True) as store:
            yield store.con

    return StoreSource(connect)


class StoreSource:
    """Feed entries read from a DuckDB store (or snapshot): ``connect()`` yields a read-only
    connection for the time of one feed."""

    LIMIT = 20

    def __init__(
        self, connect: Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]
    ) -> None:
        self._connect = connect

    def feed(self, watches: Iterable[Watch]) -> list[tuple[Watch, FeedEntry]]:
        with self._connect() as con:
            return [(w, e) for w in watches for e in self._entries(con, w)]

    def _entries(self, con: duckdb.DuckDBPyConnection, w: Watch) -> list[FeedEntry]:
        if w.kind == "series" and _has(con, "observations"):
            dims = dict(parse_qsl(w.target))
            params: list[Any] = []
            for k in SERIES_DIMS:
                params += [dims.get(k), dims.get(k)]
            rows = con.execute(_SERIES_SQL, [*params, self.LIMIT]).fetchall()
            return [
                FeedEntry(
                    f"series/{w.target}/{v}",
                    f"{w.target}: release of {v}",
                    v,
                    f"{n:,} value(s); latest: {value_text(x, u)} in {period_text(p, f)}",
                )
                for v, p, x, n, u, f in rows
            ]
        if w.kind == "indicator" and _has(con, "indicator_values"):
            rows = con.execute(
                "SELECT input_vintage, max(period), arg_max(value, period), any_value(unit), "
                "any_value(freq) "
                "FROM indicator_values WHERE indicator_id = ? GROUP BY input_vintage "
                "ORDER BY input_vintage DESC LIMIT ?",
                [w.target, self.LIMIT],
            ).fetchall()
            return [
                FeedEntry(
                    f"indicator/{w.target}/{v}",
                    f"{w.target}: {value_text(x, u)} in {period_text(p, f)}",
                    v,
                    f"computed from the release of {v}",
                )
                for v, p, x, u, f in rows
            ]
        if w.kind == "light" and _has(con, "goal_status"):
            goal, _, target = w.target.partition("/")
            rows = con.execute(
                "SELECT input_vintage, target_id, status, reason FROM goal_status "
                "WHERE goal_id = ? AND (? = '' OR target_id = ?) AND input_vintage IS NOT NULL "
                "ORDER BY input_vintage DESC, target_id LIMIT ?",
                [goal, target, target, self.LIMIT],
            ).fetchall()
            return [
                FeedEntry(
                    f"light/{goal}/{t}/{v}",
                    f"{goal} {t}: {s.replace('_', ' ')}",
                    v,
                    f"light at the release of {v} ({r})",
                )
                for v, t, s, r in rows
            ]
        if w.kind == "partner" and _has(con, "findings"):
            rows = con.execute(
                "SELECT id, headline_en, vintage, period FROM findings "
                "WHERE ? IN (json_extract_string(subject, '$.partner'), "
                "json_extract_string(subject, '$.other')) AND vintage IS NOT NULL "
                "ORDER BY vintage DESC, score DESC LIMIT ?",
                [w.target, self.LIMIT],
            ).fetchall()
            return [FeedEntry(f"finding/{i}", h, v, f"period {p}") for i, h, v, p in rows]
        return []


def atom(title: str, feed_id: str, items: list[tuple[Watch, FeedEntry]]) -> bytes:
    """An Atom 1.0 document, newest entries first; ``updated`` values are release dates."""
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(root, f"{{{ATOM}}}title").text = title
    ET.SubElement(root, f"{{{ATOM}}}id").text = f"{TAG}:{feed_id}"
    items = sorted(items, key=lambda we: (we[1].updated, we[1].id), reverse=True)
    newest = items[0][1].updated if items else dt.date(1970, 1, 1)
    ET.SubElement(root, f"{{{ATOM}}}updated").text = f"{newest.isoformat()}T00:00:00Z"
    author = ET.SubElement(root, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "norte"
    for w, e in items:
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"{TAG}:watch/{e.id}"
        ET.SubElement(entry, f"{{{ATOM}}}title").text = e.title
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = f"{e.updated.isoformat()}T00:00:00Z"
        content = ET.SubElement(entry, f"{{{ATOM}}}content", type="text")
        content.text = f"{e.summary} (watching {w.kind} {w.target})"
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
