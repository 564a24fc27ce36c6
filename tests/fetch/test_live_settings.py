"""`norte settings` lists every setting the live side reads — the connectors' base URLs, key
names and [fetch.NAME] tables, refresh, calendar and alert keys — with where each value comes
from, and never a secret's value. The list is checked against the registry and against the
source itself, so a new connector or a new key cannot be forgotten."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import norte.fetch.connectors  # noqa: F401
from norte.cli import main
from norte.fetch.live import CONNECTORS
from norte.live_settings import live_needs

REPO = Path(__file__).resolve().parents[2]
LIVE = [*(REPO / "norte/fetch").glob("*.py"), *(REPO / "norte/refresh").glob("*.py")]
LIVE += [*(REPO / "norte/alerts").glob("*.py")]


def keys_read_by_the_source() -> set[str]:
    """Every setting the live code reads, found in its text: NORTE_* names, base_url("x")
    (NORTE_X_URL), and the [refresh], [alerts] and [alerts.smtp] keys it gets."""
    found: set[str] = set()
    for path in LIVE:
        text = path.read_text()
        found |= set(re.findall(r"[\"'](NORTE_[A-Z_]+)[\"']", text))
        found |= {f"NORTE_{n.upper()}_URL" for n in re.findall(r"base_url\([\"'](\w+)[\"']", text)}
        for var, section in (("cfg", "refresh"), ("alerts_cfg", "alerts"), ("smtp", "alerts.smtp")):
            found |= {f"{section}.{k}" for k in re.findall(rf"\b{var}\.get\(\"(\w+)\"", text)}
    return found


def listed(capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["settings"]) == 0
    return capsys.readouterr().out


def test_every_key_the_live_code_reads_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    out = listed(capsys)
    names = {line.split()[0] for line in out.splitlines() if line and not line.startswith(" ")}
    wanted = keys_read_by_the_source()
    assert {"NORTE_FRED_KEY", "NORTE_INEGI_URL", "alerts.smtp.host"} <= wanted  # the scan works
    assert wanted <= names, sorted(wanted - names)
    for name, connector in CONNECTORS.items():  # the registry: no connector left out
        assert f"fetch.{name}" in names, name
        assert any(n.kind == "url" for n in connector.needs), name
    assert {"calendar.online", "watch", "NORTE_SMTP_PASSWORD", "NORTE_WEBHOOK_SECRET"} <= names
    assert len({n.key for n in live_needs()}) == len(live_needs())  # each listed once


def test_where_each_value_comes_from_and_secrets_never_shown(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('NORTE_FRED_KEY = "fred-secret-value-123"\n')
    cfg = tmp_path / "norte.toml"
    cfg.write_text('[refresh]\nrevision_pct = 2.5\n[fetch.fred]\nseries = ["PAYEMS"]\n')
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO),
        "HOME": str(tmp_path),
        "NORTE_SECRETS_FILE": str(secrets),
        "NORTE_STATCAN_URL": "http://127.0.0.1:9/wds",
        "NORTE_COMTRADE_KEY": "comtrade-secret-value-456",
    }
    r = subprocess.run(
        [sys.executable, "-m", "norte.cli", "--config", str(cfg), "settings"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    rows = {line.split()[0]: line for line in r.stdout.splitlines() if line[:1].strip()}
    assert "from env" in rows["NORTE_STATCAN_URL"] and "127.0.0.1:9" in rows["NORTE_STATCAN_URL"]
    assert "from env" in rows["NORTE_COMTRADE_KEY"] and rows["NORTE_COMTRADE_KEY"].endswith("set")
    assert f"from secrets file {secrets}" in rows["NORTE_FRED_KEY"]
    assert "from unset" in rows["NORTE_INEGI_TOKEN"]
    assert (
        "from norte.toml" in rows["refresh.revision_pct"] and "2.5" in rows["refresh.revision_pct"]
    )
    assert "from norte.toml" in rows["fetch.fred"]
    assert (
        "from default" in rows["NORTE_FRED_URL"] and "api.stlouisfed.org" in rows["NORTE_FRED_URL"]
    )
    assert "secret-value" not in r.stdout + r.stderr
