"""``norte codes``: ``map CODE --from SCHEME --to SCHEME`` and ``search TEXT``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from norte.classify.bridge import Bridged, bridge
from norte.classify.link import Links, link_products
from norte.classify.mapping import Hit, Mapping, map_code, search
from norte.classify.schemes import SCHEMES
from norte.store import Store


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "codes",
        help="classification crosswalks: map a code between schemes, search by description, "
        "bridge a product series across edition changes",
        description="Map a product or industry code from one classification to another with "
        "the agencies' own concordances (loaded by 'norte ingest'), each target with its "
        "relation (1:1, 1:n split, n:1 merge, n:n) and the file it comes from; or find codes "
        f"by description. Schemes: {', '.join(SCHEMES)}.",
    )
    s = p.add_subparsers(dest="codes_command", required=True)
    pm = s.add_parser("map", help="where a code goes in another scheme")
    pm.add_argument("code", help="the code, e.g. 336110 or 8542310000 (dots ignored)")
    pm.add_argument("--from", dest="frm", required=True, metavar="SCHEME")
    pm.add_argument("--to", required=True, metavar="SCHEME")
    pm.add_argument("--json", action="store_true")
    pb = s.add_parser(
        "bridge",
        help="a product series in one edition across edition changes (converted or stopped)",
    )
    pb.add_argument("codes", nargs="+", help="codes of the --to edition, summed")
    pb.add_argument("--to", required=True, metavar="SCHEME", help="e.g. hs2022, naics2022")
    pb.add_argument("--dataset", default="trade_by_country_hs", help="observations.dataset")
    pb.add_argument("--flow", help="export or import")
    pb.add_argument("--partner", help="ISO alpha-3 partner, e.g. MEX")
    pb.add_argument("--json", action="store_true")
    pl = s.add_parser("link", help="loaded product observations mapped to another scheme")
    pl.add_argument("--to", required=True, metavar="SCHEME", help="e.g. naics2017")
    pl.add_argument("--dataset", default="trade_by_country_hs")
    pl.add_argument("--partner", help="ISO alpha-3 partner, e.g. MEX")
    pl.add_argument("--flow", help="export or import")
    pl.add_argument("--year", type=int)
    pl.add_argument("--level", help="product scheme of the rows, e.g. HS6")
    pl.add_argument("--json", action="store_true")
    ps = s.add_parser("search", help="codes whose description (en/es/fr) has these words")
    ps.add_argument("text", nargs="+")
    ps.add_argument("--scheme", help="only this scheme")
    ps.add_argument("--limit", type=int, default=50)
    ps.add_argument("--json", action="store_true")


def render_map(m: Mapping) -> str:
    head = f"{m.from_scheme} {m.code}" + (f" — {m.label}" if m.label else "")
    lines = [head, f"  -> {m.to_scheme}:"]
    for t in m.targets:
        lines.append(f"  {t.code:<12} {t.relation:<4} {t.label or ''}".rstrip())
        lines.append(f"  {'':<12} {t.meaning}")
        if t.via:
            lines.append(f"  {'':<12} via {t.via}")
        lines.append(
            f"  {'':<12} from {', '.join(f'{s.file} (load #{s.load_id})' for s in t.source)}"
        )
    lines += [f"note: {n}" for n in m.notes]
    return "\n".join(lines)


def render_bridge(b: Bridged) -> str:
    lines = [f"{b.scheme} {' + '.join(b.codes)}: {len(b.points)} period(s)"]
    lines += [f"  {p:%Y-%m}  {v:>18,.0f}" for p, v in b.points]
    lines += [f"converted: {m}" for m in b.method]
    if b.stopped:
        lines.append(f"stopped: {b.stopped}")
    return "\n".join(lines)


def render_links(lk: Links) -> str:
    n = len(lk.products)
    lines = [
        f"{n} product code(s) -> {lk.to}; concordance: {'; '.join(lk.sources) or 'none loaded'}"
    ]
    for t, v in sorted(lk.by_target.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {t:<8} {v:>18,.0f}")
    for p in lk.splits:
        links = ", ".join(f"{c} ({r})" for c, r in p.targets)
        lines.append(f"  split: {p.edition} {p.code} ({p.value:,.0f}) -> {links}: not divided")
    lines.append(f"split codes' value (not allocated): {lk.split_value:,.0f}")
    if lk.unmapped:
        lines.append(f"no {lk.to} link: {', '.join(lk.unmapped)}")
    return "\n".join(lines)


def render_hits(hits: list[Hit]) -> str:
    if not hits:
        return "no code found (are the classification files loaded? 'norte ingest FILE')"
    out = []
    for h in hits:
        text = h.label_en or h.label_es or h.label_fr or ""
        mark = " [T: trinational]" if h.trinational else ""
        out.append(f"{h.scheme:<14} {h.code:<12} {text[:90]}{mark}")
    return "\n".join(out)


def run(args: argparse.Namespace, db: Path) -> int:
    with Store(db, read_only=True) as store:
        if args.codes_command == "map":
            m = map_code(store.con, args.code, args.frm, args.to)
            text = (
                json.dumps(m.as_dict(), ensure_ascii=False, indent=2)
                if args.json
                else render_map(m)
            )
        elif args.codes_command == "bridge":
            b = bridge(store.con, args.codes, args.to, args.dataset, args.flow, args.partner)
            text = (
                json.dumps(b.as_dict(), ensure_ascii=False, indent=2)
                if args.json
                else render_bridge(b)
            )
        elif args.codes_command == "link":
            lk = link_products(
                store.con, args.to, args.dataset, args.partner, args.flow, args.year, args.level
            )
            text = (
                json.dumps(lk.as_dict(), ensure_ascii=False, indent=2)
                if args.json
                else render_links(lk)
            )
        else:
            hits = search(store.con, " ".join(args.text), args.scheme, args.limit)
            text = (
                json.dumps([h.__dict__ for h in hits], ensure_ascii=False, indent=2)
                if args.json
                else render_hits(hits)
            )
    print(text)
    return 0
