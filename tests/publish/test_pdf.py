"""``norte report --pdf``: the PDF opens, and its pages show the charts (rendered to images by
``pdftoppm`` from poppler-utils and checked for drawn content, text checked with ``pdftotext``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.publish.conftest import BuiltSite

NEEDS = [t for t in ("chromium", "pdftoppm", "pdftotext", "pdfinfo") if not shutil.which(t)]
pytestmark = pytest.mark.skipif(
    bool(NEEDS),
    reason=f"not installed: {', '.join(NEEDS)} (apt-get install chromium poppler-utils)",
)


def _ink(ppm: bytes) -> float:
    """Share of non-white pixels of a binary PPM (P6) image."""
    parts = ppm.split(maxsplit=4)
    assert parts[0] == b"P6"
    pixels = parts[4]
    dark = sum(1 for i in range(0, len(pixels) - 2, 3) if min(pixels[i : i + 3]) < 200)
    return dark / (len(pixels) / 3)


def test_report_pdf_opens_and_pages_show_the_charts(
    official_site: BuiltSite, tmp_path: Path
) -> None:
    out = tmp_path / "report.pdf"
    r = subprocess.run(
        [
            sys.executable, "-m", "norte.cli", "--db", str(official_site.db), "report", "--pdf",
            "--out", str(out), "--lang", "es", "--geo-dir", str(official_site.geo),
        ],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert f"norte report: {out}" in r.stderr
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True)
    pages = int(next(ln.split()[-1] for ln in info.stdout.splitlines() if ln.startswith("Pages:")))
    assert pages >= 5
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    for title in (
        "Saldo comercial de EE. UU. con México",
        "Mapa de Prosperidad Compartida",
        "Cruces de camiones hacia EE. UU.",
    ):
        assert title in text, title
    subprocess.run(["pdftoppm", "-r", "30", str(out), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p-*.ppm"))
    assert len(images) == pages
    inks = [_ink(p.read_bytes()) for p in images]
    # every page has something drawn; the chart pages are well above text-only density
    assert min(inks) > 0.003, inks
    assert sum(1 for i in inks if i > 0.05) >= 3, inks


def test_report_without_chromium_says_how_to_install(
    official_site: BuiltSite, tmp_path: Path
) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "norte.cli", "--db", str(official_site.db), "report", "--pdf",
         "--out", str(tmp_path / "x.pdf")],
        capture_output=True, text=True, timeout=300,
        env={"PATH": "/nonexistent", "NORTE_CHROMIUM": ""},
    )  # fmt: skip
    assert r.returncode != 0
    assert "apt-get install -y chromium" in r.stderr
    assert not (tmp_path / "x.pdf").exists()
