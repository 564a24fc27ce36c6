"""``norte indicators list | show ID | compute`` — the catalog and its values, as tables or JSON."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from norte.argtypes import count, iso_date
from norte.errors import UsageError
from norte.indicators.catalog import ENGINES, GOALS, Indicator, indicators, load_catalog
from norte.store import Store


def add_parser(sub: Any) -> None:
    p = sub.add_parser("indicators", help="list, show and compute the indicator catalog")
    isub = p.add_subparsers(dest="indicators_command", required=True)
    pl = isub.add_parser("list", help="the catalog's indicators")
    pl.add_argument("--goal", type=int, choices=sorted(GOALS), help="only this goal")
    pl.add_argument("--lang", choices=("en", "es", "fr"), default="en")
    pl.add_argument("--json", action="store_true")
    ps = isub.add_parser("show", help="one indicator: definition and latest values")
    ps.add_argument("id")
    ps.add_argument("--lang", choices=("en", "es", "fr"), default="en")
    ps.add_argument("--limit", type=count, default=24, help="latest values shown (default 24)")
    ps.add_argument("--json", action="store_true")
    pc = isub.add_parser("compute", help="compute the catalog into indicator_values")
    pc.add_argument("--engine", choices=ENGINES, default="duckdb")
    pc.add_argument("--only", nargs="+", metavar="ID", help="only these indicators")
    pc.add_argument("--as-of", type=iso_date, help="use what was known on this date")
    pc.add_argument("--force", action="store_true", help="recompute even if inputs are unchanged")
    pc.add_argument("--json", action="store_true")


def _describe(ind: Indicator, lang: str) -> dict[str, Any]:
    d = ind.definition
    return {
        "id": ind.id,
        "base_id": d.id,
        "partner": ind.partner,
        "title": ind.title(lang),
        "description": ind.description(lang),
        "goal": d.goal,
        "goal_name": GOALS[d.goal],
        "unit": d.unit,
        "direction": d.direction,
        "freq": d.freq,
        "series": {
            k: [x for x in v if ind.partner is None or x == ind.partner or x not in d.partners]
            for k, v in d.resolved_series().items()
        },
        "transforms": [{"op": t.op, **dict(t.params)} for t in d.transforms],
        "file": Path(d.file).name,
    } | ({"mirror": {k: list(v) for k, v in d.inputs()[1].items()}} if d.mirror else {})


def _find(ident: str) -> Indicator:
    for ind in indicators(load_catalog()):
        if ind.id == ident:
            return ind
    raise UsageError(f"no indicator {ident!r} in the catalog — see 'norte indicators list'")


def run(args: argparse.Namespace, db: Path) -> int:
    cmd = args.indicators_command
    if cmd == "list":
        inds = [i for i in indicators(load_catalog()) if args.goal in (None, i.definition.goal)]
        if args.json:
            print(json.dumps([_describe(i, args.lang) for i in inds], ensure_ascii=False, indent=2))
        else:
            for i in inds:
                d = i.definition
                print(f"{i.id:36} goal {d.goal}  {d.freq}  {d.unit:8} {i.title(args.lang)}")
            print(f"{len(inds)} indicators", file=sys.stderr)
        return 0
    if cmd == "show":
        ind = _find(args.id)
        info = _describe(ind, args.lang)
        values: list[dict[str, Any]] = []
        if db.exists():
            with Store(db, read_only=True) as store:
                rel = store.con.sql(
                    "SELECT partner, product_code, flow, mode, geo_code, period, value, "
                    "input_vintage, computed_at FROM indicator_values_latest "
                    "WHERE indicator_id = ? ORDER BY period DESC, partner, product_code LIMIT ?",
                    params=[ind.id, args.limit],
                )
                cols = rel.columns
                values = [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]
                from norte.indicators.detail import store_notes

                info |= store_notes(store.con, ind)
        info.setdefault("classification", None)
        info.setdefault("product_detail", None)
        info["values"] = values
        if args.json:
            print(json.dumps(info, default=_json_default, ensure_ascii=False, indent=2))
            return 0
        for k in ("id", "title", "description", "goal", "unit", "direction", "freq", "file"):
            v = f"{info[k]} ({info['goal_name']})" if k == "goal" else info[k]
            print(f"{k:12} {v}")
        print(f"{'series':12} {json.dumps(info['series'], ensure_ascii=False)}")
        if "mirror" in info:  # side B of a mirror indicator (the partner's own figure)
            print(f"{'mirror':12} {json.dumps(info['mirror'], ensure_ascii=False)}")
        for t in info["transforms"]:
            print(f"{'transform':12} {json.dumps(t, ensure_ascii=False)}")
        if info["product_detail"] and info["product_detail"]["hint"]:
            print(f"{'detail':12} {info['product_detail']['hint']}")
        if info["classification"]:
            print(f"{'classification':12} {info['classification']['note']}")
        if not values:
            print("no values stored — run 'norte indicators compute'")
        for v in values:
            dims = " ".join(
                str(v[c]) for c in ("partner", "product_code", "mode", "geo_code") if v[c]
            )
            print(f"  {v['period']}  {dims:16} {v['value']:>22,.6g}  (inputs {v['input_vintage']})")
        return 0
    if cmd == "compute":
        with Store(db) as store:
            from norte.indicators.engine import compute

            report = compute(
                store, engine=args.engine, only=args.only, as_of=args.as_of, force=args.force
            )
        if args.json:
            out = {
                "engine": report.engine,
                "seconds": round(report.seconds, 3),
                "computed": report.computed,
                "rows": report.rows,
                "phases": {k: round(v, 3) for k, v in report.phases.items()},
                "sql_cached": report.cached,
                "sql_compiled": report.compiled,
                "runs": [
                    {
                        "id": r.base_id,
                        "status": r.status,
                        "rows": r.rows,
                        "seconds": round(r.seconds, 3),
                        "input_vintage": r.input_vintage,
                    }
                    for r in report.runs
                ],
            }
            print(json.dumps(out, default=_json_default, indent=2))
        else:
            for r in report.runs:
                print(f"{r.base_id:36} {r.status:10} {r.rows:>8,} rows")
            phases = ", ".join(f"{k} {v:.2f}s" for k, v in report.phases.items())
            print(
                f"norte: {report.computed} of {len(report.runs)} indicator definitions computed "
                f"on {report.engine} in one query, {report.rows:,} values in "
                f"{report.seconds:.1f}s ({phases}; SQL of {report.cached} definitions from the "
                f"cache, {report.compiled} compiled) — store {db}",
                file=sys.stderr,
            )
        return 0
    raise AssertionError(cmd)


def _json_default(o: Any) -> Any:
    if isinstance(o, dt.date | dt.datetime):
        return o.isoformat()
    return str(o)
