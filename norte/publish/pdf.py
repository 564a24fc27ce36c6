"""``norte report --pdf``: the report page printed to PDF by headless Chromium.

The site (one language, no PNG downloads) is built into a temporary folder from the store and
``report.html`` is printed with Chromium's ``--print-to-pdf`` (Debian package ``chromium``;
``.ci/run`` installs it). Chromium runs with the flags that keep it off the network
(docs: GOTCHAS) and a fresh profile. The PDF is printed to a temporary file beside ``--out``
and put in place with :func:`os.replace` (:func:`norte.publish.safe.publishing_file`): a failure
leaves the previous PDF as it was, and a file that is not a PDF is not replaced without
``force``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TextIO

from norte.errors import PublishError
from norte.publish.safe import check_file, publishing_file
from norte.publish.site import render_site
from norte.store import Store

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--generate-pdf-document-outline",
)


class ReportError(PublishError):
    """The PDF could not be made (no Chromium, or Chromium failed)."""


def chromium() -> str:
    """Path of the Chromium executable (``NORTE_CHROMIUM`` or ``chromium`` on PATH)."""
    found = (
        os.environ.get("NORTE_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not found:
        raise ReportError(
            "norte report --pdf needs Chromium: install it with "
            "'apt-get install -y chromium' (or set NORTE_CHROMIUM to its path)"
        )
    return found


def print_pdf(html: Path, out: Path, timeout: float = 120) -> Path:
    """Print ``html`` (a file of a built site) to the PDF ``out`` with headless Chromium."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="norte-chromium-") as profile:
        cmd = [
            chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            html.resolve().as_uri(),
        ]
        got = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if got.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        raise ReportError(f"chromium could not print {html} to {out}: {got.stderr.strip()[-500:]}")
    return out


def report_pdf(
    db: Path,
    out: Path,
    lang: str = "en",
    mode: str | None = None,
    geo_dir: Path | None = None,
    progress: TextIO | None = None,
    force: bool = False,
) -> Path:
    """Build the report from the store ``db`` and write it as the PDF ``out`` (replaced only
    when complete; a file that is not a PDF only with ``force``, moved aside)."""
    check_file(out, force, db)  # fail before building anything: a refused target ...
    chromium()  # ... or no browser to print with
    with tempfile.TemporaryDirectory(prefix="norte-report-") as tmp:
        site = Path(tmp) / "site"
        with Store(db, read_only=True) as store:
            if mode is None:
                official = store.con.execute(
                    "SELECT count(*) FROM observations WHERE source <> 'seed'"
                ).fetchall()[0][0]
                mode = "official" if official else "seed"
            render_site(store, site, mode, progress, languages=[lang], geo_dir=geo_dir, png=False)
        page = site / ("" if lang == "en" else lang) / "report.html"
        with publishing_file(out, force=force, store=db, progress=progress) as part:
            print_pdf(page, part)
        return out.resolve()
