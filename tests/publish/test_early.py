"""The pages rendered while ``norte refresh`` recomputes (norte.publish.early): the site equals
the one-process site of the store after the recompute, byte for byte; a family marked
``loads_only`` that reads what the recompute writes, or a load after the copy, sends those
pages back to be rendered after the recompute, saying so; the copy leaves nothing behind."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pytest

from norte.publish.early import LOADED
from norte.publish.safe import MARKER
from norte.refresh.run import _recompute
from norte.store import Store

from .conftest import BuiltSite
from .test_parallel import BUILT, _publish, _run, _tree


@pytest.fixture(scope="module")
def computed(official_site: BuiltSite, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test store with its indicators, findings and goal lights computed."""
    db = tmp_path_factory.mktemp("early") / "norte.duckdb"
    shutil.copyfile(official_site.db, db)
    with Store(db) as store:
        _recompute(store, io.StringIO())
    return db


@pytest.fixture
def store_copy(computed: Path, tmp_path: Path) -> Path:
    db = tmp_path / "norte.duckdb"
    shutil.copyfile(computed, db)
    return db


def _early(
    db: Path, out: Path, geo: Path, patch: str = "", between: str = "", steal: bool = True
) -> tuple[str, str]:
    """In a fresh interpreter: findings and lights removed, the early pages started, the
    recompute (which puts them back), the site published; (stdout: pages and log, stderr:
    every claim as ``claim PID FAMILY True|False``, and the parent's pid). ``steal=False``:
    the parent takes none of the child's families."""
    got = _run(
        "import io, os, sys\nfrom pathlib import Path\n"
        "import norte.publish.early as E\nfrom norte.refresh.run import _recompute\n"
        "from norte.store import Store\n" + patch + "real_claim = E.claim\n"
        "parent = os.getpid()\n"
        "def claim(spare, fam):\n"
        f"    if os.getpid() == parent and not {steal}:\n"
        "        return False\n"
        "    got = real_claim(spare, fam)\n"
        "    print(f'claim {os.getpid()} {fam} {got}', file=sys.stderr, flush=True)\n"
        "    return got\n"
        "E.claim = claim\n"
        "print(f'parent {os.getpid()}', file=sys.stderr, flush=True)\n"
        f"db, out, geo = Path({str(db)!r}), Path({str(out)!r}), Path({str(geo)!r})\n"
        "log = io.StringIO()\n"
        "with Store(db) as store:\n"
        "    store.con.execute('DELETE FROM findings')\n"
        "    store.con.execute('DELETE FROM goal_status')\n"
        f"    early = E.start(store, out, 'official', geo_dir=geo, built={BUILT!r})\n"
        "    assert early is not None\n" + between + "    _recompute(store, io.StringIO())\n"
        "n = E.write_site_after(early, db, out, log, geo_dir=geo)\n"
        "print(n); print(log.getvalue(), end='')\n"
    )
    assert got.returncode == 0, got.stderr[-3000:]
    return got.stdout, got.stderr


def _claims(err: str) -> tuple[int, list[tuple[int, str, bool]]]:
    parent = next(int(line.split()[1]) for line in err.splitlines() if line.startswith("parent "))
    claims = [
        (int(p), fam, ok == "True")
        for line in err.splitlines()
        if line.startswith("claim ")
        for _, p, fam, ok in [line.split()]
    ]
    return parent, claims


def _same_site(a: Path, b: Path) -> None:
    ta, tb = _tree(a), _tree(b)
    assert (
        json.loads((a / MARKER).read_text())["files"]
        == json.loads((b / MARKER).read_text())["files"]
    )
    ta.pop(MARKER), tb.pop(MARKER)
    assert len(ta) > 100 and ta == tb  # every other file (manifest included), byte for byte


LOADS_ONLY = {"partner", "data", "sources", "maps"}


def _by(err: str) -> tuple[set[str], set[str]]:
    """The families the child and the parent claimed."""
    parent, claims = _claims(err)
    return (
        {fam for pid, fam, ok in claims if ok and pid != parent},
        {fam for pid, fam, ok in claims if ok and pid == parent},
    )


def test_early_pages_give_the_one_process_site(
    store_copy: Path, official_site: BuiltSite, tmp_path: Path
) -> None:
    """The parent takes none of them: the child renders every loads_only family."""
    early, err = _early(store_copy, tmp_path / "early", official_site.geo, steal=False)
    one = _publish(store_copy, tmp_path / "one", official_site.geo, workers=1)  # the store after
    assert early == one  # the page count and every family's log line, nothing rendered again
    _same_site(tmp_path / "early", tmp_path / "one")
    assert _by(err) == (LOADS_ONLY, set())
    assert not [p for p in tmp_path.iterdir() if ".norte-" in p.name]  # copy and folder gone


