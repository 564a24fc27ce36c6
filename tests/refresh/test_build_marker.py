"""``norte build`` ends by writing the refresh marker: a ``norte refresh`` right after it finds
the store already recomputed and published, and changes no file."""

from __future__ import annotations

import hashlib
from pathlib import Path

from norte.build import build
from norte.refresh.run import marker_path, refresh


def digest(path: Path) -> str:
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    h = hashlib.sha256()
    for p in sorted(path.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(path).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def test_refresh_right_after_a_build_has_nothing_to_do(shared: Path, tmp_path: Path) -> None:
    db, site = tmp_path / "norte.duckdb", tmp_path / "site"
    assert build(db, site, [shared / "census" / "country.xlsx"], {}) == 0
    assert marker_path(db).exists()
    before = (digest(db), digest(site), digest(marker_path(db)))
    rep = refresh(db, site, {}, downloads=tmp_path / "downloads")
    assert not rep.recomputed and rep.changes.empty()
    assert (digest(db), digest(site), digest(marker_path(db))) == before
