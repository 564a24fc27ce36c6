"""Incremental publishing (norte.publish.incremental): after the store changes, a publish over
the previous site gives the same tree as a full publish of the same store into a fresh folder,
and leaves every unchanged file as it was (same inode and mtime: not rewritten)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from norte.ingest import ingest
from norte.publish import incremental
from norte.publish.safe import MARKER
from norte.publish.site import write_site
from norte.store import Store

LANGS = ("en", "es")
T1, T2 = "2026-01-05 08:30", "2026-02-06 08:30"


def tree(root: Path) -> dict[str, bytes]:
    """Every file of a site by relative path (the safe-publish marker aside: it holds the
    clock time of the swap)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != MARKER
    }


def stats(root: Path) -> dict[str, tuple[int, int]]:
    return {
        rel: (os.stat(root / rel).st_ino, os.stat(root / rel).st_mtime_ns) for rel in tree(root)
    }


@pytest.fixture(scope="module")
def sites(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A site of Census country.xlsx, then the store gains a TransBorder month: the site
    published again over the first one (incremental) and a full publish into a fresh folder."""
    root = tmp_path_factory.mktemp("incremental")
    site, fresh = root / "site", root / "fresh"
    geo = shared / "geo"
    with Store(root / "norte.duckdb") as store:
        ingest(store, [shared / "census" / "country.xlsx"], out=io.StringIO())
        write_site(store, site, "official", languages=LANGS, geo_dir=geo, built=T1)
        first, first_stats = tree(site), stats(site)
        ingest(
            store, [shared / "transborder" / "raw" / "year_2023" / "Jan2023.zip"], out=io.StringIO()
        )
        log = io.StringIO()
        write_site(store, site, "official", log, languages=LANGS, geo_dir=geo, built=T2)
        write_site(
            store, fresh, "official", languages=LANGS, geo_dir=geo, built=T2, incremental=False
        )
    return {
        "site": site,
        "fresh": fresh,
        "first": first,
        "first_stats": first_stats,
        "log": log.getvalue(),
    }


def _without_built(data: bytes, *labels: str) -> bytes:
    for label in labels:
        data = data.replace(label.encode(), b"")
    return data


def test_incremental_equals_full_publish_of_the_same_store(sites: dict[str, object]) -> None:
    site, fresh, first = sites["site"], sites["fresh"], sites["first"]
    assert isinstance(site, Path) and isinstance(fresh, Path) and isinstance(first, dict)
    inc, full = tree(site), tree(fresh)
    assert sorted(inc) == sorted(full)
    # the store change reached the site (else the comparison proves nothing)
    assert any(first.get(rel) != data for rel, data in full.items())
    # byte for byte, except that an unchanged page keeps the build time it was built at (T1)
    t1 = ("Jan 5, 2026, 08:30 UTC", "5 ene 2026, 08:30 UTC", T1)
    t2 = ("Feb 6, 2026, 08:30 UTC", "6 feb 2026, 08:30 UTC", T2)
    differ = [rel for rel in inc if inc[rel] != full[rel] and rel != incremental.MANIFEST]
    for rel in differ:
        assert rel.endswith(".html"), rel
        assert _without_built(inc[rel], *t1) == _without_built(full[rel], *t2), rel
        assert first[rel] == inc[rel], f"{rel}: rewritten yet differs from the full publish"
    # the manifests agree on every file's fingerprint and render key (the sha256 of a kept
    # page is its T1 bytes')
    fps = [
        {
            rel: (e["fp"], e.get("render"))
            for rel, e in json.loads(m[incremental.MANIFEST])["files"].items()
        }
        for m in (inc, full)
    ]
    assert fps[0] == fps[1]


def test_unchanged_files_are_not_rewritten(sites: dict[str, object]) -> None:
    site, first, before = sites["site"], sites["first"], sites["first_stats"]
    assert isinstance(site, Path) and isinstance(first, dict) and isinstance(before, dict)
    after, now = stats(site), tree(site)
    kept = [rel for rel in now if rel in first and now[rel] == first[rel]]
    changed = [rel for rel in now if rel not in first or now[rel] != first[rel]]
    assert kept and changed
    charts = [rel for rel in kept if "/charts/" in "/" + rel]
    assert any(rel.endswith(".png") for rel in charts) and any(
        rel.endswith(".svg") for rel in charts
    )
    assert any(rel.endswith(".html") for rel in kept)
    for rel in kept:
        if rel != incremental.MANIFEST:
            assert after[rel] == before[rel], f"{rel}: same bytes but rewritten"
    for rel in changed:
        assert after.get(rel) != before.get(rel)
    assert "chart images:" in str(sites["log"]) and " reused" in str(sites["log"])


def test_a_corrupt_manifest_means_a_full_publish(shared: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    with Store(tmp_path / "norte.duckdb") as store:
        ingest(store, [shared / "census" / "country.xlsx"], out=io.StringIO())
        write_site(store, site, "official", languages=("en",), geo_dir=shared / "geo", built=T1)
        before = stats(site)
        manifest = json.loads((site / incremental.MANIFEST).read_text())
        assert manifest["format"] == incremental.FORMAT and "index.html" in manifest["files"]
        (site / incremental.MANIFEST).write_text("{not json")
        log = io.StringIO()
        write_site(
            store, site, "official", log, languages=("en",), geo_dir=shared / "geo", built=T1
        )
    after = stats(site)
    assert "0 unchanged" in log.getvalue() and "0 reused" in log.getvalue()
    assert all(after[rel][0] != before[rel][0] for rel in before if rel in after)


def test_a_previous_file_changed_by_hand_is_written_again(shared: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    with Store(tmp_path / "norte.duckdb") as store:
        ingest(store, [shared / "census" / "country.xlsx"], out=io.StringIO())
        write_site(store, site, "official", languages=("en",), geo_dir=shared / "geo", built=T1)
        good = tree(site)
        svg = next(rel for rel in good if rel.startswith("charts/") and rel.endswith(".svg"))
        (site / svg).write_text("<svg>tampered</svg>")
        (site / "index.html").write_text("tampered")
        write_site(store, site, "official", languages=("en",), geo_dir=shared / "geo", built=T1)
    again = tree(site)
    assert again[svg] == good[svg] and again["index.html"] == good["index.html"]


def test_with_force_a_site_holding_foreign_files_is_published_in_full(
    shared: Path, tmp_path: Path
) -> None:
    """Its contents go to a backup folder, which must not share any file with the new site."""
    site = tmp_path / "site"
    with Store(tmp_path / "norte.duckdb") as store:
        ingest(store, [shared / "census" / "country.xlsx"], out=io.StringIO())
        write_site(store, site, "official", languages=("en",), geo_dir=shared / "geo", built=T1)
        (site / "important.txt").write_text("mine")
        log = io.StringIO()
        write_site(
            store, site, "official", log, languages=("en",), geo_dir=shared / "geo", built=T1,
            force=True,
        )  # fmt: skip
    assert "0 unchanged" in log.getvalue() and "0 reused" in log.getvalue()
    (backup,) = tmp_path.glob("site.norte-backup-*")
    assert (backup / "important.txt").read_text() == "mine"
    assert all(os.stat(p).st_nlink == 1 for p in site.rglob("*") if p.is_file())


def test_png_from_the_svg_is_the_bytes_vegalite_to_png_gives(shared: Path) -> None:
    """The PNG is rasterized from the chart's SVG (one layout instead of two): its bytes are
    those ``vegalite_to_png`` gives for the spec, in each language's locale, on real rows."""
    import gzip

    import vl_convert as vlc

    from norte.publish.charts import time_lines

    with gzip.open(shared / "census/api/exports-country-2013-2024.json.gz", "rt") as f:
        got = json.load(f)
    h = got[0]
    rows = [
        {"period": f"{r[h.index('YEAR')]}-{r[h.index('MONTH')]}-01", "value": int(r[2]), "to": r[1]}
        for r in got[1:]
        if r[0] in ("1220", "2010") and r[h.index("YEAR")] >= "2022"
    ]
    for locale in ("en-US", "es-MX", "fr-FR"):
        c = time_lines("t", "Exportaciones, é", "n", rows, "period", "value", "to", "US$", locale)
        want = vlc.vegalite_to_png(
            c.spec,
            scale=1.5,
            format_locale=locale,  # type: ignore[arg-type]
            time_format_locale=locale,  # type: ignore[arg-type]
            allowed_base_urls=[],
        )
        assert c.render_png() == bytes(want), locale
