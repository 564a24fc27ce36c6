"""``norte build``: the main job — ingest what the config names, then publish the site."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from norte.ingest import ingest
from norte.sources import seed
from norte.store import Store

HOW_TO_ADD = (
    "To use official data, download e.g. https://www.census.gov/foreign-trade/balance/country.xlsx"
    " and run 'norte ingest country.xlsx' (or list it under [ingest] paths in norte.toml),"
    " then 'norte build' again."
)


def official_rows(store: Store) -> int:
    rows = store.con.execute("SELECT count(*) FROM observations WHERE source <> 'seed'").fetchall()
    return int(rows[0][0])


def build(
    db: Path,
    out: Path,
    paths: list[Path],
    options: dict[str, Any],
    force: bool = False,
    base_url: str | None = None,
) -> int:
    """Ingest ``paths``, refresh indicators, findings and goal lights, publish the site at
    ``out``. A folder norte did not write is refused before anything runs (unless ``force``,
    which moves its contents aside); see :mod:`norte.publish.safe`."""
    from norte.publish.parallel import write_site_from
    from norte.publish.safe import check_site
    from norte.refresh.run import done_state, write_done

    check_site(out, force, db)  # refuse before a long ingest, not after
    t0 = time.perf_counter()
    err = sys.stderr
    with Store(db) as store:
        present = [p for p in paths if p.exists()]
        for p in paths:
            if not p.exists():
                print(f"norte build: {p} not found — skipped (listed in norte.toml)", file=err)
        if present:
            print(f"norte build: ingesting {len(present)} path(s) named in norte.toml", file=err)
            ingest(store, present, options=options, out=err)
        if official_rows(store) == 0:
            print(
                "norte build: the store holds no official data — using the bundled seed "
                "dataset (figures transcribed from the seed documents, with citations).\n  "
                + HOW_TO_ADD,
                file=err,
            )
            store.load_file(seed.bundled_path(), seed)
            mode = "seed"
        else:
            mode = "official"
        from norte.findings.cli import refresh as refresh_findings

        refresh_findings(store, out=err)  # indicators, then findings (issue #5)
        from norte.goals import record_all

        record_all(store)  # goal_status: every light at every input vintage (issue #6)
        rows = store.count()
        done = done_state(store)  # what this build recomputed (not a later writer's loads)
    # the writer closed: the site is rendered by two processes reading the store
    pages = write_site_from(db, out, mode, progress=err, force=force, base_url=base_url)
    write_done(db, done)  # last: a norte refresh right after this build has nothing to do
    print(
        f"norte build: {pages} pages written to {out}/ from {rows:,} stored rows ({mode} data) "
        f"in {time.perf_counter() - t0:.1f}s — store {db}",
        file=err,
    )
    print(f"open {out / 'index.html'} in a browser (works offline)", file=err)
    return 0
