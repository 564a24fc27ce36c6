"""The ``norte`` command line: ``ingest``, ``build``, ``loads``, ``query``, ``formats``, ``settings``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

from norte import settings, sources
from norte.errors import NorteError
from norte.ingest import ingest
from norte.store import Store


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2024-08-06") from None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="norte", description="North American trade and integration monitor"
    )
    p.add_argument("--db", help="store file (default ./norte.duckdb; env NORTE_DB)")
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

    sub.add_parser("formats", help="list the formats norte reads")
    sub.add_parser("settings", help="list settings with their sources and defaults")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except NorteError as e:
        print(f"norte: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("norte: interrupted; the store is unchanged by the load in progress", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> int:
    config, config_path = settings.load_toml(args.config)
    db = Path(settings.resolve("db", args.db, config, config_path))
    if args.command == "formats":
        for name, module in sorted(sources.REGISTRY.items()):
            print(f"{name:24} {module.DESCRIPTION}")
        return 0
    if args.command == "settings":
        for s in settings.SETTINGS:
            print(
                f"{s.name:14} env {s.env:22} toml {s.toml:22} default {s.default!r}\n    {s.help}"
            )
        return 0
    if args.command == "ingest":
        unknown = settings.resolve("unknown_codes", args.unknown_codes, config, config_path)
        prov = settings.resolve("provenance_dirs", None, config, config_path)
        t0 = time.perf_counter()
        with Store(db) as store:
            summary = ingest(
                store,
                args.paths,
                fmt=args.format,
                vintage=args.vintage,
                options={"unknown_codes": unknown, "provenance_dirs": prov},
            )
            total = store.count()
        print(
            f"norte: {summary.loaded} file(s) loaded, {summary.rows:,} rows added "
            f"({total:,} in store) in {time.perf_counter() - t0:.1f}s — store {db}",
            file=sys.stderr,
        )
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
        return build(db, out, [Path(p) for p in paths], options, args.force)
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
    if args.command in ("loads", "query"):
        sql = (
            "SELECT load_id, source, format, rows, rows_skipped, vintage, vintage_from, "
            "finished, outcome, location FROM loads ORDER BY load_id"
            if args.command == "loads"
            else args.sql
        )
        with Store(db, read_only=True) as store:
            rel = store.con.sql(sql)
            if args.json:
                cols = rel.columns
                rows = [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]
                print(json.dumps(rows, default=_json_default, indent=2))
            else:
                rel.show(max_width=200, max_rows=200)
        return 0
    raise AssertionError(args.command)


def _json_default(o: Any) -> Any:
    if isinstance(o, dt.date | dt.datetime):
        return o.isoformat()
    return str(o)


if __name__ == "__main__":
    sys.exit(main())
