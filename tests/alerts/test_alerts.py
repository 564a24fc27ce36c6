"""Watches -> alerts (a pure function), and their delivery: Atom file, SMTP (aiosmtpd on
127.0.0.1), webhook (a local receiver that checks the HMAC signature and fails the first try)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from norte.alerts import Watch, evaluate, parse_watches
from norte.alerts.deliver import post_webhooks, send_email, write_feed
from norte.errors import ConfigError, NetworkError
from norte.refresh.changes import Changes

NOW = dt.datetime(2025, 2, 6, 13, 30, tzinfo=dt.UTC)


def changes() -> Changes:
    return Changes(
        loaded=["exports.json.gz"],
        new_periods=[
            {
                "source": "census",
                "dataset": "trade_by_country",
                "period": "2024-12-01",
                "previous": "2024-11-01",
            }
        ],
        revisions=[
            {
                "indicator": "us-exports",
                "dims": {"partner": "MEX"},
                "period": "2024-11-01",
                "old": 1000.0,
                "new": 1031.0,
                "pct": 3.1,
            },
            {
                "indicator": "us-exports",
                "dims": {"partner": "CAN"},
                "period": "2024-11-01",
                "old": 1000.0,
                "new": 1004.0,
                "pct": 0.4,
            },
        ],
        lights=[{"goal": "goal-1", "target": "t1", "from": "amber", "to": "green"}],
        findings=[
            {
                "id": "f1",
                "headline": "Mexico overtakes Canada",
                "partners": ["MEX", "CAN"],
                "indicators": ["us-export-rank.MEX"],
                "score": 80.0,
                "period": "2024-12-01",
            }
        ],
    )


WATCHES = [
    {"name": "census", "kind": "release", "source": "census"},
    {"name": "big revisions", "kind": "revision", "indicator": "us-exports", "pct": 2},
    {"name": "goal 1", "kind": "light", "goal": "goal-1"},
    {"name": "mexico", "kind": "finding", "partner": "MEX"},
    {"name": "ranks", "kind": "finding", "indicator": "us-export-rank"},
    {"name": "quiet", "kind": "release", "source": "statcan"},
]


def test_each_kind_matches_its_changes_only() -> None:
    alerts = evaluate(changes(), parse_watches(WATCHES))
    assert [a.watch for a in alerts] == ["census", "big revisions", "goal 1", "mexico", "ranks"]
    rev = alerts[1]
    assert rev.detail["dims"] == {"partner": "MEX"}  # 0.4 % stays under the 2 % threshold
    assert rev.title == "Revision: us-exports 2024-11 +3.1% (1,000 → 1,031)"
    assert alerts[2].title == "Goal goal-1 light t1: amber → green"
    assert len({a.id for a in alerts}) == len(alerts)


def test_the_model_is_a_plain_dataclass() -> None:
    """What the web app stores per account: build a Watch directly, evaluate the same way."""
    w = Watch(name="acct-7", kind="finding", partner="CAN")
    assert [a.watch for a in evaluate(changes(), [w])] == ["acct-7"]


@pytest.mark.parametrize(
    ("watch", "message"),
    [
        ({"kind": "rumour"}, "kind = 'rumour'; expected one of release"),
        ({"kind": "release"}, "set source"),
        ({"kind": "finding"}, "set partner or indicator"),
        ({"kind": "light", "goal": "g", "channels": ["email"]}, "channel email needs email"),
        ({"kind": "light", "goal": "g", "channels": ["pager"]}, "channels ['pager']"),
        ({"kind": "revision", "indicator": "x", "pct": "lots"}, "pct = 'lots' is not a number"),
    ],
)
def test_bad_watch_names_it(watch: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=r"\[\[watch\]\] #2") as e:
        parse_watches([WATCHES[0], watch])
    assert message in str(e.value)


def test_atom_feed_adds_each_alert_once(tmp_path: Path) -> None:
    feed = tmp_path / "alerts.atom"
    alerts = evaluate(changes(), parse_watches(WATCHES))
    assert write_feed(feed, alerts, NOW) == 5
    assert write_feed(feed, alerts, NOW + dt.timedelta(hours=1)) == 0  # a rerun adds nothing
    root = ET.parse(feed).getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in root.findall("a:entry", ns)]
    assert "New finding: Mexico overtakes Canada" in titles and len(titles) == 5


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, list[Any]]]:
    from aiosmtpd.controller import Controller

    got: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            got.append(envelope)
            return "250 OK"

    with socket.socket() as sock:  # a free port (the controller cannot start on port 0)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    c = Controller(Handler(), hostname="127.0.0.1", port=port)
    c.start()
    try:
        yield port, got
    finally:
        c.stop()


def test_email_one_message_per_recipient(smtp_server: tuple[int, list[Any]]) -> None:
    port, got = smtp_server
    ws = parse_watches(
        [
            {
                "name": "a",
                "kind": "release",
                "source": "census",
                "channels": ["email"],
                "email": ["ana@example.org", "bo@example.org"],
            },
            {
                "name": "b",
                "kind": "light",
                "goal": "goal-1",
                "channels": ["email", "atom"],
                "email": "ana@example.org",
            },
        ]
    )
    smtp = {"host": "127.0.0.1", "port": port, "sender": "norte@example.org", "starttls": False}
    assert send_email(evaluate(changes(), ws), smtp) == 2
    by = {e.rcpt_tos[0]: e.content.decode() for e in got}
    assert set(by) == {"ana@example.org", "bo@example.org"}
    assert "Subject: norte: 2 alerts" in by["ana@example.org"]
    assert "amber → green" in by["ana@example.org"] or "amber =E2=86=92" in by["ana@example.org"]


def test_email_needs_the_password_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NORTE_SMTP_PASSWORD", raising=False)
    monkeypatch.setenv("NORTE_SECRETS_FILE", str(tmp_path / "none.toml"))
    ws = parse_watches(
        [{"kind": "release", "source": "census", "channels": ["email"], "email": ["a@example.org"]}]
    )
    with pytest.raises(ConfigError, match="NORTE_SMTP_PASSWORD"):
        send_email(evaluate(changes(), ws), {"host": "h", "sender": "s", "user": "u"})


SECRET = "webhook-shared-secret"


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Checks the signature and the timestamp; answers 503 to the first request."""
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            ts = self.headers["X-Norte-Timestamp"]
            want = (
                "sha256="
                + hmac.new(SECRET.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
            )
            ok = hmac.compare_digest(want, self.headers["X-Norte-Signature"])
            seen.append({"ok": ok, "ts": ts, "body": json.loads(body)})
            status = 401 if not ok else (503 if len(seen) == 1 else 204)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", seen
    server.shutdown()


def test_webhook_signed_and_retried(
    receiver: tuple[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, seen = receiver
    monkeypatch.setenv("NORTE_WEBHOOK_SECRET", SECRET)
    ws = parse_watches(
        [
            {
                "name": "hook",
                "kind": "light",
                "goal": "goal-1",
                "channels": ["webhook"],
                "webhook": url,
            }
        ]
    )
    waits: list[float] = []
    clock = iter([1738848600.0, 1738848601.0])
    n = post_webhooks(evaluate(changes(), ws), now=lambda: next(clock), sleep=waits.append)
    assert n == 1 and waits == [1.0]
    assert [s["ok"] for s in seen] == [True, True]  # refused once (503), then accepted
    assert seen[1]["body"]["detail"] == {
        "goal": "goal-1",
        "target": "t1",
        "from": "amber",
        "to": "green",
    }
    assert seen[0]["ts"] != seen[1]["ts"]  # each attempt signs its own timestamp


def test_webhook_wrong_secret_is_not_retried(
    receiver: tuple[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, seen = receiver
    monkeypatch.setenv("NORTE_WEBHOOK_SECRET", "not-the-secret")
    ws = parse_watches(
        [{"kind": "light", "goal": "goal-1", "channels": ["webhook"], "webhook": url}]
    )
    with pytest.raises(NetworkError, match="HTTP 401 \\(not retried\\)"):
        post_webhooks(evaluate(changes(), ws), sleep=lambda _s: None)
    assert len(seen) == 1
