"""What every live connector does with a response: check it is the JSON the agency documents,
name the field that changed when it is not, and save it atomically as a file ``norte ingest``
reads again. Also the per-agency base-URL setting (``NORTE_<NAME>_URL``) and config helpers."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from norte.errors import ConfigError, InputError
from norte.fetch.http import FetchError, Response

_HTML = re.compile(rb"^\s*(<!doctype|<html|<head|<body|<\?xml)", re.IGNORECASE)


def base_url(name: str, default: str) -> str:
    """The agency's base URL: ``NORTE_<NAME>_URL`` (tests point it at 127.0.0.1), else the
    public API host."""
    return os.environ.get(f"NORTE_{name.upper()}_URL", default).rstrip("/")


def is_html(body: bytes) -> bool:
    return bool(_HTML.match(body[:512]))


def json_of(r: Response, agency: str, hint: str = "") -> Any:
    """The JSON of a 200 response; None for 204 or an empty body (nothing matched).

    An HTML page (a login wall, a maintenance page, a bot challenge) or a body that is not JSON
    is an :class:`InputError` naming the URL and what to do; other statuses are
    :class:`FetchError` with the start of the body."""
    if r.status == 204 or (r.status == 200 and not r.body.strip()):
        return None
    if r.status != 200:
        raise FetchError(r.url, f"HTTP {r.status}: {r.text()}", r.status)
    if is_html(r.body):
        r.discard()
        raise InputError(
            r.url,
            "body",
            f"HTTP 200 but the body is HTML, not the JSON {agency} documents",
            hint=hint or "the service may be down or refusing the client: try again later",
        )
    try:
        return json.loads(r.body)
    except (ValueError, UnicodeDecodeError) as e:
        r.discard()
        raise InputError(
            r.url,
            "body",
            f"not JSON ({e}): {r.text(80)!r}",
            expected=f"the JSON {agency} documents",
            hint="fetch again; if it persists the API changed: report it",
        ) from None


def field(obj: Any, name: str, where: str, place: str, expected: str = "") -> Any:
    """``obj[name]``, or an :class:`InputError` naming the field when the agency renamed or
    dropped it (the response changed shape)."""
    if not isinstance(obj, Mapping) or name not in obj:
        have = ", ".join(sorted(map(str, obj))[:12]) if isinstance(obj, Mapping) else type(obj)
        raise InputError(
            where,
            place,
            f"field {name!r} is missing (found: {have})",
            expected=expected or f"an object with {name!r}",
            hint="the API changed its response: update norte (report it) or pin the old version",
        )
    return obj[name]


@contextmanager
def checking(r: Response) -> Iterator[None]:
    """Validate ``r``'s body inside this block: a body that fails (a renamed field) is dropped
    from the cache, so a rerun asks the agency again instead of failing on the copy."""
    try:
        yield
    except InputError:
        r.discard()
        raise


def save(out_dir: Path, name: str, body: bytes) -> Path:
    """Write ``body`` to ``out_dir/name`` atomically (a killed run leaves no partial file)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(body)
    tmp.replace(path)
    return path


def save_json(out_dir: Path, name: str, obj: Any) -> Path:
    return save(out_dir, name, json.dumps(obj, ensure_ascii=False, indent=0).encode())


def utc_date(ts: float) -> dt.date:
    return dt.datetime.fromtimestamp(ts, dt.UTC).date()


def strings(config: Mapping[str, object], key: str, what: str) -> list[str]:
    """A list of strings from a ``[fetch.NAME]`` table (a single string is a list of one)."""
    value = config.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ConfigError(
            f'[fetch] {key}: {value!r} is not a list of {what} — write e.g. {key} = ["..."]'
        )
    return [str(v) for v in value]
