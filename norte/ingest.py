"""Ingest files into the store: expand folders, detect formats, load each file atomically."""

from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from norte import sources
from norte.errors import FormatError
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


def plan(paths: list[Path], fmt: str | None) -> tuple[list[tuple[Path, Any]], list[Path]]:
    """(file, source module) for every file to load, and files in folders no source reads."""
    todo: list[tuple[Path, Any]] = []
    skipped: list[Path] = []
    forced = sources.get(fmt) if fmt else None
    for path, explicit in sources.expand(paths):
        if not path.exists():
            raise FormatError(f"{path}: no such file or folder")
        module = forced if forced and explicit else sources.detect(path)
        if module is None and forced is not None and forced.detect(path):
            module = forced
        if module is None:
            if explicit:
                raise FormatError(
                    f"{path}: format not recognised — pass --format with one of: "
                    f"{', '.join(sorted(sources.REGISTRY))}"
                )
            skipped.append(path)
            continue
        todo.append((path, module))
    return todo, skipped


def ingest(
    store: Store,
    paths: list[Path],
    fmt: str | None = None,
    vintage: dt.date | None = None,
    options: dict[str, Any] | None = None,
    out: TextIO = sys.stderr,
) -> IngestSummary:
    """Load every file under ``paths`` in one transaction: a bad file stops the command and
    leaves the store as it was before it (files loaded by earlier commands stay)."""
    t0 = time.perf_counter()
    todo, skipped = plan(paths, fmt)
    summary = IngestSummary(skipped_files=skipped)
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
    )
    if skipped:
        print(f"skipped {len(skipped)} file(s) no source reads, e.g. {skipped[0]}", file=out)
    summary.seconds = time.perf_counter() - t0
    return summary
