"""``norte serve [--host 127.0.0.1] [--port 8000] [--workers N]``: the site and the data API over
HTTP (uvicorn), from the store's read snapshots, so ``norte ingest`` can write meanwhile.

With ``--workers N`` (N > 1) uvicorn runs N processes, each building the app with
:func:`app_from_env` (``factory=True``: an app object cannot be handed to worker processes);
they read the same snapshot files read-only and share one folder of rendered sites, where one
worker renders a snapshot's site while the others wait for it (:class:`norte.web.site.SiteCache`,
``shared=True``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from norte.errors import UsageError

if TYPE_CHECKING:
    from fastapi import FastAPI

#: the environment variable handing the app's settings to the worker processes
ENV = "NORTE_SERVE_APP"


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
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes (default 1; about one per CPU core the server may use)",
    )
    p.add_argument("--accounts", type=Path, help="accounts database (SQLite) for sign-in")
    p.add_argument("--no-png", action="store_true", help="pages without PNG chart downloads")
    p.add_argument(
        "--geo-dir", type=Path, help="folder with state boundary GeoJSON (see norte.publish.geo)"
    )
    p.add_argument(
        "--http",
        choices=("auto", "httptools", "h11"),
        default="auto",
        help="HTTP parser (default auto: httptools, the C parser, when installed, else h11)",
    )
    p.add_argument(
        "--loop",
        choices=("auto", "uvloop", "asyncio"),
        default="auto",
        help="event loop (default auto: uvloop when installed, else asyncio)",
    )
    p.add_argument(
        "--no-fast-path",
        action="store_true",
        help="answer cache hits inside the app's middleware, not before it (for comparisons)",
    )


def _importable(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def server_options(http: str = "auto", loop: str = "auto") -> dict[str, str]:
    """uvicorn's ``http`` and ``loop``: ``auto`` is httptools (C HTTP parser) and uvloop when
    they are installed, else the pure-Python h11 and asyncio (said on stderr); asking for one
    that is not installed is a usage error."""
    chosen = {}
    for name, value, fast, slow in (
        ("http", http, "httptools", "h11"),
        ("loop", loop, "uvloop", "asyncio"),
    ):
        if value == "auto":
            value = fast if _importable(fast) else slow
            if value == slow:
                print(
                    f"norte serve: {fast} is not installed: using {slow} (slower)",
                    file=sys.stderr,
                )
        elif value == fast and not _importable(fast):
            raise UsageError(
                f"serve: --{name} {fast}: the package {fast} is not installed — install it "
                f"(requirements/dev.lock) or use --{name} {slow}"
            )
        chosen[name] = value
    return chosen


def app_from_env() -> FastAPI:
    """The app of one worker process, from the settings :func:`run` put in ``$NORTE_SERVE_APP``."""
    from norte.web.app import create_app
    from norte.web.site import RenderOptions

    raw = os.environ.get(ENV)
    if not raw:
        raise UsageError(f"serve: ${ENV} is not set — start workers with 'norte serve --workers N'")
    cfg = json.loads(raw)
    geo = cfg["geo_dir"]
    return create_app(
        Path(cfg["db"]),
        accounts=Path(cfg["accounts"]) if cfg["accounts"] else None,
        render=RenderOptions(png=cfg["png"], geo_dir=Path(geo) if geo else None),
        sites_dir=Path(cfg["sites_dir"]),
        shared_sites=True,
        fast_path=cfg.get("fast_path", True),
        isolate_renders=True,
    )


def listening_socket(config: Any) -> socket.socket:
    """The workers' listening socket (``uvicorn.Config.bind_socket``) with TCP_NODELAY.

    uvicorn binds it with protocol 0, so asyncio does not set TCP_NODELAY on its connections
    (it checks for IPPROTO_TCP), and a small answer written after its headers waited ~40 ms for
    the client's delayed ACK (Nagle): 44 ms per cached answer, measured. Linux gives accepted
    connections the listening socket's TCP_NODELAY."""
    sock: socket.socket = config.bind_socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def run(args: argparse.Namespace, db: Path) -> int:
    import uvicorn

    from norte.web.app import create_app
    from norte.web.site import RenderOptions
    from norte.web.snapshots import ensure_published

    if not 0 < args.port < 65536:
        raise UsageError(f"serve: --port {args.port}: expected a TCP port from 1 to 65535")
    if args.workers < 1:
        raise UsageError(f"serve: --workers {args.workers}: expected 1 or more processes")
    options = server_options(args.http, args.loop)
    fast_path = not args.no_fast_path
    sid = ensure_published(db)
    print(
        f"norte serve: http://{args.host}:{args.port}/ from store {db} (snapshot {sid}; "
        f"{args.workers} worker{'s' if args.workers > 1 else ''}, {options['http']} + "
        f"{options['loop']}); "
        "API at /api/v1/, docs at /api/docs — Ctrl-C stops",
        file=sys.stderr,
        flush=True,
    )
    if args.workers == 1:
        app = create_app(
            db,
            accounts=args.accounts,  # resolved by norte.cli (beside the store by default)
            render=RenderOptions(png=not args.no_png, geo_dir=args.geo_dir),
            fast_path=fast_path,
            isolate_renders=True,
        )
        config = uvicorn.Config(
            app,
            host=args.host,
            port=args.port,
            log_level="warning",
            http=options["http"],
            loop=options["loop"],
        )
        try:
            uvicorn.Server(config).run()
        except KeyboardInterrupt:
            pass
        return 0
    sites = Path(tempfile.mkdtemp(prefix="norte-serve-"))
    os.environ[ENV] = json.dumps(
        {
            "db": str(db.resolve()),
            "accounts": str(args.accounts.resolve()) if args.accounts else None,
            "png": not args.no_png,
            "geo_dir": str(args.geo_dir.resolve()) if args.geo_dir else None,
            "sites_dir": str(sites),
            "fast_path": fast_path,
        }
    )
    try:
        from uvicorn.supervisors import Multiprocess

        config = uvicorn.Config(
            "norte.web.cli:app_from_env",
            factory=True,
            workers=args.workers,
            host=args.host,
            port=args.port,
            log_level="warning",
            http=options["http"],
            loop=options["loop"],
        )
        Multiprocess(config, sockets=[listening_socket(config)]).run()
    except KeyboardInterrupt:
        pass
    finally:
        shutil.rmtree(sites, ignore_errors=True)
    return 0
