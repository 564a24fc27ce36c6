"""``norte fetch NAME``: fetch from a live API, save the bodies, ingest them in one transaction.

``census`` keeps its own options (and loads with the retrieval date as vintage); every other
agency goes through its registered :class:`norte.fetch.live.Connector`, with the command-line
options turned into the ``[fetch.NAME]`` table ``norte refresh`` would pass.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from norte.argtypes import iso_date, month, seconds
from norte.errors import UsageError

if TYPE_CHECKING:  # imported when a fetch runs, not when every command builds its parsers
    from norte.fetch.live import Saved

#: Products whose bodies census-api-product reads (HS bodies: census-api).
PRODUCT_READER = ("naics", "hitech", "enduse")

COMMON = "Saves each response under --dir (a file `norte ingest` reads again) and loads it."


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dir", type=Path, default=Path("downloads"), help="where bodies are saved")
    p.add_argument("--cache-ttl", type=seconds, default=12 * 3600, help="reuse responses (s)")
    p.add_argument("--no-ingest", action="store_true", help="only save the bodies")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "fetch",
        help="fetch from a live API (census, fred, statcan, inegi, worldbank, comtrade, "
        "socrata), save the bodies and ingest them",
        description="Fetch from an agency's live API. Base URLs: NORTE_<NAME>_URL. " + COMMON,
    )
    apis = p.add_subparsers(dest="api", required=True, metavar="API")

    c = apis.add_parser("census", help="U.S. Census international trade (NORTE_CENSUS_KEY)")
    c.add_argument("--flow", choices=["exports", "imports", "both"], default="both")
    c.add_argument("--from", dest="start", type=month, required=True, help="first month, YYYY-MM")
    c.add_argument("--to", dest="end", type=month, required=True, help="last month, YYYY-MM")
    c.add_argument(
        "--product",
        choices=["hs", "naics", "hitech", "enduse"],
        help="by product x country: HS (with --level), NAICS, ATP (hitech) or End-Use",
    )
    c.add_argument(
        "--level",
        choices=["HS2", "HS4", "HS6", "HS10", "NA2", "NA3", "NA4", "NA6"],
        help="product level: HS2..HS10 (hs, the default product with a level), NA2..NA6 (naics)",
    )
    c.add_argument("--partner", help="one partner: Schedule C code (2010 Mexico, 1220 Canada)")
    _common(c)

    f = apis.add_parser(
        "fred",
        help="FRED/ALFRED series (needs NORTE_FRED_KEY)",
        description="FRED series metadata and observations. Needs an API key in NORTE_FRED_KEY "
        "(environment or the secrets file); base URL NORTE_FRED_URL. " + COMMON,
    )
    f.add_argument("series", nargs="+", metavar="SERIES_ID", help="e.g. PAYEMS GDPC1")
    f.add_argument("--vintages", action="store_true", help="every ALFRED vintage, each its own")
    f.add_argument("--vintages-since", type=iso_date, help="only vintages from this date")
    _common(f)

    w = apis.add_parser(
        "worldbank",
        help="World Bank indicators (no key)",
        description="World Bank Indicators API v2 (no key; base URL NORTE_WORLDBANK_URL): GDP, "
        "FDI net inflows and population of the U.S., Mexico and Canada by default. " + COMMON,
    )
    w.add_argument(
        "indicators",
        nargs="*",
        metavar="INDICATOR",
        help="default: " + " ".join(["NY.GDP.MKTP.CD", "BX.KLT.DINV.CD.WD", "SP.POP.TOTL"]),
    )
    w.add_argument("--countries", default="USA,MEX,CAN", help="ISO3 codes, comma separated")
    w.add_argument("--date", help="YYYY or YYYY:YYYY")
    _common(w)

    sc = apis.add_parser(
        "statcan",
        help="Statistics Canada WDS vectors and tables (no key)",
        description="Statistics Canada Web Data Service (no key; base URL NORTE_STATCAN_URL): "
        "vectors (latest N points, each release its own vintage) and full tables (the CSV "
        "the statcan-table reader reads, with the table's release date). Paced at 25 "
        "requests/s; refused during the nightly maintenance (00:00-08:30 ET) unless --wait-maintenance. "
        + COMMON,
    )
    sc.add_argument("--vector", action="append", default=[], help="e.g. v74804 (repeatable)")
    sc.add_argument("--table", action="append", default=[], help="e.g. 12-10-0011-01")
    sc.add_argument("--latest", type=int, default=12, help="points per vector (default 12)")
    sc.add_argument("--changed-on", type=iso_date, help="only tables released on this date")
    sc.add_argument(
        "--wait-maintenance", action="store_true", help="wait out the maintenance window"
    )
    _common(sc)

    ig = apis.add_parser(
        "inegi",
        help="INEGI BIE/BISE indicators (needs NORTE_INEGI_TOKEN)",
        description="INEGI indicators API (BIE or BISE bank). Needs a token in "
        "NORTE_INEGI_TOKEN (environment or the secrets file; it goes in the URL path and is "
        "never shown); base URL NORTE_INEGI_URL. " + COMMON,
    )
    ig.add_argument("indicators", nargs="+", metavar="INDICATOR", help="e.g. 6207136901")
    ig.add_argument("--bank", choices=["BIE", "BISE"], default="BIE")
    ig.add_argument("--geo", default="00", help="area code (00 national)")
    ig.add_argument("--lang", choices=["es", "en"], default="es")
    _common(ig)

    so = apis.add_parser(
        "socrata",
        help="BTS open data on Socrata: border crossings (optional NORTE_SOCRATA_TOKEN)",
        description="BTS datasets on data.bts.gov through SoQL ($where, $limit/$offset pages). "
        "An app token in NORTE_SOCRATA_TOKEN is optional (sent as X-App-Token, never shown); "
        "base URL NORTE_SOCRATA_URL. " + COMMON,
    )
    so.add_argument("dataset", nargs="?", default="keg4-3bc2", help="4x4 id (keg4-3bc2)")
    so.add_argument("--where", help="SoQL filter, e.g. \"date >= '2024-01-01'\"")
    so.add_argument("--page", type=int, default=50_000, help="rows a request (default 50,000)")
    _common(so)

    ct = apis.add_parser(
        "comtrade",
        help="UN Comtrade v1: U.S., Mexico and Canada reports (needs NORTE_COMTRADE_KEY)",
        description="UN Comtrade API v1 (/get). Needs a subscription key in NORTE_COMTRADE_KEY "
        "(sent in the Ocp-Apim-Subscription-Key header, never shown); base URL "
        "NORTE_COMTRADE_URL. Calls are split by reporter and periods to fit the free tier's "
        "row cap; a rerun after the daily quota resumes from the saved calls. " + COMMON,
    )
    ct.add_argument("--reporter", action="append", choices=["USA", "MEX", "CAN"], default=[])
    ct.add_argument("--freq", choices=["A", "M"], default="A")
    ct.add_argument("--from", dest="start", required=True, help="first period, YYYY or YYYYMM")
    ct.add_argument("--to", dest="end", help="last period (default: the first)")
    ct.add_argument("--partner", action="append", default=[], help="M49 code, e.g. 0 (World)")
    ct.add_argument("--cmd", default="TOTAL", help="HS code or TOTAL")
    _common(ct)


#: name -> function(args) -> the connector's config table.
CONFIGS: dict[str, Callable[[argparse.Namespace], dict[str, object]]] = {
    "fred": lambda a: {
        "series": a.series,
        "vintages": a.vintages,
        "vintages_since": a.vintages_since,
    },
    "statcan": lambda a: {
        "vectors": a.vector,
        "tables": a.table,
        "latest_n": a.latest,
        "changed_on": a.changed_on.isoformat() if a.changed_on else None,
        "wait": a.wait_maintenance,
    },
    "inegi": lambda a: {
        "indicators": a.indicators,
        "bank": a.bank,
        "geo": a.geo,
        "lang": a.lang,
    },
    "comtrade": lambda a: {
        "reporters": a.reporter,
        "freq": a.freq,
        "start": a.start,
        "end": a.end,
        "partners": a.partner,
        "cmd": a.cmd,
    },
    "socrata": lambda a: {"dataset": a.dataset, "where": a.where, "page": a.page},
    "worldbank": lambda a: {
        "indicators": a.indicators,
        "countries": [c.strip().upper() for c in a.countries.split(",") if c.strip()],
        "date": a.date,
    },
}


def run(args: argparse.Namespace, db: Path) -> int:
    if args.api == "census":
        return _run_census(args, db)
    err = sys.stderr

    def log(m: str) -> None:
        print(m, file=err)

    import norte.fetch.connectors  # noqa: F401 - registers every connector
    from norte.fetch.http import Client
    from norte.fetch.live import CONNECTORS

    connector = CONNECTORS[args.api]
    client = Client(args.dir / ".cache", ttl=args.cache_ttl, log=log)
    try:
        saved = connector.fetch(client, CONFIGS[args.api](args), args.dir, log)
    finally:
        client.close()
    if not saved:
        log(f"norte fetch {args.api}: nothing to load")
        return 0
    if args.no_ingest:
        return 0
    _ingest(saved, db, log, args.api)
    return 0


def _ingest(saved: list[Saved], db: Path, log: Callable[[str], None], name: str) -> None:
    from norte.store import Store

    with Store(db) as store:
        results = store.load_many([(s.path, s.source) for s in saved])
        known = {str(s.path): s.vintage for s in saved}
        for r in results:
            vintage = r.vintage or known.get(r.location)  # already-loaded: the file's own
            log(
                f"norte fetch: {Path(r.location).name}: {r.rows:,} rows "
                f"({r.outcome}, vintage {vintage})"
            )
        log(f"norte fetch {name}: store {db} holds {store.count():,} rows")


def _run_census(args: argparse.Namespace, db: Path) -> int:
    from norte.fetch.census import fetch_trade
    from norte.fetch.http import Client
    from norte.sources import census_api, census_api_product
    from norte.store import Store

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
