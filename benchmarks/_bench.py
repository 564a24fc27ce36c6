"""Shared helpers for benchmarks: run a step in a subprocess, measure wall time and peak RSS,
and rewrite one section of docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO.parent / "shared" / "data").resolve()
DOC = REPO / "docs" / "benchmarks.md"


@dataclass
class Measure:
    name: str
    seconds: float
    peak_rss_mb: float
    rows: int

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def run_measured(
    name: str, argv: list[str], rows: int, env: dict[str, str] | None = None
) -> Measure:
    """Run ``argv`` as a child process; wall time and the child's peak RSS (ru_maxrss)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    if status != 0:
        raise SystemExit(f"{name}: {' '.join(argv)} failed with status {status}")
    return Measure(name, seconds, usage.ru_maxrss / 1024, rows)


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def machine() -> str:
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()}"
    )


def write_section(title: str, body: str) -> None:
    """Replace (or append) the section ``## title`` of docs/benchmarks.md."""
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    section = f"## {title}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text)
    else:
        text = text.rstrip() + "\n\n" + section
    DOC.write_text(text.rstrip() + "\n", encoding="utf-8")


def table(measures: list[Measure]) -> str:
    lines = [
        "| step | wall time (s) | rows | rows/s | peak RSS (MB) |",
        "|---|---:|---:|---:|---:|",
    ]
    for m in measures:
        lines.append(
            f"| {m.name} | {m.seconds:.2f} | {m.rows:,} | {m.rows_per_s:,.0f} | {m.peak_rss_mb:,.0f} |"
        )
    return "\n".join(lines)


_ = resource  # imported for platforms where wait4 is unavailable in future edits
