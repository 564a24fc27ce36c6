"""Ingest files into the store: expand folders, detect formats, load each file atomically.

Planning comes first and writes nothing: every file is checked whole (:mod:`norte.sources.
integrity`: empty, truncated), given to the source that detects it, or else named by the
table of known formats norte does not read yet (:mod:`norte.sources.known`). Every bad file
of the command is reported at once; folders in which nothing is readable fail the command.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from norte import sources
from norte.errors import FormatError, ManyInputErrors, NorteError
from norte.sources import integrity, known
from norte.store import LoadResult, Store


@dataclass
class IngestSummary:
    results: list[LoadResult] = field(default_factory=list)
    skipped_files: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(r.rows for r in self.results)

    @property
    def loaded(self) -> int:
        return sum(r.outcome == "loaded" for r in self.results)


@dataclass
class Plan:
    """What a command will do with each file under its paths."""

    todo: list[tuple[Path, Any]] = field(default_factory=list)  # (file, source module)
    skipped: list[Path] = field(default_factory=list)  # in folders: no source reads them
    unread: list[known.Match] = field(default_factory=list)  # the skipped of known formats
    errors: list[NorteError] = field(default_factory=list)  # every bad file, in order
    folders: list[Path] = field(default_factory=list)


def survey(paths: list[Path], fmt: str | None) -> Plan:
    """Look at every file under ``paths`` (nothing raised but an unknown ``fmt``): each is
    to load (a source reads it), skipped (inside a folder, no source reads it) or an error
    (a file named explicitly that no source reads; an empty or truncated file anywhere)."""
    out = Plan(folders=[p for p in paths if p.is_dir()])
    forced = sources.get(fmt) if fmt else None
    for path, explicit in sources.expand(paths):
        if not path.exists():
            out.errors.append(FormatError(f"{path}: no such file or folder"))
            continue
        expected = f"a complete {forced.FORMAT} file" if forced and explicit else ""
        broken = integrity.check(path, expected)
        if broken is not None:
            if explicit or not _harmless(path):
                out.errors.append(broken)
            else:
                out.skipped.append(path)  # an empty .gitkeep, notes, ... inside a folder
            continue
        module = forced if forced and explicit else sources.detect(path)
        if module is None and forced is not None and sources.detects(forced, path):
            module = forced
        if module is not None:
            out.todo.append((path, module))
            continue
        match = known.identify(path)
        if explicit:
            out.errors.append(
                known.NotReadYet(match)
                if match
                else FormatError(
                    f"{path}: format not recognised — not one of the formats norte reads "
                    "('norte formats' lists them); if it is one, pass --format with one of: "
                    f"{', '.join(sorted(sources.REGISTRY))}"
                )
            )
            continue
        out.skipped.append(path)
        if match:
            out.unread.append(match)
    return out


def _harmless(path: Path) -> bool:
    """An empty file inside a folder that is no data file (``.gitkeep``, ``notes.md``)."""
    return path.stat().st_size == 0 and not path.name.lower().endswith(integrity.DATA_SUFFIXES)


def check(p: Plan) -> None:
    """Raise what makes the command fail before anything is written: every bad file (one
    error, or :class:`ManyInputErrors`), or folders in which no file is readable."""
    if len(p.errors) == 1:
        raise p.errors[0]
    if p.errors:
        raise ManyInputErrors(p.errors)
    if p.todo or not p.folders:
        return
    where = ", ".join(str(f) for f in p.folders)
    if not p.skipped:
        raise FormatError(f"no file under {where}: the folder is empty")
    unread = {m.path: m for m in p.unread}
    picks = [m.path for m in p.unread[:2]]
    picks += [f for f in p.skipped if f not in unread][: 3 - len(picks)]
    examples = "; ".join(
        f"{f} ({unread[f].label}, not read yet)" if f in unread else str(f) for f in picks
    )
    raise FormatError(
        f"no file under {where} is in a format norte reads; {len(p.skipped):,} file(s) "
        f"skipped, e.g. {examples}; see 'norte formats'"
    )


def plan(paths: list[Path], fmt: str | None) -> tuple[list[tuple[Path, Any]], list[Path]]:
    """(file, source module) for every file to load, and files in folders no source reads;
    raises as :func:`check` does."""
    p = survey(paths, fmt)
    check(p)
    return p.todo, p.skipped


def skipped_report(p: Plan) -> str:
    """The lines saying which files of the folders were skipped, known formats named."""
    if not p.skipped:
        return ""
    lines = [f"skipped {len(p.skipped):,} file(s) no source reads, e.g. {p.skipped[0]}"]
    groups: dict[str, list[known.Match]] = {}
    for m in p.unread:
        groups.setdefault(m.kind, []).append(m)
    if groups:
        lines.append(
            "  of them, formats of known agencies norte does not read yet (norte formats):"
        )
    for kind, ms in groups.items():
        lines.append(f"    {len(ms):,} × {kind}, e.g. {ms[0].path}")
    return "\n".join(lines)


def ingest(
    store: Store,
    paths: list[Path],
    fmt: str | None = None,
    vintage: dt.date | None = None,
    options: dict[str, Any] | None = None,
    out: TextIO = sys.stderr,
    planned: Plan | None = None,
) -> IngestSummary:
    """Load every file under ``paths`` in one transaction: a bad file stops the command and
    leaves the store as it was before it (files loaded by earlier commands stay).
    ``planned`` is the :func:`survey` of ``paths`` when the caller made it already (the CLI
    does, before opening the store, so bad input never creates an empty store file)."""
    t0 = time.perf_counter()
    if planned is None:
        planned = survey(paths, fmt)
    if not (planned.errors and planned.todo):
        check(planned)
    # With bad files found already and readable ones beside them, the readable ones are
    # still read (in the doomed transaction) so the command reports every bad file at once.
    todo = planned.todo
    summary = IngestSummary(skipped_files=planned.skipped)
    n = len(todo)

    def report(result: LoadResult) -> None:
        i = len(summary.results) + 1
        summary.results.append(result)
        name = Path(result.location).name
        if result.outcome == "loaded":
            msg = (
                f"[{i}/{n}] {name}: {result.rows:,} rows"
                f" ({result.format}, vintage {result.vintage}, load #{result.load_id})"
                f" in {result.seconds:.1f}s"
            )
            if result.rows_skipped:
                msg += f", {result.rows_skipped:,} already stored"
        else:
            msg = f"[{i}/{n}] {name}: already loaded (load #{result.load_id}), nothing added"
        print(msg, file=out, flush=True)
        for w in result.warnings:
            print(f"    warning: {w}", file=out)

    store.load_many(
        todo,
        vintage=vintage,
        options=options,
        report=report,
        progress=lambda line: print(line, file=out, flush=True),
        prior_errors=list(planned.errors),
    )
    if planned.skipped:
        print(skipped_report(planned), file=out)
    summary.seconds = time.perf_counter() - t0
    return summary
