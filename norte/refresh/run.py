"""``norte refresh``: what a timer runs on release days (safe every 15 minutes).

1. take the refresh lock (:mod:`norte.refresh.lock`); read the calendar from a read-only open;
2. fetch, through :data:`norte.fetch.live.CONNECTORS`, each connector configured under
   ``[fetch.NAME]`` whose source has a release due (or no schedule, or no data yet);
3. load what was saved (each load atomic; a file already loaded is skipped by checksum);
4. when the store changed since the last completed refresh or build (this run's loads, or a
   run killed before it finished, or a ``norte ingest`` meanwhile): start rendering the pages
   that read only loads from a copy of the store (:mod:`norte.publish.early`), recompute
   indicators (only the definitions whose inputs changed: the engine's fingerprints), findings
   and goal lights meanwhile, close the store (which publishes the read snapshot), render the
   rest of the site and publish it (:func:`norte.publish.early.write_site_after`; without the
   early pages, in two processes: :mod:`norte.publish.parallel`), evaluate the watches;
5. write ``<store>.refresh.json`` (the store's newest load id) last: a run killed before that
   point is completed by the next one, and a run with nothing new changes no file at all.
   ``norte build`` writes it too, as its last step (:func:`write_done`): a refresh right after
   a build has nothing to do.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from norte import faults
from norte.errors import ConfigError
from norte.refresh.calendar import Release, calendar
from norte.refresh.changes import Changes, State, diff, state
from norte.store import Store

if TYPE_CHECKING:  # the fetch side (httpx) is imported only when a connector is configured
    from norte.fetch.live import Saved
    from norte.publish.early import Early

#: Store sources each connector's files load as (the calendar's keys); default: its name.
CONNECTOR_SOURCES: dict[str, tuple[str, ...]] = {
    "socrata": ("transborder", "bts"),
    "inegi": ("inegi_bcmm", "inegi_pib", "inegi"),
}


@dataclass
class Report:
    due: list[Release] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)  # connector names asked
    saved: list[str] = field(default_factory=list)
    recomputed: bool = False
    changes: Changes = field(default_factory=Changes)
    alerts: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "due": [r.to_json() for r in self.due],
            "fetched": self.fetched,
            "saved": self.saved,
            "recomputed": self.recomputed,
            "changes": self.changes.to_json(),
            "alerts": self.alerts,
        }


def marker_path(db: Path) -> Path:
    return db.with_name(db.name + ".refresh.json")


def _marker(db: Path) -> dict[str, Any]:
    try:
        data = json.loads(marker_path(db).read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _done_load(db: Path) -> int | None:
    v = _marker(db).get("max_load")
    return int(v) if isinstance(v, int) else None


def _since_marker(db: Path, st: State) -> State:
    """``st`` with the periods, lights and findings the last completed run left (from its
    marker): a file ingested by hand since then is reported as new by this run."""
    m = _marker(db)
    if not m:
        return st
    periods = {}
    for k, v in m.get("periods", {}).items():
        src, _, ds = k.partition("|")
        periods[(src, ds)] = dt.date.fromisoformat(v)
    lights = {}
    for k, v in m.get("lights", {}).items():
        g, _, t = k.partition("|")
        lights[(g, t)] = str(v)
    found: dict[str, dict[str, Any]] = {str(i): {} for i in m.get("findings", [])}
    return State(periods, st.values, lights, found, st.max_load)


def done_state(store: Store) -> State:
    """What a marker written later will say was recomputed: taken while the writer that
    recomputed still holds the store (a load by another writer after it is not included)."""
    return state(store.con)


def write_done(db: Path, st: State, now: dt.datetime | None = None) -> None:
    """Write the marker of ``st`` (:func:`done_state`) for the store ``db``: what
    ``norte build`` does last, once the site is published."""
    _write_marker(db, st, now or dt.datetime.now(dt.UTC))


def _write_marker(db: Path, st: State, now: dt.datetime) -> None:
    path = marker_path(db)
    tmp = path.with_suffix(".tmp")
    body = {
        "max_load": st.max_load,
        "at": now.isoformat(),
        "periods": {f"{s}|{d}": p.isoformat() for (s, d), p in sorted(st.periods.items())},
        "lights": {f"{g}|{t}": c for (g, t), c in sorted(st.lights.items())},
        "findings": sorted(st.findings),
    }
    tmp.write_text(json.dumps(body, indent=1))
    os.replace(tmp, path)


def _wanted(
    fetch_cfg: Mapping[str, Any], cal: list[Release], held: set[str], every: bool
) -> list[str]:
    """Connectors to ask: configured, and due (or unscheduled, or no data held yet)."""
    if not fetch_cfg:
        return []  # nothing configured: the connectors (httpx and all) are not even imported
    import norte.fetch.connectors  # noqa: F401 - registers every live connector
    from norte.fetch.live import CONNECTORS

    due = {r.source for r in cal if r.due}
    scheduled = {r.source for r in cal}
    out = []
    for name in sorted(fetch_cfg):
        if name not in CONNECTORS:
            known = ", ".join(sorted(CONNECTORS)) or "none"
            raise ConfigError(
                f"norte.toml [fetch.{name}]: no connector named {name!r} (known: {known})"
            )
        srcs = set(CONNECTOR_SOURCES.get(name, (getattr(CONNECTORS[name], "source", name),)))
        if every or srcs & due or not srcs & scheduled or not srcs & held:
            out.append(name)
    return out


def refresh(
    db: Path,
    out: Path,
    fetch_cfg: Mapping[str, Any],
    *,
    downloads: Path,
    now: dt.datetime | None = None,
    threshold_pct: float = 1.0,
    every: bool = False,
    publish: bool = True,
    base_url: str | None = None,
    cache_ttl: float = 900,
    on_changes: Callable[[Changes], list[dict[str, Any]]] | None = None,
    progress: TextIO | None = None,
) -> Report:
    """One refresh run (see the module docstring); the caller holds the refresh lock."""
    err = progress if progress is not None else sys.stderr
    now = now or dt.datetime.now(dt.UTC)
    rep = Report()
    before: State | None = None
    if db.exists():
        with Store(db, read_only=True) as store:
            cal = calendar(store.con, now)
            before = state(store.con)
    else:
        cal = []
    rep.due = [r for r in cal if r.due]
    held = set() if before is None else {s for s, _ in before.periods}
    names = _wanted(fetch_cfg, cal, held, every)
    saved = []
    if names:
        from norte.fetch.http import Client
        from norte.fetch.live import CONNECTORS

        # ttl: a response cached by a run of the last 15 minutes is reused (a rerun resumes),
        # an older one never (it could hide the release this run is waiting for)
        client = Client(downloads / ".cache", ttl=cache_ttl, log=lambda m: print(m, file=err))
        try:
            for name in names:
                cfg = fetch_cfg.get(name) or {}
                if not isinstance(cfg, Mapping):
                    raise ConfigError(f"norte.toml [fetch.{name}] must be a table")
                rep.fetched.append(name)
                saved += CONNECTORS[name].fetch(
                    client, cfg, downloads / name, lambda m: print(m, file=err)
                )
        finally:
            client.close()
    rep.saved = [str(s.path) for s in saved]
    saved = _new_bytes(db, saved)
    done = _done_load(db)
    if not saved and before is not None and done == before.max_load:
        return rep  # nothing fetched, nothing left over: no write, no file touched
    early: Early | None = None
    try:
        with Store(db) as store:
            if before is None:
                before = state(store.con)
            for s in saved:
                r = store.load_file(s.path, s.source, vintage=s.vintage)
                if r.outcome == "loaded":
                    rep.changes.loaded.append(s.path.name)
                print(f"norte refresh: {s.path.name}: {r.rows:,} rows ({r.outcome})", file=err)
            max_load = state_max_load(store)
            if max_load == done and not rep.changes.loaded:
                return rep
            mode = site_mode(store)
            if publish:  # the pages that read only loads, rendered while the rest recomputes
                from norte.publish.early import start

                early = start(store, out, mode, base_url=base_url)
            _recompute(store, err)
            rep.recomputed = True
            after = state(store.con, same_loads_as=before)  # the recompute loads nothing
        was, loaded = before, rep.changes.loaded
        compared: list[bool] = []

        def compare() -> None:  # what changed (no page needs it: done while pages render)
            if not compared:
                compared.append(True)
                rep.changes = diff(_since_marker(db, was), after, threshold_pct)
                rep.changes.loaded = loaded

        # the writer is closed (the web app's read snapshot published: norte.store.snapshot),
        # so the site is rendered by two processes reading the store (norte.publish.parallel)
        if publish and early is not None:
            from norte.publish.early import write_site_after

            write_site_after(early, db, out, progress=err, base_url=base_url, idle=compare)
        elif publish:
            from norte.publish.parallel import write_site_from

            write_site_from(db, out, mode, progress=err, force=False, base_url=base_url)
        compare()
    finally:
        if early is not None:  # an error before the site took it: stop the early pages
            early.close()
    if on_changes is not None:
        rep.alerts = on_changes(rep.changes)
    faults.point("refresh_marker")
    _write_marker(db, after, now)
    return rep


def _new_bytes(db: Path, saved: list[Saved]) -> list[Saved]:
    """The saved files whose bytes the store does not hold yet (under any vintage: the same
    body fetched on a later day says nothing new), checked from a read-only open so a run
    with nothing new never opens the store for writing."""
    if not saved or not db.exists():
        return saved
    from norte.store.staging import sha256_of

    with Store(db, read_only=True) as store:
        out = []
        for s in saved:
            hit = store.con.execute(
                "SELECT count(*) FROM loads WHERE sha256 = ?", [sha256_of(s.path)]
            ).fetchall()
            if not hit[0][0]:
                out.append(s)
    return out


def state_max_load(store: Store) -> int:
    return int(store.con.execute("SELECT coalesce(max(load_id), 0) FROM loads").fetchall()[0][0])


def site_mode(store: Store) -> str:
    """The site's mode: ``official`` when the store holds official rows, else ``seed``."""
    from norte.build import official_rows

    return "official" if official_rows(store) else "seed"


def _recompute(store: Store, err: TextIO) -> None:
    """Indicators (changed inputs only), findings and goal lights."""
    from norte.findings.cli import refresh as refresh_findings
    from norte.goals import record_all

    refresh_findings(store, out=err)  # indicators (changed inputs only), then findings
    record_all(store)
