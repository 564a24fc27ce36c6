"""``norte goals status | show ID | add FILE | changes`` (tables for people; ``--format
json|md|csv`` — ``--json`` is ``--format json`` — for programs and documents)."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from norte.errors import UsageError
from norte.goals.board import ref_history
from norte.goals.catalog import Goal, load_shared
from norte.goals.changes import light_changes
from norte.goals.fmt import from_to, latest_text, units, value_text
from norte.goals.methods import GRADES
from norte.goals.stakeholders import Light, add_file, lights, stakeholder_goals
from norte.goals.status import REASONS, Status, history
from norte.store import Store

LABELS = {
    "on_track": "on track",
    "at_risk": "at risk",
    "off_track": "off track",
    "no_data": "no data",
    "no_target": "no target",
}


def add_parser(sub: Any) -> None:
    """The ``goals`` subcommand and its three verbs, added to the main parser's subparsers."""
    pg = sub.add_parser("goals", help="the four shared goals, targets and traffic lights")
    gsub = pg.add_subparsers(dest="goals_command", required=True)
    ps = gsub.add_parser("status", help="the light of every target, with its numbers")
    ps.add_argument("--json", action="store_true", help="same as --format json")
    ps.add_argument("--format", choices=("text", "json", "md", "csv"), default="text", dest="fmt")
    pc = gsub.add_parser(
        "changes", help="lights that changed colour between input vintages (goal_status)"
    )
    pc.add_argument("--goal", default=None, help="one goal id, e.g. goal-3")
    pc.add_argument("--json", action="store_true")
    pw = gsub.add_parser("show", help="one goal (1-4 or an id) or target, with its history")
    pw.add_argument("id")
    pw.add_argument("--json", action="store_true")
    pa = gsub.add_parser("add", help="register a stakeholder's goals from a TOML file")
    pa.add_argument("file", type=Path)


