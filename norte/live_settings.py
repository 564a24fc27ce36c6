"""The settings of the live side — each connector's base URL, key name and ``[fetch.NAME]``
table (declared by the connector itself, :attr:`norte.fetch.live.Connector.needs`), the
refresh, calendar and alert keys — and where each value comes from now: the environment, the
secrets file, ``norte.toml`` or the default. Secret values are never shown, only whether they
are set and where."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from norte.fetch.live import Need

#: What ``norte refresh``, ``norte calendar``, ``norte fetch`` and the alerts read besides the
#: connectors' own settings.
SHARED: tuple[Need, ...] = (
    Need(
        "NORTE_SECRETS_FILE",
        "env",
        "~/.config/norte/secrets.toml",
        'the secrets file (TOML: NAME = "value"): keys and tokens not in the environment',
    ),
    Need(
        "refresh.downloads",
        "toml",
        "<store folder>/downloads",
        "where norte refresh saves fetched bodies; the response cache is its .cache folder"
        " (norte fetch: --dir, default ./downloads)",
    ),
    Need("refresh.revision_pct", "toml", "1.0", "revisions above this % are reported"),
    Need(
        "calendar.online",
        "toml",
        "",
        "SOURCE = URL: release schedules fetched over the shipped ones (norte calendar)",
    ),
    Need("alerts.feed", "toml", "<store>.alerts.atom", "the Atom feed alerts are written to"),
    Need("alerts.smtp.host", "toml", "", "SMTP server for e-mail alerts"),
    Need("alerts.smtp.port", "toml", "587", "SMTP port"),
    Need("alerts.smtp.sender", "toml", "", "From: address of e-mail alerts"),
    Need("alerts.smtp.user", "toml", "", "SMTP user (its password: NORTE_SMTP_PASSWORD)"),
    Need("alerts.smtp.starttls", "toml", "true on port 587", "STARTTLS before logging in"),
    Need("NORTE_SMTP_PASSWORD", "secret", "", "SMTP password (with alerts.smtp.user)"),
    Need("NORTE_WEBHOOK_SECRET", "secret", "", "key webhook bodies are HMAC-SHA256 signed with"),
    Need("watch", "toml", "", "[[watch]] tables: what alerts watch and how they are delivered"),
)


def live_needs() -> list[Need]:
    """Every connector's settings (from the registry), then the shared ones."""
    import norte.fetch.connectors  # noqa: F401  (registers every connector)
    from norte.fetch.live import CONNECTORS

    out: list[Need] = []
    for name in sorted(CONNECTORS):
        out += CONNECTORS[name].needs
    return out + list(SHARED)


def _secrets_file() -> tuple[Path, dict[str, Any]]:
    path = Path(os.environ.get("NORTE_SECRETS_FILE", "~/.config/norte/secrets.toml")).expanduser()
    if not path.exists():
        return path, {}
    try:
        with open(path, "rb") as f:
            return path, tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError):
        return path, {}


def _toml(config: Mapping[str, Any], dotted: str) -> Any:
    t: Any = config
    for k in dotted.split("."):
        if not isinstance(t, Mapping) or k not in t:
            return None
        t = t[k]
    return t


def origin(need: Need, config: Mapping[str, Any]) -> tuple[str, str]:
    """(where the value comes from, what is shown of it) — a secret shows only ``set``."""
    if need.kind == "toml":
        value = _toml(config, need.key)
        if value is None:
            return "default", need.default or "(none)"
        shown = repr(value) if not isinstance(value, Mapping) else f"{len(value)} keys"
        return "norte.toml", shown[:60]
    if os.environ.get(need.key):
        return "env", "set" if need.kind == "secret" else os.environ[need.key]
    if need.kind == "secret":
        path, found = _secrets_file()
        if found.get(need.key):
            return f"secrets file {path}", "set"
        return "unset", "(none)"
    return "default", need.default


def render(config: Mapping[str, Any]) -> str:
    """The lines ``norte settings`` prints for the live side."""
    lines = [
        "",
        "live connectors, refresh, calendar and alerts (from: env | secrets file | "
        "norte.toml | default; secret values are never shown):",
    ]
    for n in live_needs():
        where, shown = origin(n, config)
        lines.append(f"{n.key:24} {n.kind:6} from {where:12} {shown}\n    {n.help}")
    return "\n".join(lines)
