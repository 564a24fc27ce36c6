"""Editorial review: list the findings no editor decided on, publish or dismiss them, and —
with the findings_review setting on — only published findings reach the page and the feed."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from norte.findings import detect, write
from norte.findings.run import read
from norte.indicators import compute
from norte.ingest import ingest
from norte.publish import queries as q
from norte.publish import trade
from norte.publish.context import PageContext, SiteContext
from norte.publish.pages import findings as page
from norte.store import Store

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def db(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("review") / "norte.duckdb"
    with Store(path) as s:
        ingest(s, [shared / "census" / "country.xlsx"], out=io.StringIO())
        compute(s)
        write(s, detect(s).findings)
    return path


def _norte(db: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "norte.cli", "--db", str(db), "findings", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
    )


def _feed_entries(db: Path, out: Path) -> int:
    with Store(db, read_only=True) as store:
        q.prepare(store.con)
        trade.prepare(store.con)
        site = SiteContext(store=store, out=out, mode="official", languages=("en",), png=False)
        page.render(PageContext(site, "en"))
    return (out / "findings.atom").read_text().count("<entry>")


def test_review_cycle(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(db, read_only=True) as s:
        ids = [f.id for f in read(s.con)]
    assert len(ids) > 5
    r = _norte(db, "review")
    assert r.returncode == 0, r.stderr
    assert f"{len(ids)} finding(s) to review" in r.stdout
    assert _norte(db, "review", "publish", ids[0], ids[1]).returncode == 0
    # dismissing needs a reason; an unknown id is refused; nothing recorded by either
    bad = _norte(db, "review", "dismiss", ids[2])
    assert bad.returncode == 2 and "--reason" in bad.stderr
    bad = _norte(db, "review", "publish", "0000notanid")
    assert bad.returncode == 2 and "no stored finding with id 0000notanid" in bad.stderr
    assert _norte(db, "review", "dismiss", ids[2], "--reason", "base effect").returncode == 0
    r = _norte(db, "review")
    assert f"{len(ids) - 3} finding(s) to review" in r.stdout and ids[0] not in r.stdout
    r = _norte(db, "review", "decisions")
    assert "dismissed" in r.stdout and "base effect" in r.stdout
    # the site: all findings by default; only the two published with review on
    monkeypatch.delenv("NORTE_FINDINGS_REVIEW", raising=False)
    assert _feed_entries(db, tmp_path / "all") == min(len(ids), page.PAGE_LIMIT)
    monkeypatch.setenv("NORTE_FINDINGS_REVIEW", "1")
    assert _feed_entries(db, tmp_path / "reviewed") == 2