@contextmanager
def _con(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The store read-only, or an empty in-memory database when there is no store yet
    (every light is then "no data" / "no target")."""
    if not db.exists():
        con = duckdb.connect(":memory:")
        try:
            yield con
        finally:
            con.close()
        return
    with Store(db, read_only=True) as store:
        yield store.con


def run(args: argparse.Namespace, db: Path) -> int:
    if args.goals_command == "add":
        with Store(db) as store:
            results = add_file(store, args.file)
        for r in results:
            print(f"norte goals: {r.message} (owner {r.owner})", file=sys.stderr)
        return 0
    shared = load_shared()
    with _con(db) as con:
        extra = stakeholder_goals(con)
        if args.goals_command == "status":
            got = lights(con, shared + extra)
            fmt_ = "json" if args.json else args.fmt
            if fmt_ == "json":
                out = [x.as_dict() | _readable(x) for x in got]
                print(json.dumps(out, indent=2, ensure_ascii=False))
            else:
                print_rows(status_rows(got), fmt_)
            return 0
        if args.goals_command == "changes":
            ch = light_changes(con, args.goal) if _has_table(con, "goal_status") else []
            if args.json:
                print(json.dumps([c.as_dict() for c in ch], indent=2, ensure_ascii=False))
            elif not ch:
                print("no light changed colour between the stored vintages")
            for c in ch if not args.json else []:
                print(
                    f"{c.goal_id} {c.target_id}: {LABELS[c.from_status]} → {LABELS[c.to_status]}"
                    f" ({c.from_reason} → {c.to_reason}) from vintage {c.from_vintage}"
                    f" to {c.to_vintage}"
                )
            return 0
        if args.goals_command == "show":
            body = show(con, args.id, shared, extra)
            if args.json:
                print(json.dumps(body, indent=2, ensure_ascii=False, default=_default))
            else:
                _print_show(body)
            return 0
    raise AssertionError(args.goals_command)


def _default(o: Any) -> Any:
    return o.isoformat() if isinstance(o, dt.date) else str(o)


def fmt(v: Any) -> str:
    """A number for a table: thousands separators for big values, 4 significant digits else."""
    if v is None:
        return "–"
    if isinstance(v, float | int):
        return f"{v:,.0f}" if abs(v) >= 1e5 else f"{v:,.4g}"
    return str(v)


def grade(s: Status) -> str:
    """The light in words: the colour, and the method's grade when it has one."""
    label = LABELS[s.status]
    if s.reason in GRADES:
        return f"{label}: {s.reason.replace('threshold_', '').replace('_', ' ')}"
    return label if s.reason in ("projection", s.status) else f"{label} ({s.reason})"


def _unit(x: Light) -> str | None:
    t = x.target or {}
    return t.get("unit") or units().get(x.indicator_id or "")


def _readable(x: Light) -> dict[str, str]:
    u = _unit(x)
    return {
        "unit": u or "",
        "light": grade(x.status),
        "latest_text": latest_text(x.status, u),
        "from_to": from_to(x.status, u),
    }


def status_rows(got: list[Light]) -> list[dict[str, str]]:
    """One row per light, every cell as a person reads it."""
    out = []
    for x in got:
        s, u = x.status, _unit(x)
        tgt = x.target or {}
        a = (x.ref or {}).get("assess") or {}
        if tgt:
            when = f"by {tgt['date']}" if tgt.get("date") else "(no date)"
            against = f"{value_text(tgt.get('value'), u)} {when}"
        elif a.get("method") == "threshold":
            th = a["thresholds"]
            against = (
                f"meta {value_text(a['value'], u)}; green ≥ {value_text(th[0], u)},"
                f" amber ≥ {value_text(th[1], u)}"
            )
        elif a.get("method") == "direction":
            against = f"CAGR over {a['window_years']} years, {a['direction'].replace('_', ' ')}"
        elif a.get("benchmark"):
            against = f"vs {a['benchmark']} ({value_text(s.target_value, u)})"
        elif a.get("base_period"):
            against = f"vs base {a['base_period']}"
        else:
            against = "–"
        change = ""
        if s.growth is not None and s.method in ("direction", "cagr"):
            change = f"{s.growth * 100:+.1f}% a year"
        elif s.growth is not None and s.method == "benchmark":
            change = f"{s.growth * 100:+.1f}% vs base"
        out.append(
            {
                "goal": str(x.goal_number) if x.owner is None else f"{x.goal_number}>{x.goal_id}",
                "owner": x.owner or "report",
                "id": x.id,
                "light": grade(s),
                "latest": latest_text(s, u),
                "from_to": from_to(s, u),
                "change": change,
                "against": against,
                "method": s.method or s.reason,
            }
        )
    return out


def print_rows(rows: list[dict[str, str]], fmt_: str) -> None:
    """Rows as an aligned text table, a Markdown table or CSV."""
    if not rows:
        return
    head = list(rows[0])
    if fmt_ == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=head, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        return
    if fmt_ == "md":
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---" for _ in head) + "|")
        for r in rows:
            print("| " + " | ".join(r[h].replace("|", "\\|") for h in head) + " |")
        return
    widths = [
        max(len(str(r[h])) for r in [dict(zip(head, head, strict=True)), *rows]) for h in head
    ]
    for r in [dict(zip(head, head, strict=True)), *rows]:
        print("  ".join(r[h].ljust(w) for h, w in zip(head, widths, strict=True)).rstrip())


def movers_text(ms: list[dict[str, Any]]) -> str:
    """``31 improved (best MX-CHP +2.8), 1 worsened (MX-X −0.4), 2019 to 2024``."""
    up = [m for m in ms if m["verdict"] == "improved"]
    down = [m for m in ms if m["verdict"] == "worsened"]
    span = f"{ms[0]['from_period'][:4]} to {ms[0]['to_period'][:4]}"
    best = f" (most: {up[0]['member']} {up[0]['change']:+.1f})" if up else ""
    worst = f" (most: {down[-1]['member']} {down[-1]['change']:+.1f})" if down else ""
    return f"{len(up)} improved{best}, {len(down)} worsened{worst}, {span}"


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    got = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]
    ).fetchall()
    return bool(got[0][0])


