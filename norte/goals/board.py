"""The board: the light of every target, commitment and indicator of a set of goals
(:func:`lights`), and the recording of every light at every input vintage into
``goal_status`` (:func:`record`), from which :func:`norte.goals.changes.light_changes`
lists the lights that changed colour between vintages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from norte.goals.catalog import Goal, IndicatorRef
from norte.goals.methods import assess
from norte.goals.movers import movers
from norte.goals.status import Status, commitment_status, history, series, status_at, vintages
from norte.store import Store


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def ref_status(
    con: duckdb.DuckDBPyConnection, ref: IndicatorRef, vintage: dt.date | None = None
) -> Status:
    """The light of an assessed indicator as known at ``vintage`` (default: everything
    stored): the indicator and its benchmark series each at their newest input vintage at
    or before it; ``input_vintage`` is the newer of the two."""
    a = ref.assess
    assert a is not None
    known = [v for v in vintages(con, ref.id) if vintage is None or v <= vintage]
    if not known:
        return Status(
            "no_data", "no_values", method=a.method, indicator_id=ref.id, direction=a.direction
        )
    v = known[-1]
    rows, freq, varying = series(con, ref.id, dict(ref.select), v)
    if varying:
        return Status(
            "no_data",
            "ambiguous_series",
            method=f"select one of the varying dimensions: {', '.join(varying)}",
            indicator_id=ref.id,
            input_vintage=v,
            direction=a.direction,
        )
    bench: list[tuple[dt.date, float]] = []
    at = v
    if a.benchmark is not None:
        # each series at its newest vintage at or before the one asked (the board: newest)
        bv = [x for x in vintages(con, a.benchmark) if vintage is None or x <= vintage]
        if bv:
            bench, _, bvary = series(con, a.benchmark, dict(a.benchmark_select), bv[-1])
            bench = [] if bvary else bench
            at = max(v, bv[-1])
    # the board (no vintage asked) is judged as of the newest input vintage in the store, so
    # a series whose source stopped years ago shows as stopped; a past vintage as of itself
    as_of = _newest_vintage(con) if vintage is None else vintage
    st = assess(a, rows, freq or "A", at, bench, as_of=as_of)
    st.indicator_id = ref.id
    return st


def _newest_vintage(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    got = con.execute("SELECT max(input_vintage) FROM indicator_values").fetchall()
    v = got[0][0] if got else None
    return v if isinstance(v, dt.date) else None


def ref_history(con: duckdb.DuckDBPyConnection, ref: IndicatorRef) -> list[Status]:
    """The light of an assessed indicator at every stored input vintage of it (and of its
    benchmark series), oldest first."""
    vs = set(vintages(con, ref.id))
    if ref.assess is not None and ref.assess.benchmark is not None and vs:
        vs |= {x for x in vintages(con, ref.assess.benchmark) if x >= min(vs)}
    return [ref_status(con, ref, v) for v in sorted(vs)]


# -- every light --------------------------------------------------------------------------------
@dataclass
class Light:
    """One row of a goals status table: what is judged, under which goal, and its status."""

    goal_id: str
    goal_number: int
    owner: str | None
    kind: str  # 'target' | 'indicator' (no target) | 'commitment'
    id: str
    indicator_id: str | None
    status: Status
    title: dict[str, str]
    target: dict[str, Any] | None
    #: the commitment's "data needed", or the indicator's "no target set" text (en/es/fr)
    note: dict[str, str] | None = None
    #: an indicator's direction, rationale, what/why/want and assessment (IndicatorRef.as_dict)
    ref: dict[str, Any] | None = None
    #: members of a related series that improved or worsened (Mover.as_dict), best first
    movers: list[dict[str, Any]] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "goal_id": self.goal_id,
            "goal_number": self.goal_number,
            "owner": self.owner,
            "kind": self.kind,
            "id": self.id,
            "indicator_id": self.indicator_id,
            "title": self.title,
            "target": self.target,
            "note": self.note,
            "ref": self.ref,
            "movers": self.movers,
            **self.status.as_dict(),
        }


def _indicator_titles() -> dict[str, dict[str, str]]:
    from norte.indicators import indicators, load_catalog

    return {
        i.id: {lang: i.title(lang) for lang in ("en", "es", "fr")}
        for i in indicators(load_catalog())
    }


def lights(
    con: duckdb.DuckDBPyConnection, goals: Sequence[Goal], vintage: dt.date | None = None
) -> list[Light]:
    """The light of every target, commitment and untargeted indicator of ``goals``."""
    titles = _indicator_titles()
    has_values = bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'indicator_values'"
        ).fetchall()[0][0]
    )
    out: list[Light] = []
    for g in goals:
        targeted = {t.indicator for t in g.targets}
        for t in g.targets:
            assert t.indicator is not None
            st = (
                status_at(con, t, vintage)
                if has_values
                else Status("no_data", "no_values", indicator_id=t.indicator)
            )
            title = titles.get(t.indicator, dict.fromkeys(("en", "es", "fr"), t.indicator))
            out.append(
                Light(
                    g.id,
                    g.shared_number,
                    g.owner,
                    "target",
                    t.id,
                    t.indicator,
                    st,
                    title,
                    t.as_dict(),
                )
            )
        for c in g.commitments:
            out.append(
                Light(
                    g.id,
                    g.shared_number,
                    g.owner,
                    "commitment",
                    c.id,
                    None,
                    commitment_status(c.target),
                    dict(c.title),
                    c.target.as_dict(),
                    dict(c.data_needed),
                )
            )
        for r in g.indicators:
            if r.id in targeted and r.assess is None:
                continue
            if r.assess is not None:
                st = (
                    ref_status(con, r, vintage)
                    if has_values
                    else Status("no_data", "no_values", method=r.assess.method, indicator_id=r.id)
                )
            else:
                st = (
                    _untargeted(con, r.id, dict(r.select), vintage)
                    if has_values
                    else Status("no_target", "no_target", indicator_id=r.id)
                )
            title = titles.get(r.id, dict.fromkeys(("en", "es", "fr"), r.id))
            out.append(
                Light(
                    g.id,
                    g.shared_number,
                    g.owner,
                    "indicator",
                    r.key if r.assess else r.id,
                    r.id,
                    st,
                    title,
                    None,
                    dict(r.no_target) or None,
                    r.as_dict(),
                    [m.as_dict() for m in movers(con, r.movers)]
                    if r.movers is not None and has_values
                    else None,
                )
            )
    return out


def _untargeted(
    con: duckdb.DuckDBPyConnection,
    indicator_id: str,
    select: dict[str, str],
    vintage: dt.date | None,
) -> Status:
    """No target: no color, but the latest value and period of the series when it is stored
    and unambiguous (one series after ``select``)."""
    known = [v for v in vintages(con, indicator_id) if vintage is None or v <= vintage]
    st = Status("no_target", "no_target", indicator_id=indicator_id)
    if not known:
        return st
    rows, freq, varying = series(con, indicator_id, select, known[-1])
    if rows and not varying:
        st.input_vintage = known[-1]
        st.freq = freq
        st.latest_period, st.latest_value = rows[-1]
        data = dict(rows)
        start = st.latest_period.replace(year=st.latest_period.year - 5)
        st.baseline_period = start if start in data else rows[0][0]
        st.baseline_value = data[st.baseline_period]
    return st


STATUS_COLS = (
    "status",
    "reason",
    "method",
    "freq",
    "baseline_period",
    "baseline_value",
    "latest_period",
    "latest_value",
    "trend_from_period",
    "trend_from_value",
    "growth",
    "projected_value",
    "target_value",
    "target_period",
    "path_at_latest",
    "periods_used",
    "tolerance_on",
    "tolerance_risk",
    "direction",
)


def record(store: Store, goals: Sequence[Goal]) -> int:
    """Write the light of every target and assessed indicator at every stored input vintage
    into ``goal_status``
    (replacing earlier rows of the same goals), plus commitments' "no data"; one transaction.
    Returns the number of rows written."""
    con = store.con
    now = _now()
    rows: list[list[Any]] = []
    for g in goals:
        for t in g.targets:
            sts = history(con, t) or [status_at(con, t)]
            for st in sts:
                rows.append(
                    [
                        g.id,
                        g.owner,
                        t.id,
                        t.indicator,
                        st.input_vintage,
                        *(getattr(st, c) for c in STATUS_COLS),
                        now,
                    ]
                )
        for r in g.indicators:
            if r.assess is None:
                continue
            for st in ref_history(con, r) or [ref_status(con, r)]:
                rows.append(
                    [
                        g.id,
                        g.owner,
                        r.key,
                        r.id,
                        st.input_vintage,
                        *(getattr(st, c) for c in STATUS_COLS),
                        now,
                    ]
                )
        for c in g.commitments:
            st = commitment_status(c.target)
            rows.append(
                [g.id, g.owner, c.id, None, None, *(getattr(st, k) for k in STATUS_COLS), now]
            )
    cols = (
        "goal_id, owner, target_id, indicator_id, input_vintage, "
        + ", ".join(STATUS_COLS)
        + ", computed_at"
    )
    marks = ", ".join("?" for _ in range(5 + len(STATUS_COLS) + 1))
    with store.transaction("goal_status"):
        for g in goals:
            con.execute("DELETE FROM goal_status WHERE goal_id = ?", [g.id])
        if rows:
            con.executemany(f"INSERT INTO goal_status ({cols}) VALUES ({marks})", rows)  # noqa: S608
    return len(rows)
