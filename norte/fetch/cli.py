"""``norte fetch``: fetch from a live API, save the body, ingest it with the retrieval date."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from norte.argtypes import month, seconds
from norte.errors import UsageError
from norte.fetch.census import fetch_trade
from norte.fetch.http import Client
from norte.sources import census_api, census_api_product
from norte.store import Store

#: Products whose bodies census-api-product reads (HS bodies: census-api).
PRODUCT_READER = ("naics", "hitech", "enduse")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("fetch", help="fetch from a live API (Census), save the body and ingest it")
    p.add_argument("api", choices=["census"])
    p.add_argument("--flow", choices=["exports", "imports", "both"], default="both")
    p.add_argument("--from", dest="start", type=month, required=True, help="first month, YYYY-MM")
    p.add_argument("--to", dest="end", type=month, required=True, help="last month, YYYY-MM")
    p.add_argument(
        "--product",
        choices=["hs", "naics", "hitech", "enduse"],
        help="by product x country: HS (with --level), NAICS, ATP (hitech) or End-Use",
    )
    p.add_argument(
        "--level",
        choices=["HS2", "HS4", "HS6", "HS10", "NA2", "NA3", "NA4", "NA6"],
        help="product level: HS2..HS10 (hs, the default product with a level), NA2..NA6 (naics)",
    )
    p.add_argument("--partner", help="one partner: Schedule C code (2010 Mexico, 1220 Canada)")
    p.add_argument("--dir", type=Path, default=Path("downloads"), help="where bodies are saved")
    p.add_argument("--cache-ttl", type=seconds, default=12 * 3600, help="reuse responses (s)")
    p.add_argument("--no-ingest", action="store_true", help="only save the bodies")


def run(args: argparse.Namespace, db: Path) -> int:
    err = sys.stderr
    if args.start > args.end:
        raise UsageError(
            f"fetch: --from {args.start} is after --to {args.end} — give the first month first"
        )
    flows = ["exports", "imports"] if args.flow == "both" else [args.flow]
    client = Client(args.dir / ".cache", ttl=args.cache_ttl, log=lambda m: print(m, file=err))
    try:
        fetched = [
            fetch_trade(
                client,
                f,
                args.start,
                args.end,
                args.dir,
                args.level,
                log=lambda m: print(m, file=err),
                product=args.product,
                partner=args.partner,
            )
            for f in flows
        ]
    finally:
        client.close()
    for f in fetched:
        if f.path is None:
            print(f"norte fetch: {f.message} ({f.url})", file=err)
    if args.no_ingest:
        return 0
    with Store(db) as store:
        for f in fetched:
            if f.path is None:
                continue
            reader = census_api_product if args.product in PRODUCT_READER else census_api
            r = store.load_file(f.path, reader, vintage=f.retrieved)
            print(
                f"norte fetch: {f.path.name}: {r.rows:,} rows ({r.outcome}, vintage {f.retrieved})",
                file=err,
            )
        print(f"norte fetch: store {db} holds {store.count():,} rows", file=err)
    return 0
