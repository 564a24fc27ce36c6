"""``norte codes``: ``map CODE --from SCHEME --to SCHEME`` and ``search TEXT``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from norte.classify.mapping import Hit, Mapping, map_code, search
from norte.classify.schemes import SCHEMES
from norte.store import Store


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "codes",
        help="classification crosswalks: map a code between schemes, search by description",
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
        else:
            hits = search(store.con, " ".join(args.text), args.scheme, args.limit)
            text = (
                json.dumps([h.__dict__ for h in hits], ensure_ascii=False, indent=2)
                if args.json
                else render_hits(hits)
            )
    print(text)
    return 0