def test_the_parent_takes_what_the_child_has_not_started(
    store_copy: Path, official_site: BuiltSite, tmp_path: Path
) -> None:
    """The child waits, before its first claim, until the parent has claimed its first
    family from the back; the parent then takes them one at a time (the last first), the child
    what is left from the front: each family once, the one-process site."""
    patch = (
        "import time\nfrom pathlib import Path as _P\nimport norte.publish.early as _E\n"
        "_claim = _E.claim\n"
        "def waiting(spare, fam):\n"
        "    if os.getpid() != parent:\n"
        "        t = time.monotonic()\n"
        "        while not any(_P(spare).glob('claim-*')) and time.monotonic() - t < 120:\n"
        "            time.sleep(0.05)\n"
        "    return _claim(spare, fam)\n"
        "_E.claim = waiting\n"
    )
    early, err = _early(store_copy, tmp_path / "early", official_site.geo, patch)
    one = _publish(store_copy, tmp_path / "one", official_site.geo, workers=1)
    assert early == one
    _same_site(tmp_path / "early", tmp_path / "one")
    by_child, by_parent = _by(err)
    assert "data" in by_parent  # the cheapest, last in the child's order: the parent's first
    assert by_child | by_parent == LOADS_ONLY and not by_child & by_parent


def test_a_loads_only_family_reading_the_recompute_is_rendered_after(
    store_copy: Path, official_site: BuiltSite, tmp_path: Path
) -> None:
    """The goal pages read indicator values and goal lights (and check first that the table
    exists): marked loads_only, they fail in the child, and the parent renders the child's
    families after the recompute: the same site."""
    patch = (
        "import dataclasses\nimport norte.publish.pages as P\nreal = P.families\n"
        "E.families = lambda: [dataclasses.replace(f, loads_only=True) if f.name == 'goals'"
        " else f for f in real()]\n"
    )
    early, _ = _early(store_copy, tmp_path / "early", official_site.geo, patch, steal=False)
    one = _publish(store_copy, tmp_path / "one", official_site.geo, workers=1)
    note = next(line for line in early.splitlines() if "rendering its pages in this one" in line)
    assert "EarlyReadError" in note and "loads_only page family read" in note
    assert early.replace(note + "\n", "") == one
    _same_site(tmp_path / "early", tmp_path / "one")


def test_a_load_after_the_copy_sends_the_pages_back(
    store_copy: Path, official_site: BuiltSite, shared: Path, tmp_path: Path
) -> None:
    """The writer loads one more file after the copy was taken: the child's pages show the
    store before it, so the parent renders them again, from the store with it."""
    between = (
        "    from norte.ingest import ingest\n"
        f"    ingest(store, [Path({str(shared / 'inegi/pib/igae_indice.xlsx')!r})], "
        "out=io.StringIO())\n"
    )
    early, _ = _early(
        store_copy, tmp_path / "early", official_site.geo, between=between, steal=False
    )
    one = _publish(store_copy, tmp_path / "one", official_site.geo, workers=1)
    note = (
        "  a load reached the store after the site's early pages were started; "
        "rendering its pages in this one"
    )
    assert note in early.splitlines() and early.replace(note + "\n", "") == one
    _same_site(tmp_path / "early", tmp_path / "one")


def test_the_copy_keeps_only_what_loads_write(computed: Path) -> None:
    """Every table and view of the store is either written by loads (kept in the copy) or by
    the recompute (dropped): a new one must be placed on one side or the other."""
    recomputed = {
        "indicator_values", "indicator_runs", "findings", "finding_reviews", "goal_status",
        "stakeholder_goals", "stakeholder_targets", "indicator_values_latest",
        "goal_status_latest",
    }  # fmt: skip
    with Store(computed, read_only=True) as store:
        names = {
            r[0]
            for r in store.con.execute(
                "SELECT table_name FROM duckdb_tables() UNION ALL "
                "SELECT view_name FROM duckdb_views() WHERE NOT internal"
            ).fetchall()
        }
    assert names == LOADED | recomputed
    assert not LOADED & recomputed


def test_no_process_to_fork_leaves_nothing_behind(
    store_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When no process can be forked, the early pages are not started (the site is rendered
    after the recompute): no copy or folder is left beside the site, the writer keeps its
    threads."""
    from norte.publish import charts
    from norte.publish.early import start

    def no_fork() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(charts, "converter_started", lambda: False)
    monkeypatch.setattr(os, "fork", no_fork)
    with Store(store_copy) as store:
        store.con.execute("SET threads = 2")
        assert start(store, tmp_path / "site", "official") is None
        threads = store.con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    assert int(threads) == 2
    assert not [p for p in tmp_path.iterdir() if ".norte-" in p.name]
