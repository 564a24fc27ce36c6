"""The ``norte`` command line: ``ingest``, ``build``, ``loads``, ``query``, ``formats``, ``settings``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import NoReturn

from norte import envelope, settings, sources
from norte.argtypes import iso_date
from norte.errors import StoreError, UsageError
from norte.ingest import ingest
from norte.lean import skip_pandas_detection
from norte.store import Store, set_lock_timeout
from norte.store.connect import set_threads
from norte.store.schema import SCHEMA_VERSION

_date = iso_date


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one ``norte: error:`` line (exit 2, JSON envelope with
    ``--json``) naming the command and its ``--help``, like every other error."""

    def error(self, message: str) -> NoReturn:
        cmd = self.prog.removeprefix("norte").strip()
        raise UsageError(f"{cmd + ': ' if cmd else ''}{message} — see '{self.prog} --help'")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="norte",
        description="North American trade and integration monitor",
        epilog=envelope.exit_codes_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--debug", action="store_true", help="show the traceback of errors (env NORTE_DEBUG=1)"
    )
    p.add_argument("--db", help="store file (default ./norte.duckdb; env NORTE_DB)")
    p.add_argument("--wait", metavar="SECONDS", help="wait for a busy store (default 30; 0 = no)")
    p.add_argument("--config", type=Path, help="config file (default ./norte.toml if present)")
    sub = p.add_subparsers(dest="command", required=True)

    pi = sub.add_parser(
        "ingest",
        help="load official files into the store",
        description="Load official files into the store. The command is all or nothing: if "
        "any file is bad, the error names it (and the line) and the store stays as it was "
        "before the command. Files already loaded (same bytes) are skipped.",
    )
    pi.add_argument("paths", nargs="+", type=Path, help="files or folders")
    pi.add_argument("--format", choices=sorted(sources.REGISTRY), help="skip detection")
    pi.add_argument("--vintage", type=_date, help="release date of the files (overrides)")
    pi.add_argument("--unknown-codes", choices=("error", "keep"), default=None)

    pb = sub.add_parser("build", help="ingest what norte.toml names, then write the site")
    pb.add_argument("--out", help="output folder (default ./site)")
    pb.add_argument("--no-ingest", action="store_true", help="use only what the store holds")
    pb.add_argument("--force", action="store_true", help="move a folder norte did not write aside")

    pl = sub.add_parser("loads", help="list the loads recorded in the store")
    pl.add_argument("--json", action="store_true")

    pq = sub.add_parser("query", help="run read-only SQL against the store")
    pq.add_argument("sql")
    pq.add_argument("--json", action="store_true")
    pq.add_argument("--allow-write", action="store_true", help="allow COPY TO, ATTACH, file reads")

    from norte.fetch.cli import add_parser as add_fetch

    add_fetch(sub)

    from norte.indicators.cli import add_parser as add_indicators

    add_indicators(sub)

    from norte.findings.cli import add_parser as add_findings

    add_findings(sub)

    from norte.goals.cli import add_parser as add_goals

    add_goals(sub)

    from norte.mirror.cli import add_parser as add_mirror

    add_mirror(sub)

    from norte.publish.cli import add_parser as add_report

    add_report(sub)

    from norte.web.cli import add_parser as add_serve

    add_serve(sub)
    from norte.accounts.cli import add_parser as add_accounts

    add_accounts(sub)
    from norte.refresh.cli import add_parsers as add_refresh

    add_refresh(sub)  # calendar, refresh
    from norte.classify.cli import add_parser as add_codes

    add_codes(sub)

    sub.add_parser("migrate", help="upgrade the store to this norte's schema (writes do it too)")
    sub.add_parser("formats", help="list the formats norte reads")
    sub.add_parser("settings", help="list settings with their sources and defaults")
    return p


def _wants_json(argv: list[str]) -> bool:
    """Whether the command prints JSON (so its errors are a JSON envelope on stdout)."""
    pairs = zip(argv, [*argv[1:], ""], strict=True)
    return "--json" in argv or "--format=json" in argv or ("--format", "json") in pairs


