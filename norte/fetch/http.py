"""HTTP for live APIs: retries with backoff, a response cache for resume, secrets kept out of logs.

- Transient failures (HTTP 429, 5xx, timeouts, dropped connections, a body cut mid-way) are
  retried with exponential backoff; ``Retry-After`` is honoured in seconds or as an HTTP-date
  (capped). Terminal failures (4xx) are returned to the connector, which names them.
- Responses are cached on disk under ``cache_dir`` keyed by the URL *without* its secrets, so
  an interrupted run resumes without re-asking the API. A cached answer is reused only while
  younger than ``ttl`` (default 12 hours, ``0`` = never) **and** retrieved after
  ``fresh_after`` (the agency's own "last updated", from a request the connector always asks),
  so a cache never hides a newer release. :meth:`Response.discard` drops a body that proved bad.
- Secret query parameters (``key``, ``api_key``, ``token``, ``subscription-key``), secret
  headers (:data:`SECRET_HEADERS`) and every registered secret value anywhere in a URL (a
  token in the *path*, as INEGI's) are redacted from every URL that norte prints, logs, stores
  or uses as a cache key, and (through :mod:`norte.fetch.scrub`, installed by every
  :class:`Client`) from every log line of the process: httpx's, httpcore's and urllib3's own.
- ``post_json`` (StatCan WDS) and ``interval`` pacing (an agency's requests-per-second limit).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import os
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx

from norte.errors import NetworkError
from norte.fetch.scrub import SECRET_PARAMS, install_log_redaction, register_secret, scrub

__all__ = [
    "SECRET_HEADERS",
    "SECRET_PARAMS",
    "Client",
    "FetchError",
    "Response",
    "redact",
    "retry_after",
    "secret",
]


class FetchError(NetworkError):
    """An HTTP request failed for good (after retries, or a terminal status)."""

    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        self.url = url
        self.status = status
        super().__init__(f"{url}: {message}")


#: Request headers whose values are secrets (API keys, app tokens): registered for scrubbing,
#: never part of a cache key.
SECRET_HEADERS = frozenset({"ocp-apim-subscription-key", "x-app-token", "x-api-key"})


def redact(url: str, params: Mapping[str, str] | None = None) -> str:
    """``url`` with ``params`` appended, secret values replaced by ``***`` (secret query
    parameters, and every registered secret value: a token in the URL *path*, as INEGI's)."""
    url = scrub(url)
    if not params:
        return url
    shown = {k: ("***" if k.lower() in SECRET_PARAMS else v) for k, v in params.items()}
    return scrub(f"{url}?{urlencode(shown, safe=',:*')}")


def retry_after(value: str, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds (``120``) or an HTTP-date
    (``Wed, 21 Oct 2015 07:28:00 GMT``; a date in the past is 0). None when absent or invalid."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def secret(name: str) -> str | None:
    """A secret from the environment, else from the secrets file (``NORTE_SECRETS_FILE``, default
    ``~/.config/norte/secrets.toml``, a table of ``NAME = "value"``). Never from norte.toml."""
    value = os.environ.get(name)
    if not value:
        path = Path(
            os.environ.get("NORTE_SECRETS_FILE", "~/.config/norte/secrets.toml")
        ).expanduser()
        if path.exists():
            with open(path, "rb") as f:
                found = tomllib.load(f).get(name)
            value = str(found) if found else None
    if value:
        register_secret(value)  # scrubbed from every message and log line from now on
    return value or None


@dataclass
class Response:
    status: int
    body: bytes
    url: str  # redacted
    from_cache: bool
    retrieved_at: float
    headers: Mapping[str, str] = field(default_factory=dict)
    cache_files: tuple[Path, ...] = ()  # the cached copy of this response, if any

    def discard(self) -> None:
        """Drop the cached copy: the body proved bad (not JSON, a truncated zip), so a rerun
        must ask the agency again instead of reusing it."""
        for p in self.cache_files:
            p.unlink(missing_ok=True)

    def text(self, n: int = 300) -> str:
        """The start of the body as text, secrets scrubbed (for error messages)."""
        return scrub(self.body[:n].decode("utf-8", "replace").strip())


class Client:
    """A small GET/POST client with retries, pacing and a disk cache."""

    def __init__(
        self,
        cache_dir: Path,
        retries: int = 4,
        backoff: float = 1.0,
        max_wait: float = 30.0,
        ttl: float = 12 * 3600,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        log: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cache_dir = cache_dir
        self.clock = clock  # for pacing (tests pass a fake clock that sleep advances)
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.ttl = ttl
        self.sleep = sleep
        self.log = log or (lambda _msg: None)
        self.requests = 0  # requests sent to the network (not cache hits)
        self._last_sent: float | None = None
        install_log_redaction()  # httpx logs the full URL (with the key) at INFO
        self.http = httpx.Client(timeout=timeout, headers={"User-Agent": "norte/0.1"})

    def close(self) -> None:
        self.http.close()

    def _cache_paths(self, shown: str) -> tuple[Path, Path]:
        h = hashlib.sha256(shown.encode()).hexdigest()[:32]
        return self.cache_dir / f"{h}.body", self.cache_dir / f"{h}.json"

    def get(
        self,
        url: str,
        params: Mapping[str, str],
        headers: Mapping[str, str] | None = None,
        fresh_after: float | None = None,
        interval: float = 0.0,
    ) -> Response:
        """GET ``url`` with ``params``. ``headers`` may hold secrets (:data:`SECRET_HEADERS`):
        they are sent, never shown nor part of the cache key. A cached response is reused
        only while younger than the TTL *and* retrieved after ``fresh_after`` (a POSIX time:
        the agency's last update, so a cache never hides a newer release). ``interval``: the
        least time between two requests of this client (an agency's rate limit)."""
        return self._request("GET", url, params, None, headers, fresh_after, interval)

    def post_json(
        self,
        url: str,
        payload: object,
        headers: Mapping[str, str] | None = None,
        fresh_after: float | None = None,
        interval: float = 0.0,
    ) -> Response:
        """POST ``payload`` as JSON (StatCan WDS); cached by URL and payload."""
        return self._request("POST", url, {}, payload, headers, fresh_after, interval)

    def _request(
        self,
        method: str,
        url: str,
        params: Mapping[str, str],
        payload: object,
        headers: Mapping[str, str] | None,
        fresh_after: float | None,
        interval: float,
    ) -> Response:
        for k, v in params.items():
            if k.lower() in SECRET_PARAMS and v:
                register_secret(v)
        for k, v in (headers or {}).items():
            if k.lower() in SECRET_HEADERS and v:
                register_secret(v)
        shown = redact(url, params)
        key = shown if payload is None else f"POST {shown} {json.dumps(payload, sort_keys=True)}"
        body_path, meta_path = self._cache_paths(scrub(key))
        cached = self._cached(body_path, meta_path, shown, fresh_after)
        if cached is not None:
            return cached
        r = self._send(method, url, params, payload, headers, shown, interval)
        now = time.time()
        if r.status_code in (200, 204):
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = body_path.with_suffix(".tmp")
            tmp.write_bytes(r.content)
            tmp.replace(body_path)
            meta = {"url": shown, "status": r.status_code, "retrieved_at": now}
            meta["headers"] = {k: v for k, v in r.headers.items() if k.lower() in _KEPT_HEADERS}
            tmp_meta = meta_path.with_suffix(".jtmp")
            tmp_meta.write_text(json.dumps(meta))
            tmp_meta.replace(meta_path)
        kept = {k: v for k, v in r.headers.items() if k.lower() in _KEPT_HEADERS}
        files = (meta_path, body_path) if r.status_code in (200, 204) else ()
        return Response(r.status_code, r.content, shown, False, now, kept, files)

    def _cached(
        self, body_path: Path, meta_path: Path, shown: str, fresh_after: float | None
    ) -> Response | None:
        if self.ttl <= 0 or not (meta_path.exists() and body_path.exists()):
            return None
        meta = json.loads(meta_path.read_text())
        at = float(meta["retrieved_at"])
        if time.time() - at >= self.ttl:
            return None
        if fresh_after is not None and at < fresh_after:
            self.log(f"cache stale {shown} (the agency updated the data since)")
            return None
        self.log(f"cache hit {shown}")
        return Response(
            int(meta["status"]),
            body_path.read_bytes(),
            shown,
            True,
            at,
            meta.get("headers", {}),
            (meta_path, body_path),
        )

    def _pace(self, interval: float) -> None:
        if interval > 0 and self._last_sent is not None:
            wait = self._last_sent + interval - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._last_sent = self.clock()

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, str],
        payload: object,
        headers: Mapping[str, str] | None,
        shown: str,
        interval: float,
    ) -> httpx.Response:
        attempt = 0
        while True:
            attempt += 1
            self._pace(interval)
            self.requests += 1
            try:
                if payload is None:
                    r = self.http.get(url, params=dict(params), headers=dict(headers or {}))
                else:
                    r = self.http.post(url, json=payload, headers=dict(headers or {}))
            except (httpx.TransportError, httpx.TimeoutException) as e:
                if attempt > self.retries:
                    raise FetchError(
                        shown, f"network error after {attempt} attempts: {scrub(str(e))}"
                    ) from None
                wait = min(self.backoff * 2 ** (attempt - 1), self.max_wait)
                self.log(
                    f"{shown}: {type(e).__name__}, retry {attempt}/{self.retries} in {wait:.1f}s"
                )
                self.sleep(wait)
                continue
            if r.status_code == 429 or r.status_code >= 500:
                if attempt > self.retries:
                    raise FetchError(
                        shown, f"HTTP {r.status_code} after {attempt} attempts", r.status_code
                    )
                wait = min(self.backoff * 2 ** (attempt - 1), self.max_wait)
                ra = retry_after(r.headers.get("Retry-After", ""))
                if ra is not None:
                    wait = min(ra, self.max_wait)
                self.log(
                    f"{shown}: HTTP {r.status_code}, retry {attempt}/{self.retries} in {wait:.1f}s"
                )
                self.sleep(wait)
                continue
            return r


#: Response headers kept with a cached body (what connectors read besides the body).
_KEPT_HEADERS = frozenset({"content-type", "last-modified", "x-socrata-requestid"})
