"""Profile what ``norte refresh`` recomputes, step by step, in one process (cProfile).

Usage: ``python benchmarks/profile_refresh.py STORE SITE [--full]`` — STORE is a store with
new loads not yet recomputed (e.g. the release-day prep store after ``norte ingest`` of the
new month), SITE the site published from it before (its manifest makes the publish
incremental; ``--full`` renders everything). Runs the indicators and findings, the goal
lights and the site, prints each step's wall time and its 25 costliest functions, and writes
``STEP.prof`` beside the store. Changes the store and the site, as the refresh would.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from pathlib import Path


def main() -> None:
    from norte.findings.cli import refresh as refresh_findings
    from norte.goals import record_all
    from norte.publish.site import write_site
    from norte.store import Store

    db, site = Path(sys.argv[1]), Path(sys.argv[2])
    full = "--full" in sys.argv[3:]
    with Store(db) as store:
        steps = {
            "findings": lambda: refresh_findings(store, out=sys.stderr),
            "lights": lambda: record_all(store),
            "site": lambda: write_site(
                store, site, mode="official", progress=sys.stderr, incremental=not full
            ),
        }
        for name, step in steps.items():
            prof = cProfile.Profile()
            t0 = time.perf_counter()
            prof.runcall(step)
            print(f"=== {name}: {time.perf_counter() - t0:.2f} s", flush=True)
            prof.dump_stats(str(db.with_name(f"{name}.prof")))
            pstats.Stats(prof).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
