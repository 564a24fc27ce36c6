"""The site rendered by two processes (norte.publish.parallel) is the one-process site, byte
for byte; a failed second process is replaced by the parent; a family that fails everywhere
fails the publish and leaves the previous site."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from norte.publish import charts, parallel
from norte.publish.pages import PageFamily, families
from norte.publish.safe import MARKER

from .conftest import BuiltSite

BUILT = "2026-12-01 10:00"


def _run(code: str) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter: vl-convert's converter thread is not started yet (the test
    process has rendered charts, so it would render in one process)."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=False
    )


def _publish(db: Path, out: Path, geo: Path, workers: int, patch: str = "") -> str:
    got = _run(
        "import io, sys\nfrom pathlib import Path\n"
        "from norte.publish.parallel import write_site_from\n" + patch + "log = io.StringIO()\n"
        f"n = write_site_from(Path({str(db)!r}), Path({str(out)!r}), 'official', log, "
        f"geo_dir=Path({str(geo)!r}), built={BUILT!r}, workers={workers})\n"
        "print(n); print(log.getvalue(), end='')\n"
    )
    assert got.returncode == 0, got.stderr[-3000:]
    return got.stdout


def _tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def store_copy(official_site: BuiltSite, tmp_path: Path) -> Path:
    db = tmp_path / "norte.duckdb"
    shutil.copyfile(official_site.db, db)
    return db


def test_two_processes_give_the_one_process_site(
    store_copy: Path, official_site: BuiltSite, tmp_path: Path
) -> None:
    one = _publish(store_copy, tmp_path / "one", official_site.geo, workers=1)
    two = _publish(store_copy, tmp_path / "two", official_site.geo, workers=2)
    assert two == one  # the page count and every family's log line, in family order
    a, b = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    marks = [json.loads((tmp_path / s / MARKER).read_text()) for s in ("one", "two")]
    assert marks[0]["files"] == marks[1]["files"]  # the marker differs by its time only
    a.pop(MARKER), b.pop(MARKER)
    assert len(a) > 100 and a == b  # every other file (manifest included), byte for byte
    manifest = json.loads((tmp_path / "two" / ".norte-publish.json").read_text())
    assert {k for k, e in manifest["files"].items() if e.get("render")} == {
        k for k in a if k.endswith((".svg", ".png")) and "/charts/" in "/" + k
    }  # the child's chart renders are in the manifest: the next publish reuses them


def _breaking(victim: str, where: str) -> str:
    """Code making family ``victim`` raise in the child only, or everywhere."""
    cond = "os.getpid() != parent" if where in ("child", "hang") else "True"
    act = (
        "import time; time.sleep(600)"
        if where == "hang"
        else "raise RuntimeError('boom in ' + str(os.getpid() == parent))"
    )
    return (
        "import os\nimport norte.publish.pages as P\nparent = os.getpid()\n"
        "real = P.families\n"
        "def broken():\n"
        "    out = []\n"
        "    for f in real():\n"
        f"        if f.name == {victim!r}:\n"
        "            def render(ctx, _f=f):\n"
        f"                if {cond}:\n"
        f"                    {act}\n"
        "                _f.render(ctx)\n"
        "            f = P.PageFamily(f.name, render, f.nav, f.order)\n"
        "        out.append(f)\n"
        "    return out\n"
        "import norte.publish.parallel as PP\nPP.families = broken\n"
    )


def test_a_failed_child_is_replaced_by_the_parent(
    store_copy: Path, official_site: BuiltSite, tmp_path: Path
) -> None:
    """The child's family raises there only: the parent renders it, says so, same site."""
    _, theirs = parallel.split([f for f in families() if f.order < parallel.LATE])
    one = _publish(store_copy, tmp_path / "one", official_site.geo, workers=1)
    two = _publish(
        store_copy, tmp_path / "two", official_site.geo, 2, _breaking(theirs[0].name, "child")
    )
    note = "the site's second rendering process failed (RuntimeError: boom in False)"
    assert f"  {note}; rendering its pages in this one\n" in two
    assert two.replace(f"  {note}; rendering its pages in this one\n", "") == one
    a, b = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    a.pop(MARKER), b.pop(MARKER)
    assert a == b


def test_a_hung_child_is_stopped_and_replaced(
    store_copy: Path, official_site: BuiltSite, tmp_path: Path
) -> None:
    _, theirs = parallel.split([f for f in families() if f.order < parallel.LATE])
    one = _publish(store_copy, tmp_path / "one", official_site.geo, workers=1)
    patch = _breaking(theirs[0].name, "hang") + "PP.WAIT_MIN, PP.WAIT_FACTOR = 2.0, 0.0\n"
    two = _publish(store_copy, tmp_path / "two", official_site.geo, 2, patch)
    note = "  the site's second rendering process sent nothing in 2 s; rendering its pages in this one\n"
    assert note in two and two.replace(note, "") == one


def test_a_family_failing_everywhere_fails_the_publish(
    store_copy: Path, official_site: BuiltSite, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    _publish(store_copy, out, official_site.geo, workers=1)
    before = _tree(out)
    _, theirs = parallel.split([f for f in families() if f.order < parallel.LATE])
    got = _run(
        "import io\nfrom pathlib import Path\nfrom norte.publish.parallel import write_site_from\n"
        + _breaking(theirs[0].name, "everywhere")
        + f"write_site_from(Path({str(store_copy)!r}), Path({str(out)!r}), 'official', "
        f"io.StringIO(), geo_dir=Path({str(official_site.geo)!r}), workers=2)\n"
    )
    assert got.returncode != 0 and "RuntimeError: boom in True" in got.stderr  # the parent's
    assert _tree(out) == before  # the previous site, as it was
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".site.norte-")]


def test_split_shares_by_cost_and_keeps_render_order() -> None:
    def fam(name: str, order: int) -> PageFamily:
        return PageFamily(name, lambda ctx: None, None, order)

    fams = [fam(n, o) for n, o in [("partner", 20), ("data", 30), ("sources", 35),
                                   ("findings", 40), ("goals", 40), ("maps", 40)]]  # fmt: skip
    mine, theirs = parallel.split(fams)
    assert sorted(f.name for f in mine + theirs) == sorted(f.name for f in fams)
    cost = {side: sum(parallel.COST.get(f.name, 0.2) for f in s) for side, s in
            (("mine", mine), ("theirs", theirs))}  # fmt: skip
    assert cost["mine"] <= cost["theirs"] <= sum(cost.values()) / 2 + 0.5
    for side in (mine, theirs):
        assert [f.name for f in side] == [f.name for f in fams if f in side]  # render order


def test_after_a_chart_render_one_process_renders_everything(
    store_copy: Path, official_site: BuiltSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    charts.render(charts.base("t", [{"x": 1, "y": 2}]) | {"mark": "point"})
    assert charts.converter_started()

    def no_fork() -> int:
        raise AssertionError("forked after vl-convert started")

    monkeypatch.setattr(os, "fork", no_fork)
    n = parallel.write_site_from(
        store_copy, tmp_path / "site", "official", geo_dir=official_site.geo, workers=2
    )
    assert n == official_site.pages
