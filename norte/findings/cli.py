"""``norte findings``: list the stored findings as Markdown, JSON or an Atom feed.

With ``--refresh`` (or when the store has no findings yet) the indicators are computed and the
detectors run first, and the ``findings`` table is replaced.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from norte.argtypes import count, date_or_month, score
from norte.findings.feed import to_atom, to_json, to_markdown
from norte.findings.model import LANGS
from norte.store import Store


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("findings", help="news-style findings detected in the store")
    p.add_argument(
        "--since", type=date_or_month, help="periods starting on/after DATE (YYYY-MM[-DD])"
    )
    p.add_argument("--lang", choices=LANGS, default="en")
    p.add_argument("--format", choices=("md", "json", "atom"), default="md", dest="fmt")
    p.add_argument("--min-score", type=score, help="only findings scoring at least S (0-100)")
    p.add_argument("--limit", type=count, help="at most N findings (best first)")
    p.add_argument("--refresh", action="store_true", help="compute indicators and re-detect")
    acts = p.add_subparsers(dest="action", metavar="{review}")
    r = acts.add_parser(
        "review",
        help="editorial review: list findings with no decision, publish or dismiss them",
        description="Without arguments: the findings no editor has decided on yet. "
        "'publish ID...' or 'dismiss ID... --reason TEXT' records a decision; with the "
        "findings_review setting on, only published findings reach the site and the feed.",
    )
    r.add_argument("decision", nargs="?", choices=("list", "publish", "dismiss", "decisions"))
    r.add_argument("ids", nargs="*", help="finding ids (the first column of the list)")
    r.add_argument("--reason", help="why a finding is dismissed (required to dismiss)")


def refresh(store: Store, out: TextIO | None = None) -> int:
    """Compute the indicator catalog, detect the findings, store them; the number stored."""
    from norte.findings.run import detect, write
    from norte.goals.status import reads_once
    from norte.indicators import compute

    compute(store, engine="duckdb")
    with reads_once():  # detection writes no indicator value: each goal series read once
        report = detect(store)
    n = write(store, report.findings)
    stream = out if out is not None else sys.stderr
    for note in report.notes:
        print(f"norte findings: {note}", file=stream)
    return n


def run_review(args: argparse.Namespace, db: Path) -> int:
    from norte.findings import review
    from norte.findings.run import read

    action = args.decision or "list"
    if action in ("publish", "dismiss"):
        decision = "published" if action == "publish" else "dismissed"
        with Store(db) as store:
            n = review.decide(store, args.ids, decision, args.reason)
        print(f"norte findings: {n} finding(s) marked {decision}", file=sys.stderr)
        return 0
    with Store(db, read_only=True) as store:
        if action == "decisions":
            lines = [
                f"{d.finding_id}  {d.decision:9}  {d.decided_at:%Y-%m-%d %H:%M}  "
                f"{d.headline_en}" + (f"  — {d.reason}" if d.reason else "")
                for d in review.decisions(store.con)
            ]
        else:
            pending = read(
                store.con,
                since=args.since,
                min_score=args.min_score,
                limit=args.limit,
                review="pending",
            )
            lines = [
                f"{f.id}  {f.score:5.1f}  {f.period:10}  {f.headline[args.lang]}" for f in pending
            ]
            lines.append(
                f"{len(pending)} finding(s) to review — 'norte findings review publish ID...'"
                " or 'dismiss ID... --reason TEXT'"
            )
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def run(args: argparse.Namespace, db: Path) -> int:
    from norte.findings.run import read

    if getattr(args, "action", None) == "review":
        return run_review(args, db)

    found = None
    if not args.refresh:
        # Reading stored findings needs no write lock: a read-only open lets a writer (an
        # ingest, a refresh) keep working meanwhile.
        with Store(db, read_only=True) as store:
            if store.con.execute("SELECT count(*) FROM findings").fetchall()[0][0]:
                found = read(
                    store.con, since=args.since, min_score=args.min_score, limit=args.limit
                )
    if found is None:  # --refresh, or no findings stored yet: detect them (writes)
        with Store(db) as store:
            n = refresh(store)
            print(f"norte findings: {n} finding(s) detected and stored in {db}", file=sys.stderr)
            found = read(store.con, since=args.since, min_score=args.min_score, limit=args.limit)
    if args.fmt == "json":
        print(json.dumps(to_json(found), ensure_ascii=False, indent=2))
    elif args.fmt == "atom":
        sys.stdout.write(to_atom(found, args.lang))
    else:
        sys.stdout.write(to_markdown(found, args.lang))
    return 0
