"""HTTP for live APIs: retries with backoff, a response cache for resume, secrets kept out of logs.

- Transient failures (HTTP 429, 5xx, timeouts, dropped connections) are retried with exponential
  backoff; ``Retry-After`` is honoured (capped). Terminal failures (4xx) raise at once.
- Responses are cached on disk under ``cache_dir`` keyed by the URL *without* its secret
  parameters, so an interrupted run resumes without re-asking the API. Entries older than
  ``ttl`` seconds are not used (a cache must never hide a newer release): the default TTL is
  12 hours, and ``ttl=0`` disables reuse.
- Secret query parameters (``key``, ``api_key``, ``token``, ``subscription-key``) are redacted
  from every URL that norte prints, logs, stores or uses as a cache key, and (through
  :mod:`norte.fetch.scrub`, installed by every :class:`Client`) from every log line of the
  process: httpx's, httpcore's and urllib3's own records included.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx

from norte.errors import NetworkError
from norte.fetch.scrub import SECRET_PARAMS, install_log_redaction, register_secret

__all__ = ["SECRET_PARAMS", "Client", "FetchError", "Response", "redact", "secret"]


class FetchError(NetworkError):
    """An HTTP request failed for good (after retries, or a terminal status)."""

    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        self.url = url
        self.status = status
        super().__init__(f"{url}: {message}")


def redact(url: str, params: Mapping[str, str] | None = None) -> str:
    """``url`` with ``params`` appended, secret values replaced by ``***``."""
    if not params:
        return url
    shown = {k: ("***" if k.lower() in SECRET_PARAMS else v) for k, v in params.items()}
    return f"{url}?{urlencode(shown, safe=',:*')}"


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


class Client:
    """A small GET client with retries and a disk cache."""

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
    ) -> None:
        self.cache_dir = cache_dir
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.ttl = ttl
        self.sleep = sleep
        self.log = log or (lambda _msg: None)
        install_log_redaction()  # httpx logs the full URL (with the key) at INFO
        self.http = httpx.Client(timeout=timeout, headers={"User-Agent": "norte/0.1"})

    def close(self) -> None:
        self.http.close()

    def _cache_paths(self, shown: str) -> tuple[Path, Path]:
        h = hashlib.sha256(shown.encode()).hexdigest()[:32]
        return self.cache_dir / f"{h}.body", self.cache_dir / f"{h}.json"

    def get(self, url: str, params: Mapping[str, str]) -> Response:
        for k, v in params.items():
            if k.lower() in SECRET_PARAMS and v:
                register_secret(v)
        shown = redact(url, params)
        body_path, meta_path = self._cache_paths(shown)
        if self.ttl > 0 and meta_path.exists() and body_path.exists():
            meta = json.loads(meta_path.read_text())
            if time.time() - float(meta["retrieved_at"]) < self.ttl:
                self.log(f"cache hit {shown}")
                return Response(
                    int(meta["status"]), body_path.read_bytes(), shown, True, meta["retrieved_at"]
                )
        attempt = 0
        while True:
            attempt += 1
            try:
                r = self.http.get(url, params=dict(params))
            except (httpx.TransportError, httpx.TimeoutException) as e:
                if attempt > self.retries:
                    raise FetchError(shown, f"network error after {attempt} attempts: {e}") from e
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
                ra = r.headers.get("Retry-After", "")
                if ra.isdigit():
                    wait = min(float(ra), self.max_wait)
                self.log(
                    f"{shown}: HTTP {r.status_code}, retry {attempt}/{self.retries} in {wait:.1f}s"
                )
                self.sleep(wait)
                continue
            break
        now = time.time()
        if r.status_code in (200, 204):
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = body_path.with_suffix(".tmp")
            tmp.write_bytes(r.content)
            tmp.replace(body_path)
            meta_path.write_text(
                json.dumps({"url": shown, "status": r.status_code, "retrieved_at": now})
            )
        return Response(r.status_code, r.content, shown, False, now)
