"""What a refresh changed: new periods, revisions above a threshold, lights, new findings.

:func:`state` reads the few numbers a comparison needs (before and after the run);
:func:`diff` turns two states into :class:`Changes` — the input of the alerts
(:func:`norte.alerts.evaluate`) and of ``norte refresh --json``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from norte.indicators.catalog import DIMS

Key = tuple[Any, ...]


@dataclass
class State:
    periods: dict[tuple[str, str], dt.date]  # (source, dataset) -> newest period
    values: dict[Key, float]  # (indicator_id, *dims, period) -> latest value
    lights: dict[tuple[str, str], str]  # (goal_id, target_id) -> colour at the newest vintage
    findings: dict[str, dict[str, Any]]  # id -> {headline, partners, indicators, score}
    max_load: int


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchall()
    return bool(rows[0][0])


def state(con: duckdb.DuckDBPyConnection) -> State:
    periods = {
        (str(s), str(d)): p
        for s, d, p in con.execute(
            "SELECT source, dataset, max(period) FROM observations GROUP BY 1, 2"
        ).fetchall()
    }
    dims = ", ".join(DIMS)
    values: dict[Key, float] = {}
    if _table_exists(con, "indicator_values"):
        for r in con.execute(
            f"SELECT indicator_id, {dims}, period, value FROM indicator_values_latest "  # noqa: S608
            "WHERE value IS NOT NULL"
        ).fetchall():
            values[tuple(r[:-1])] = float(r[-1])
    lights: dict[tuple[str, str], str] = {}
    if _table_exists(con, "goal_status"):
        for g, t, s in con.execute(
            "SELECT goal_id, target_id, status FROM goal_status WHERE input_vintage IS NOT NULL "
            "QUALIFY row_number() OVER (PARTITION BY goal_id, target_id "
            "ORDER BY input_vintage DESC) = 1"
        ).fetchall():
            lights[(str(g), str(t))] = str(s)
    found: dict[str, dict[str, Any]] = {}
    if _table_exists(con, "findings"):
        from norte.findings.storage import read

        for f in read(con):
            found[f.id] = {
                "headline": f.headline.get("en", ""),
                "partners": sorted({str(v) for v in f.subject.values() if v}),
                "indicators": list(f.indicators),
                "score": f.score,
                "period": f.period_start.isoformat(),
            }
    ml = con.execute("SELECT coalesce(max(load_id), 0) FROM loads").fetchall()[0][0]
    return State(periods, values, lights, found, int(ml))


@dataclass
class Changes:
    loaded: list[str] = field(default_factory=list)  # files loaded by this run
    new_periods: list[dict[str, Any]] = field(default_factory=list)
    revisions: list[dict[str, Any]] = field(default_factory=list)
    lights: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.loaded or self.new_periods or self.revisions or self.lights)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def diff(before: State, after: State, threshold_pct: float) -> Changes:
    """The changes from ``before`` to ``after``; a revision is reported when a value present
    in both moved by more than ``threshold_pct`` percent."""
    ch = Changes()
    for (src, ds), p in sorted(after.periods.items()):
        old = before.periods.get((src, ds))
        if old is None or p > old:
            ch.new_periods.append(
                {
                    "source": src,
                    "dataset": ds,
                    "period": p.isoformat(),
                    "previous": old.isoformat() if old else None,
                }
            )
    n = len(DIMS)
    for key, new in sorted(after.values.items(), key=lambda kv: repr(kv[0])):
        old_v = before.values.get(key)
        if old_v is None or old_v == new:
            continue
        pct = (new - old_v) / abs(old_v) * 100 if old_v else float("inf")
        if abs(pct) > threshold_pct:
            ch.revisions.append(
                {
                    "indicator": key[0],
                    "dims": {d: v for d, v in zip(DIMS, key[1 : 1 + n], strict=True) if v},
                    "period": key[1 + n].isoformat(),
                    "old": old_v,
                    "new": new,
                    "pct": round(pct, 3),
                }
            )
    for (g, t), colour in sorted(after.lights.items()):
        old_c = before.lights.get((g, t))
        if old_c is not None and old_c != colour:
            ch.lights.append({"goal": g, "target": t, "from": old_c, "to": colour})
    for fid, f in after.findings.items():
        if fid not in before.findings:
            ch.findings.append({"id": fid, **f})
    ch.findings.sort(key=lambda f: (-float(f["score"]), f["id"]))
    return ch
