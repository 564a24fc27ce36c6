"""``norte calendar [--json]`` and ``norte refresh [--json]``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from norte.errors import ConfigError
from norte.refresh.calendar import Release, Schedule, calendar, merge_online, shipped
from norte.store import Store


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    c = sub.add_parser("calendar", help="the next release of every source in the store")
    c.add_argument("--json", action="store_true", help="print JSON")
    c.add_argument("--offline", action="store_true", help="do not fetch [calendar.online]")
    c.add_argument(
        "--fetch",
        action="store_true",
        help="also fetch every agency's published schedule (its online_url; "
        "[calendar.online] SOURCE = URL overrides)",
    )
    r = sub.add_parser(
        "refresh",
        help="fetch what is due, load it, recompute what depends on it, republish (cron)",
    )
    r.add_argument("--json", action="store_true", help="print what changed as JSON")
    r.add_argument("--out", help="site folder (default: the build out setting)")
    r.add_argument("--all", action="store_true", help="fetch every configured connector")
    r.add_argument("--no-publish", action="store_true", help="do not rewrite the site")


def _table(config: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    t: Any = config
    for k in keys:
        t = t.get(k, {}) if isinstance(t, Mapping) else {}
    if not isinstance(t, Mapping):
        raise ConfigError(f"norte.toml [{'.'.join(keys)}] must be a table")
    return dict(t)


def schedules(
    config: Mapping[str, Any], base: Path, offline: bool, fetch: bool = False
) -> dict[str, Schedule]:
    """The shipped schedules, with ``[calendar.online]`` (``SOURCE = URL``) fetched over them
    (and, with ``fetch``, every schedule's ``online_url``). A schedule that cannot be fetched
    or read keeps its shipped dates (else the estimate), with a warning naming the source."""
    out = shipped()
    online = _table(config, "calendar", "online")
    for src in online:
        if src not in out:
            raise ConfigError(
                f"norte.toml [calendar.online] {src}: no shipped schedule for that source "
                f"(known: {', '.join(sorted(out))})"
            )
    urls = {s: sch.online_url for s, sch in out.items() if fetch and sch.online_url}
    urls |= {s: str(u) for s, u in online.items()}
    if offline or not urls:
        return out
    from norte.errors import InputError, NetworkError
    from norte.fetch.http import Client

    client = Client(base / ".cache", ttl=3600, log=lambda m: print(m, file=sys.stderr))
    try:
        for src, url in sorted(urls.items()):
            try:
                r = client.get(url, {})
                if r.status != 200:
                    raise NetworkError(f"{r.url}: HTTP {r.status}")
                out[src] = merge_online(out[src], r.body, r.url)
            except (InputError, NetworkError) as e:
                print(
                    f"norte calendar: warning: the {src} schedule ({out[src].agency}) could not "
                    f"be read — {e}; its dates stay as shipped (else estimated)",
                    file=sys.stderr,
                )
    finally:
        client.close()
    return out


def _line(r: Release) -> str:
    tag = "published" if r.status == "published" else "estimated"
    due = f"  DUE: {r.missing:%b %Y} on is out, not loaded" if r.missing else ""
    period = f"{r.period:%b %Y}"
    return f"{r.human():24}  {r.source:12} {period:9} {tag:9}  {r.title}{due}"


def run_calendar(args: argparse.Namespace, db: Path, config: Mapping[str, Any]) -> int:
    now = dt.datetime.now(dt.UTC)
    sch = schedules(config, db.parent / "downloads", args.offline, args.fetch)
    with Store(db, read_only=True) as store:
        rel = calendar(store.con, now, sch)
    if args.json:
        print(json.dumps([r.to_json() for r in rel], ensure_ascii=False, indent=2))
        return 0
    lines = [_line(r) for r in rel] or ["no loaded source has a release schedule"]
    est = sum(r.status == "estimated" for r in rel)
    if est:
        lines.append(
            f"{est} date(s) estimated from the source's documented lag (no published date "
            "shipped or fetched); sources: norte calendar --json"
        )
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def run_refresh(
    args: argparse.Namespace, db: Path, out: Path, config: Mapping[str, Any], base_url: str | None
) -> int:
    from norte.alerts import evaluate, parse_watches
    from norte.alerts.deliver import post_webhooks, send_email, write_feed
    from norte.refresh.changes import Changes
    from norte.refresh.lock import refresh_lock
    from norte.refresh.run import refresh

    cfg = _table(config, "refresh")
    alerts_cfg = _table(config, "alerts")
    watches = parse_watches(list(config.get("watch", [])))
    now = dt.datetime.now(dt.UTC)
    feed = Path(str(alerts_cfg.get("feed", db.with_name(db.name + ".alerts.atom"))))

    def deliver(ch: Changes) -> list[dict[str, Any]]:
        alerts = evaluate(ch, watches)
        write_feed(feed, alerts, now)
        send_email(alerts, _table(alerts_cfg, "smtp"))
        post_webhooks(alerts)
        return [a.to_json() for a in alerts]

    try:
        threshold = float(cfg.get("revision_pct", 1.0))
    except (TypeError, ValueError):
        raise ConfigError(
            f"[refresh] revision_pct = {cfg.get('revision_pct')!r}: a number"
        ) from None
    with refresh_lock(db):
        rep = refresh(
            db,
            out,
            _table(config, "fetch"),
            downloads=Path(str(cfg.get("downloads", db.parent / "downloads"))),
            now=now,
            threshold_pct=threshold,
            every=args.all,
            publish=not args.no_publish,
            base_url=base_url,
            on_changes=deliver,
        )
    if args.json:
        print(json.dumps(rep.to_json(), ensure_ascii=False, indent=2, default=str))
        return 0
    ch = rep.changes
    print(
        f"norte refresh: {len(rep.due)} release(s) due, {len(rep.fetched)} connector(s) asked, "
        f"{len(ch.loaded)} file(s) loaded"
        + (
            f"; {len(ch.new_periods)} new period(s), {len(ch.revisions)} revision(s) above "
            f"{threshold:g}%, {len(ch.lights)} light(s) changed, {len(ch.findings)} new "
            f"finding(s), {len(rep.alerts)} alert(s)"
            if rep.recomputed
            else " — nothing changed"
        ),
        file=sys.stderr,
    )
    for p in ch.new_periods:
        print(f"  new: {p['source']} {p['dataset']} through {p['period'][:7]}", file=sys.stderr)
    for lc in ch.lights:
        print(f"  light: {lc['goal']} {lc['target']} {lc['from']} → {lc['to']}", file=sys.stderr)
    return 0
