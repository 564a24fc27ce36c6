"""The watch model: a plain dataclass and one pure function, reusable by the web app.

A :class:`Watch` is one of four kinds:

- ``release``: a new period of a ``source`` (optionally one ``dataset``);
- ``revision``: an ``indicator`` value revised by more than ``pct`` percent;
- ``light``: a goal light (``goal``, optionally ``target``) changing colour;
- ``finding``: a new finding about a ``partner`` or an ``indicator``.

:func:`evaluate` maps the changes of a run (:class:`norte.refresh.changes.Changes`) to the
alerts they raise. It reads nothing else, so per-account watch lists evaluate the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from norte.errors import ConfigError

KINDS = ("release", "revision", "light", "finding")
CHANNELS = ("atom", "email", "webhook")


class ChangeSet(Protocol):
    new_periods: list[dict[str, Any]]
    revisions: list[dict[str, Any]]
    lights: list[dict[str, Any]]
    findings: list[dict[str, Any]]


@dataclass(frozen=True)
class Watch:
    name: str
    kind: str
    source: str | None = None
    dataset: str | None = None
    indicator: str | None = None
    pct: float = 0.0
    goal: str | None = None
    target: str | None = None
    partner: str | None = None
    channels: tuple[str, ...] = ("atom",)
    email: tuple[str, ...] = ()  # recipients
    webhook: str | None = None  # URL


@dataclass(frozen=True)
class Alert:
    watch: str
    kind: str
    title: str  # one line, numbers as people read them
    detail: dict[str, Any] = field(default_factory=dict)
    channels: tuple[str, ...] = ("atom",)
    email: tuple[str, ...] = ()
    webhook: str | None = None

    @property
    def id(self) -> str:
        raw = json.dumps([self.watch, self.kind, self.detail], sort_keys=True, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "id": self.id}


_REQUIRED = {
    "release": ("source",),
    "revision": ("indicator",),
    "light": ("goal",),
    "finding": (),
}


def parse_watches(items: Sequence[Mapping[str, Any]], where: str = "norte.toml") -> list[Watch]:
    """The ``[[watch]]`` tables of norte.toml as watches; a bad one is a :class:`ConfigError`
    naming it and the fix."""
    out = []
    for i, w in enumerate(items):
        place = f"{where} [[watch]] #{i + 1}"
        kind = w.get("kind")
        if kind not in KINDS:
            raise ConfigError(f"{place}: kind = {kind!r}; expected one of {', '.join(KINDS)}")
        missing = [k for k in _REQUIRED[str(kind)] if not w.get(k)]
        if kind == "finding" and not (w.get("partner") or w.get("indicator")):
            missing.append("partner or indicator")
        if missing:
            raise ConfigError(f"{place} (kind {kind}): set {', '.join(missing)}")
        channels = tuple(w.get("channels", ["atom"]))
        bad = [c for c in channels if c not in CHANNELS]
        if bad:
            raise ConfigError(f"{place}: channels {bad}; expected some of {', '.join(CHANNELS)}")
        if "email" in channels and not w.get("email"):
            raise ConfigError(f"{place}: channel email needs email = ['someone@example.org']")
        if "webhook" in channels and not w.get("webhook"):
            raise ConfigError(f"{place}: channel webhook needs webhook = 'https://...'")
        try:
            pct = float(w.get("pct", 0.0))
        except (TypeError, ValueError):
            raise ConfigError(f"{place}: pct = {w.get('pct')!r} is not a number") from None
        emails = w.get("email", ())
        out.append(
            Watch(
                name=str(w.get("name") or f"watch-{i + 1}"),
                kind=str(kind),
                source=w.get("source"),
                dataset=w.get("dataset"),
                indicator=w.get("indicator"),
                pct=pct,
                goal=w.get("goal"),
                target=w.get("target"),
                partner=w.get("partner"),
                channels=channels,
                email=tuple([emails] if isinstance(emails, str) else emails),
                webhook=w.get("webhook"),
            )
        )
    return out


def _pct(x: float) -> str:
    return f"{x:+,.1f}%"


def _alert(w: Watch, title: str, detail: dict[str, Any]) -> Alert:
    return Alert(w.name, w.kind, title, detail, w.channels, w.email, w.webhook)


def evaluate(changes: ChangeSet, watches: Iterable[Watch]) -> list[Alert]:
    """The alerts ``changes`` raise for ``watches`` (in watch order, then change order)."""
    out: list[Alert] = []
    for w in watches:
        if w.kind == "release":
            for p in changes.new_periods:
                if p["source"] == w.source and (w.dataset is None or p["dataset"] == w.dataset):
                    out.append(
                        _alert(
                            w,
                            f"New release: {p['source']} {p['dataset']} now through "
                            f"{p['period'][:7]}",
                            p,
                        )
                    )
        elif w.kind == "revision":
            for r in changes.revisions:
                if r["indicator"] == w.indicator and abs(float(r["pct"])) > w.pct:
                    out.append(
                        _alert(
                            w,
                            f"Revision: {r['indicator']} {r['period'][:7]} "
                            f"{_pct(float(r['pct']))} ({r['old']:,.0f} → {r['new']:,.0f})",
                            r,
                        )
                    )
        elif w.kind == "light":
            for c in changes.lights:
                if c["goal"] == w.goal and (w.target is None or c["target"] == w.target):
                    out.append(
                        _alert(
                            w, f"Goal {c['goal']} light {c['target']}: {c['from']} → {c['to']}", c
                        )
                    )
        else:
            for f in changes.findings:
                about = (w.partner is not None and w.partner in f.get("partners", [])) or (
                    w.indicator is not None
                    and any(str(i).split(".")[0] == w.indicator for i in f.get("indicators", []))
                )
                if about:
                    out.append(_alert(w, f"New finding: {f['headline']}", f))
    return out
