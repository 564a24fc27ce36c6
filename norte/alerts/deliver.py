"""Deliver alerts: an Atom feed file, e-mail (SMTP) and webhooks (HMAC-SHA256 signed).

Settings (norte.toml ``[alerts]``): ``feed`` (the Atom file; default ``<store>.alerts.atom``),
``[alerts.smtp]`` ``host``, ``port`` (587), ``sender``, ``user``, ``starttls`` (true) — the
password is the secret ``NORTE_SMTP_PASSWORD`` (environment or secrets file, never norte.toml);
webhooks are signed with the secret ``NORTE_WEBHOOK_SECRET``.

Webhook requests carry ``X-Norte-Timestamp`` (Unix seconds) and ``X-Norte-Signature:
sha256=<hex>``, the HMAC-SHA256 of ``<timestamp>.<body>`` with the secret; a receiver
recomputes it and rejects old timestamps. 5xx, 429 and dropped connections are retried with
exponential backoff (1, 2, 4 s; ``attempts`` in all); 4xx fails at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import smtplib
import time
from collections.abc import Callable, Mapping, Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from norte.alerts.model import Alert
from norte.errors import ConfigError, NetworkError

if TYPE_CHECKING:  # httpx is imported when a webhook is posted, not by every refresh
    import httpx

FEED_KEEP = 200


def sign(secret_value: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret_value.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def write_feed(path: Path, alerts: Sequence[Alert], now: dt.datetime) -> int:
    """Add ``alerts`` to the Atom feed at ``path`` (its entries kept in ``path.json``, newest
    first, at most :data:`FEED_KEEP`); the number of entries added."""
    log = path.with_name(path.name + ".json")
    try:
        entries: list[dict[str, Any]] = json.loads(log.read_text("utf-8"))
    except (OSError, ValueError):
        entries = []
    seen = {e["id"] for e in entries}
    new = [
        {"id": a.id, "title": a.title, "at": now.isoformat(), "watch": a.watch, "kind": a.kind}
        for a in alerts
        if "atom" in a.channels and a.id not in seen
    ]
    if not new and path.exists():
        return 0
    entries = (new + entries)[:FEED_KEEP]
    updated = entries[0]["at"] if entries else now.isoformat()
    items = "".join(
        f"<entry><id>urn:norte:alert:{e['id']}</id><title>{escape(e['title'])}</title>"
        f'<updated>{e["at"]}</updated><category term="{escape(e["kind"])}"/>'
        f"<summary>{escape(e['watch'])}: {escape(e['title'])}</summary></entry>\n"
        for e in entries
    )
    feed = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:norte:alerts</id>'
        f"<title>norte alerts</title><updated>{updated}</updated>\n{items}</feed>\n"
    )
    for target, text in ((log, json.dumps(entries, ensure_ascii=False)), (path, feed)):
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(text, "utf-8")
        os.replace(tmp, target)
    return len(new)


def send_email(alerts: Sequence[Alert], smtp: Mapping[str, Any]) -> int:
    """One message per recipient listing its alerts; the number of messages sent."""
    by_rcpt: dict[str, list[Alert]] = {}
    for a in alerts:
        if "email" in a.channels:
            for r in a.email:
                by_rcpt.setdefault(r, []).append(a)
    if not by_rcpt:
        return 0
    host = smtp.get("host")
    sender = smtp.get("sender")
    if not host or not sender:
        raise ConfigError("norte.toml [alerts.smtp]: set host and sender to send e-mail alerts")
    port = int(smtp.get("port", 587))
    user = smtp.get("user")
    from norte.fetch.http import secret

    password = secret("NORTE_SMTP_PASSWORD") if user else None
    if user and not password:
        raise ConfigError(
            "[alerts.smtp] user is set but NORTE_SMTP_PASSWORD is not (environment or secrets file)"
        )
    try:
        with smtplib.SMTP(str(host), port, timeout=30) as s:
            if smtp.get("starttls", port == 587):
                s.starttls()
            if user and password:
                s.login(str(user), password)
            for rcpt, items in by_rcpt.items():
                msg = EmailMessage()
                msg["From"] = str(sender)
                msg["To"] = rcpt
                msg["Subject"] = (
                    items[0].title if len(items) == 1 else f"norte: {len(items)} alerts"
                )
                msg.set_content("\n".join(f"- {a.title}" for a in items) + "\n")
                s.send_message(msg)
    except (OSError, smtplib.SMTPException) as e:
        raise NetworkError(f"SMTP {host}:{port}: {e} — check [alerts.smtp]") from e
    return len(by_rcpt)


def post_webhooks(
    alerts: Sequence[Alert],
    now: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    attempts: int = 4,
    transport: httpx.BaseTransport | None = None,
) -> int:
    """POST each webhook alert's JSON, signed; the number delivered. Raises
    :class:`NetworkError` naming the URL when one fails for good."""
    todo = [a for a in alerts if "webhook" in a.channels and a.webhook]
    if not todo:
        return 0
    import httpx

    from norte.fetch.http import secret

    key = secret("NORTE_WEBHOOK_SECRET")
    if not key:
        raise ConfigError(
            "a watch delivers by webhook but NORTE_WEBHOOK_SECRET is not set (environment or "
            "secrets file): the body is signed with it"
        )
    n = 0
    with httpx.Client(timeout=30, transport=transport) as client:
        for a in todo:
            body = json.dumps(a.to_json(), ensure_ascii=False, sort_keys=True).encode()
            url = str(a.webhook)
            for i in range(attempts):
                ts = str(int(now()))
                headers = {
                    "Content-Type": "application/json",
                    "X-Norte-Timestamp": ts,
                    "X-Norte-Signature": sign(key, ts, body),
                }
                try:
                    r = client.post(url, content=body, headers=headers)
                except httpx.TransportError as e:
                    problem = f"{type(e).__name__}"
                else:
                    if r.status_code < 300:
                        n += 1
                        break
                    if r.status_code < 500 and r.status_code != 429:
                        raise NetworkError(
                            f"webhook {url}: HTTP {r.status_code} (not retried) — check the "
                            "receiver and NORTE_WEBHOOK_SECRET"
                        )
                    problem = f"HTTP {r.status_code}"
                if i == attempts - 1:
                    raise NetworkError(f"webhook {url}: {problem} after {attempts} attempts")
                sleep(2.0**i)
    return n
