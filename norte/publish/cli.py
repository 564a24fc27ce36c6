"""``norte report``: the report as a PDF, from what the store holds.

``norte report`` alone writes ``report.pdf`` in the current folder (``--out`` for another
file); ``--pdf`` is accepted and changes nothing (the PDF is the report's only output). What it
is doing is printed to stderr while it runs: the page families as they render, the print, the
contents' page numbers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from norte.publish.i18n import LANGUAGES

DEFAULT_OUT = Path("report.pdf")


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "report", help="write the report (board, findings, goals, charts, maps) as a PDF"
    )
    p.add_argument("--pdf", action="store_true", help="(default) write a PDF (headless Chromium)")
    p.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"PDF file (default: {DEFAULT_OUT})"
    )
    p.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the report")
    p.add_argument(
        "--geo-dir", type=Path, help="folder with state boundary GeoJSON (see norte.publish.geo)"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="write the PDF even where --out is a file that is not a PDF (it is moved aside)",
    )
    p.add_argument("--quiet", action="store_true", help="print only the result line")


def run(args: argparse.Namespace, db: Path) -> int:
    from norte.publish.pdf import report_pdf

    t0 = time.perf_counter()
    progress = None if args.quiet else sys.stderr
    if progress is not None:
        print(f"norte report: building the {args.lang} report from {db}", file=progress)
    out = report_pdf(
        db, args.out, lang=args.lang, geo_dir=args.geo_dir, force=args.force, progress=progress
    )
    print(
        f"norte report: {out} ({out.stat().st_size / 1e6:.1f} MB) in "
        f"{time.perf_counter() - t0:.1f}s from store {db}",
        file=sys.stderr,
    )
    return 0
