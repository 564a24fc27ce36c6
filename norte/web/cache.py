"""A response cache per read snapshot, as a pure ASGI middleware.

A snapshot never changes, so a ``GET`` answer of a route that reads only the store is a pure
function of (snapshot id, path, query string, ``Accept``, scheme and ``Host``, ``Origin``,
whether ``If-None-Match`` names the snapshot): :class:`ResponseCache` keeps such answers
(status 200 or that 304, headers, body) and replays them without running the app. Rules:

- only routes the app lists as cacheable (``create_app`` lists the ANONYMOUS routes of the
  store-only routers: data API, catalog, pages — never the accounts routes nor ``/board``,
  which reads the accounts database);
- only callers without credentials (no ``Authorization`` header, no cookie): a signed-in
  caller always reaches the app;
- only answers whose ETag is the snapshot the key names (while a new snapshot's site renders,
  pages come from the previous site with its ETag: those are not kept under the new id);
- answers with ``Set-Cookie`` or ``Cache-Control: no-store``/``private`` are not kept;
- entries live as long as their snapshot is current: the first request that sees a newer
  snapshot drops them all; the cache is an LRU bounded by bytes.

``create_app`` puts it before the whole app (the fast path: a hit runs no middleware, no
routing); ``fast_path=False`` puts it inside the middleware, after CORS, as before.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Any]
Send = Callable[[Message], Any]
ASGIApp = Callable[[Scope, Receive, Send], Any]

#: default bound of the cache (bytes of bodies and headers)
MAX_BYTES = 64 * 1024 * 1024
#: answers larger than this are not kept (a fraction of the bound)
MAX_ENTRY_BYTES = 4 * 1024 * 1024

#: (snapshot id, path, query string, Accept, scheme and Host: ``Link`` headers are absolute;
#: Origin, and " 304" when ``If-None-Match`` names the snapshot)
Key = tuple[str, str, bytes, bytes, bytes, bytes]
Entry = tuple[int, list[tuple[bytes, bytes]], bytes]


class EntryCache:
    """The entries of the current snapshot: an LRU bounded by bytes; thread-safe."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.max_entry = min(MAX_ENTRY_BYTES, max_bytes)
        self.snapshot_id: str | None = None
        self.bytes = 0
        self._entries: OrderedDict[Key, tuple[Entry, int]] = OrderedDict()
        self._lock = threading.Lock()
        #: counters (for tests and diagnostics)
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def _move_to(self, snapshot_id: str) -> None:
        if snapshot_id != self.snapshot_id:
            self._entries.clear()
            self.bytes = 0
            self.snapshot_id = snapshot_id

    def get(self, key: Key) -> Entry | None:
        with self._lock:
            self._move_to(key[0])
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found[0]

    def put(self, key: Key, entry: Entry) -> bool:
        size = len(entry[2]) + sum(len(k) + len(v) for k, v in entry[1]) + 64
        if size > self.max_entry:
            return False
        with self._lock:
            if key[0] != self.snapshot_id:  # the snapshot moved on meanwhile
                return False
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._entries[key] = (entry, size)
            self.bytes += size
            while self.bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.bytes -= dropped
            return True


def _etag_matches(match: bytes, etag: bytes) -> bool:
    if match.strip() == b"*":
        return True
    return etag in {m.strip() for m in match.split(b",")}


#: the request headers an answer of a cacheable route depends on (with the credentials, which
#: keep a request out of the cache)
_WANTED = frozenset({b"host", b"accept", b"origin", b"if-none-match", b"authorization", b"cookie"})


class ResponseCache:
    """ASGI layer: answers from :class:`EntryCache` for the snapshot ``snapshot_id()`` names;
    ``cacheable`` holds the ids of the route objects whose answers may be kept.

    It works at either place: inside the app's middleware (what it keeps then is the answer
    before CORS), or before the whole app (``create_app(fast_path=True)``: a hit then runs no
    Starlette middleware, routing nor FastAPI at all; what it keeps is the answer exactly as
    the full stack sent it, CORS headers included, which is why ``Origin`` is part of the key).
    A ``GET`` whose ``If-None-Match`` matches the current snapshot's ETag is its own entry: the
    304 the app sent for it, replayed as sent."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        snapshot_id: Callable[[], str],
        cacheable: Callable[[], Collection[int]],
        entries: EntryCache,
    ) -> None:
        self.app = app
        self.snapshot_id = snapshot_id
        self.cacheable = cacheable
        self.entries = entries

    def _key(self, scope: Scope) -> Key | None:
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        found: dict[bytes, bytes] = {}
        for k, v in scope.get("headers", ()):
            if k in _WANTED:
                if k == b"authorization" or (k == b"cookie" and v):
                    return None  # a caller with credentials always reaches the app
                found[k] = bytes(v)
        try:
            sid = self.snapshot_id()
        except Exception:  # noqa: BLE001 - no snapshot: the app answers with its error
            return None
        host = scope.get("scheme", "http").encode() + b"://" + found.get(b"host", b"")
        match = found.get(b"if-none-match")
        fresh = match is not None and _etag_matches(match, f'"{sid}"'.encode())
        return (
            sid,
            scope["path"],
            scope.get("query_string", b""),
            found.get(b"accept", b""),
            host,
            found.get(b"origin", b"") + (b" 304" if fresh else b""),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        found = self.entries.get(key)
        if found is not None:
            await send({"type": "http.response.start", "status": found[0], "headers": found[1]})
            await send({"type": "http.response.body", "body": found[2]})
            return
        status = 0
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        size = 0
        keep = True
        wanted = 304 if key[5].endswith(b" 304") else 200

        async def capture(message: Message) -> None:
            nonlocal status, headers, size, keep
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(bytes(k).lower(), bytes(v)) for k, v in message.get("headers", ())]
                keep = status == wanted and _storable(headers, key[0])
            elif message["type"] == "http.response.body" and keep:
                body = bytes(message.get("body", b""))
                size += len(body)
                if size > self.entries.max_entry:
                    keep = False
                    chunks.clear()
                else:
                    chunks.append(body)
                if not message.get("more_body", False) and keep:
                    if id(scope.get("route")) in self.cacheable():
                        self.entries.put(key, (status, headers, b"".join(chunks)))
            await send(message)

        await self.app(scope, receive, capture)


def _storable(headers: list[tuple[bytes, bytes]], snapshot_id: str) -> bool:
    etag = b""
    for k, v in headers:
        if k == b"set-cookie":
            return False
        if k == b"cache-control" and (b"no-store" in v or b"private" in v):
            return False
        if k == b"etag":
            etag = v
    return etag == f'"{snapshot_id}"'.encode()
