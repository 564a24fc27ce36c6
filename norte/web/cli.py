"""``norte serve [--host 127.0.0.1] [--port 8000]``: the site and the data API over HTTP
(uvicorn), from the store's read snapshots, so ``norte ingest`` can write meanwhile."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from norte.errors import UsageError


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="serve the site and the data API (HTTP) while ingests may run",
        description="Serve the report site and the data API (/api/v1/, docs at /api/docs) from "
        "read snapshots of the store: writing commands publish a new snapshot when they "
        "finish, and the server moves to it between requests (docs/architecture.md, "
        "'Web app and API').",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    p.add_argument("--accounts", type=Path, help="accounts database (SQLite) for sign-in")
    p.add_argument("--no-png", action="store_true", help="pages without PNG chart downloads")
    p.add_argument(
        "--geo-dir", type=Path, help="folder with state boundary GeoJSON (see norte.publish.geo)"
    )


def run(args: argparse.Namespace, db: Path) -> int:
    import uvicorn

    from norte.web.app import create_app
    from norte.web.site import RenderOptions
    from norte.web.snapshots import ensure_published

    if not 0 < args.port < 65536:
        raise UsageError(f"serve: --port {args.port}: expected a TCP port from 1 to 65535")
    sid = ensure_published(db)
    app = create_app(
        db,
        accounts=args.accounts,  # resolved by norte.cli (beside the store by default)
        render=RenderOptions(png=not args.no_png, geo_dir=args.geo_dir),
    )
    print(
        f"norte serve: http://{args.host}:{args.port}/ from store {db} (snapshot {sid}); "
        "API at /api/v1/, docs at /api/docs — Ctrl-C stops",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