def show(
    con: duckdb.DuckDBPyConnection, ident: str, shared: list[Goal], extra: list[Goal]
) -> dict[str, Any]:
    """A goal (``1``-``4``, ``goal-3`` or a stakeholder goal id) with its lights and history,
    or one target or indicator by id."""
    by_id = {g.id: g for g in shared + extra}
    if ident.isdigit() and 1 <= int(ident) <= 4:
        ident = f"goal-{ident}"
    goal = by_id.get(ident)
    if goal is None:
        for g in shared + extra:
            if any(t.id == ident for t in g.targets) or any(c.id == ident for c in g.commitments):
                goal = g
                break
    if goal is None:
        known = ", ".join(sorted(by_id))
        raise UsageError(f"no goal or target {ident!r} — known goals: {known}")
    got = lights(con, [goal])
    hist: dict[str, list[dict[str, Any]]] = {}
    for t in goal.targets:
        hist[t.id] = [h.as_dict() for h in history(con, t)] if _has_values(con) else []
    for r in goal.indicators:
        if r.assess is not None:
            hist[r.key] = [h.as_dict() for h in ref_history(con, r)] if _has_values(con) else []
    children = [g for g in extra if g.parent == goal.number] if goal.number else []
    return {
        "goal": goal.as_dict(),
        "lights": [x.as_dict() | _readable(x) for x in got],
        "history": hist,
        "stakeholder_goals": [
            {"goal": c.as_dict(), "lights": [x.as_dict() for x in lights(con, [c])]}
            for c in children
        ],
        "reasons": REASONS,
    }


def _has_values(con: duckdb.DuckDBPyConnection) -> bool:
    got = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'indicator_values'"
    ).fetchall()
    return bool(got[0][0])


def _print_show(body: dict[str, Any]) -> None:
    g = body["goal"]
    head = (
        f"Goal {g['number']}"
        if g["number"]
        else f"{g['id']} (owner {g['owner']}, under goal {g['parent']})"
    )
    print(f"{head}: {g['title']['en']}")
    print(f"  {g['description']['en']}")
    if g["citation"]:
        print(f"  source: {g['citation']}")
    if g["data_gaps"]:
        print(f"  data gaps: {g['data_gaps']['en']}")
    for x in body["lights"]:
        print(f"\n  [{x['light']}] {x['kind']} {x['id']}: {x['title']['en']}")
        print(f"    why: {REASONS.get(x['reason'], x['reason'])}")
        if x["latest_text"] != "–":
            print(f"    latest: {x['latest_text']}" + (f"; {x['from_to']}" if x["from_to"] else ""))
        ref = x.get("ref") or {}
        for k, label in (
            ("what", "what is it"),
            ("why", "why it matters"),
            ("want", "what we want"),
        ):
            if ref.get("about"):
                print(f"    {label}: {ref['about'][k]['en']}")
        if ref.get("assess"):
            print(f"    method: {ref['assess']['method']} — {ref['assess']['citation']}")
        if x.get("movers"):
            print("    " + movers_text(x["movers"]))
        numbers = {
            k: x[k]
            for k in (
                "method",
                "input_vintage",
                "baseline_period",
                "baseline_value",
                "latest_period",
                "latest_value",
                "trend_from_period",
                "trend_from_value",
                "growth",
                "projected_value",
                "target_period",
                "target_value",
                "path_at_latest",
                "periods_used",
                "tolerance_on",
                "tolerance_risk",
            )
            if x.get(k) is not None
        }
        if numbers:
            print("    " + ", ".join(f"{k}={fmt(v)}" for k, v in numbers.items()))
        t = x.get("target")
        if t:
            print(f"    target: {fmt(t['value'])} by {t['date'] or '(no date)'} ({t['direction']})")
            print(f"    rationale: {t['rationale']['en']}")
            print(f"    citation: {t['citation']}")
        if x.get("note"):
            print(f"    note: {x['note']['en']}")
        h = body["history"].get(x["id"])
        if h:
            print(
                "    history: "
                + "; ".join(f"{s['input_vintage']} {LABELS[s['status']]}" for s in h)
            )
    for child in body["stakeholder_goals"]:
        cg = child["goal"]
        states = ", ".join(f"{x['id']} {LABELS[x['status']]}" for x in child["lights"])
        print(f"\n  stakeholder goal {cg['id']} ({cg['owner']}): {cg['title']['en']} — {states}")
