"""``norte report``: the report as a PDF (``--pdf``), from what the store holds."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from norte.publish.i18n import LANGUAGES


def add_parser(sub: Any) -> None:
    p = sub.add_parser("report", help="write the report (all charts and maps) as a PDF")
    p.add_argument("--pdf", action="store_true", help="write a PDF (headless Chromium)")
    p.add_argument("--out", type=Path, default=Path("norte-report.pdf"), help="PDF file")
    p.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the report")
    p.add_argument(
        "--geo-dir", type=Path, help="folder with state boundary GeoJSON (see norte.publish.geo)"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="write the PDF even where --out is a file that is not a PDF (it is moved aside)",
    )


def run(args: argparse.Namespace, db: Path) -> int:
    from norte.publish.pdf import report_pdf

    if not args.pdf:
        print("norte report: say --pdf (the only output so far)", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    out = report_pdf(db, args.out, lang=args.lang, geo_dir=args.geo_dir, force=args.force)
    print(
        f"norte report: {out} ({out.stat().st_size / 1e6:.1f} MB) in "
        f"{time.perf_counter() - t0:.1f}s from store {db}",
        file=sys.stderr,
    )
    return 0
