"""``norte mirror``: both reporters' figures of one flow, side by side, with the gap."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from norte.errors import UsageError
from norte.mirror import REASONS, Mirror, mirror
from norte.store import Store


def _period(text: str) -> dt.date:
    """``2019`` or ``2019-03`` (or a full date) as the first day of that period."""
    try:
        if len(text) == 4:
            return dt.date(int(text), 1, 1)
        if len(text) == 7:
            return dt.date(int(text[:4]), int(text[5:7]), 1)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a period like 2019, 2019-03 or 2019-03-01"
        ) from None


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "mirror",
        help="both sides of a flow: a reporter's figure next to its partner's mirror figure",
        description="Put the two official figures of one flow of goods side by side: e.g. "
        "U.S.-reported imports from Mexico next to Mexico-reported exports to the U.S., with "
        "the gap in US$ and percent, and the usual reasons the two differ.",
    )
    p.add_argument("--reporter", required=True, help="ISO3 code of side A's reporter, e.g. USA")
    p.add_argument("--partner", required=True, help="ISO3 code of the partner, e.g. MEX")
    p.add_argument("--flow", choices=("imports", "exports"), default="imports")
    p.add_argument("--freq", choices=("M", "A"), default="A", help="monthly or annual")
    p.add_argument("--from", dest="start", type=_period, help="first period (2019 or 2019-03)")
    p.add_argument("--to", dest="end", type=_period, help="last period")
    p.add_argument("--json", action="store_true")


def _bn(v: float | None) -> str:
    return "—" if v is None else f"{v / 1e9:,.1f}"


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:+.1f}%"


def _label(m: Mirror, p: dt.date) -> str:
    return str(p.year) if m.freq == "A" else p.strftime("%Y-%m")


def render_text(m: Mirror) -> str:
    a = (
        f"{m.reporter} {m.flow}s from {m.partner}"
        if m.flow == "import"
        else (f"{m.reporter} exports to {m.partner}")
    )
    b = (
        f"{m.partner} exports to {m.reporter}"
        if m.flow == "import"
        else (f"{m.partner} imports from {m.reporter}")
    )
    head = f"{'period':>7}  {'A: ' + a:>26}  {'B: ' + b:>26}  {'gap A-B':>9}  {'gap %':>7}  sources"
    lines = [f"{a} vs {b} — US$ bn, newest vintage", head]
    for r in m.rows:
        src = "/".join(s or "—" for s in (r.source_a, r.source_b))
        lines.append(
            f"{_label(m, r.period):>7}  {_bn(r.value_a):>26}  {_bn(r.value_b):>26}  "
            f"{_bn(r.gap):>9}  {_pct(r.gap_pct):>7}  {src}"
        )
    lines += [f"note: {n}" for n in m.notes]
    lines.append("")
    lines.append("Why the two sides differ (see docs/architecture.md, Mirror reconciliation):")
    lines += [f"- {k}: {t}" for k, t in REASONS]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, db: Path) -> int:
    if args.start and args.end and args.start > args.end:
        raise UsageError(f"--from {args.start} is after --to {args.end}")
    with Store(db, read_only=True) as store:
        m = mirror(
            store.con, args.reporter, args.partner, args.flow, args.freq, args.start, args.end
        )
    if args.json:
        print(json.dumps(m.to_json(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render_text(m))
    return 0