def main(argv: list[str] | None = None) -> int:
    """Run one ``norte`` command; every failure is one message and its exit code (see
    :mod:`norte.envelope`)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    opts = envelope.Options(
        debug="--debug" in argv or envelope.debug_from_env(), json=_wants_json(argv)
    )

    def command() -> int:
        args = _parser().parse_args(argv)
        opts.debug = opts.debug or args.debug
        return _run(args)

    return envelope.guard(command, opts)


def _run(args: argparse.Namespace) -> int:
    config, config_path = settings.load_toml(args.config)
    db = Path(settings.resolve("db", args.db, config, config_path))
    set_lock_timeout(settings.resolve("lock_timeout", args.wait, config, config_path))
    set_threads(settings.resolve("threads", None, config, config_path))
    if args.command == "formats":
        for name, module in sorted(sources.REGISTRY.items()):
            print(f"{name:24} {module.DESCRIPTION}")
        return 0
    if args.command == "settings":
        for s in settings.SETTINGS:
            print(
                f"{s.name:14} env {s.env:22} toml {s.toml:22} default {s.default!r}\n    {s.help}"
            )
        from norte.live_settings import render

        print(render(config))
        return 0
    if args.command == "ingest":
        unknown = settings.resolve("unknown_codes", args.unknown_codes, config, config_path)
        prov = settings.resolve("provenance_dirs", None, config, config_path)
        t0 = time.perf_counter()
        from norte.ingest import check, survey

        planned = survey(args.paths, args.format)
        if not planned.todo or not _may_exist(db):
            check(planned)  # bad input fails before the store is created (or opened)
        with Store(db) as store:
            summary = ingest(
                store,
                args.paths,
                fmt=args.format,
                vintage=args.vintage,
                options={"unknown_codes": unknown, "provenance_dirs": prov},
                planned=planned,
            )
            total = store.count()
        print(
            f"norte: {summary.loaded} file(s) loaded, {summary.rows:,} rows added "
            f"({total:,} in store) in {time.perf_counter() - t0:.1f}s — store {db}",
            file=sys.stderr,
        )
        return 0
    if args.command == "migrate":
        if not db.exists():
            raise StoreError(f"store {db} does not exist — nothing to upgrade")
        Store(db).close()  # a writable open upgrades (and says so on stderr)
        print(f"norte: store {db} is at schema version {SCHEMA_VERSION}", file=sys.stderr)
        return 0
    if args.command == "build":
        from norte.build import build

        out = Path(settings.resolve("out", args.out, config, config_path))
        paths = (
            [] if args.no_ingest else settings.resolve("ingest_paths", None, config, config_path)
        )
        unknown = settings.resolve("unknown_codes", None, config, config_path)
        prov = settings.resolve("provenance_dirs", None, config, config_path)
        options = {"unknown_codes": unknown, "provenance_dirs": prov}
        base_url = settings.resolve("base_url", None, config, config_path)
        return build(db, out, [Path(p) for p in paths], options, args.force, base_url or None)
    if args.command == "fetch":
        from norte.fetch.cli import run as run_fetch

        return run_fetch(args, db)
    if args.command == "indicators":
        from norte.indicators.cli import run as run_indicators

        return run_indicators(args, db)
    if args.command == "findings":
        from norte.findings.cli import run as run_findings

        return run_findings(args, db)
    if args.command == "goals":
        from norte.goals.cli import run as run_goals

        return run_goals(args, db)
    if args.command == "mirror":
        from norte.mirror.cli import run as run_mirror

        return run_mirror(args, db)
    if args.command == "report":
        from norte.publish.cli import run as run_report

        return run_report(args, db)
    if args.command == "serve":
        from norte.accounts import resolve_path
        from norte.web.cli import run as run_serve

        # sign-in, stakeholder goals and watch lists: the accounts file beside the store
        # unless --accounts / NORTE_ACCOUNTS / [accounts] path says otherwise
        setting = settings.resolve("accounts", args.accounts, config, config_path)
        args.accounts = resolve_path(setting, db)
        return run_serve(args, db)
    if args.command in ("users", "tokens"):
        from norte.accounts import resolve_path
        from norte.accounts.cli import run as run_accounts

        path = resolve_path(settings.resolve("accounts", args.accounts, config, config_path), db)
        return run_accounts(args, path)
    if args.command in ("calendar", "refresh"):
        from norte.refresh import cli as refresh_cli

        if args.command == "calendar":
            return refresh_cli.run_calendar(args, db, config)
        out = Path(settings.resolve("out", args.out, config, config_path))
        base_url = settings.resolve("base_url", None, config, config_path)
        return refresh_cli.run_refresh(args, db, out, config, base_url or None)
    if args.command == "codes":
        from norte.classify.cli import run as run_codes

        return run_codes(args, db)
    if args.command == "loads":
        from norte.query import run_loads

        return run_loads(args, db)
    if args.command == "query":
        from norte.query import run_query

        return run_query(args, db)
    raise AssertionError(args.command)


def _may_exist(path: Path) -> bool:
    """Whether ``path`` exists, True when we may not even look (Store then says why)."""
    try:
        return path.exists()
    except OSError:
        return True


#: the commands that compute (and so convert Python values to Arrow): they skip pyarrow's
#: import of pandas (:mod:`norte.lean`); the others do not import pyarrow that early
LEAN_COMMANDS = frozenset({"build", "refresh", "indicators", "findings", "goals"})


def run() -> NoReturn:
    """The ``norte`` command (``python -m norte.cli`` too): :func:`main`, without pyarrow's
    import of pandas for the commands that compute (:data:`LEAN_COMMANDS`; a program calling
    :func:`main` is left as it is)."""
    if LEAN_COMMANDS & set(sys.argv[1:]):
        skip_pandas_detection()
    sys.exit(main())


if __name__ == "__main__":
    run()
