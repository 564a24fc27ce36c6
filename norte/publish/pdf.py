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

import html as html_lib
import os
import re
import shutil
import subprocess
import tempfile
import time
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


#: a contents entry's page number: ``<span class="pg" data-for="ID" data-heading="TEXT">00</span>``
PAGE_SLOT = re.compile(r'<span class="pg" data-for="([^"]+)" data-heading="([^"]*)">[^<]*</span>')


def page_lines(pdf: Path) -> list[list[str]] | None:
    """The text lines of each page (``pdftotext``, poppler-utils), or ``None`` without it."""
    exe = shutil.which("pdftotext")
    if exe is None:
        return None
    got = subprocess.run([exe, str(pdf), "-"], capture_output=True, text=True, check=False)
    if got.returncode != 0:
        return None
    return [[" ".join(ln.split()) for ln in page.splitlines()] for page in got.stdout.split("\f")]


def contents_pages(page_html: str, pages: list[list[str]]) -> dict[str, int]:
    """Where each contents entry's heading is printed: the first page, after the contents
    page and the previous entry's page, with a line equal to the heading (1-based)."""
    found: dict[str, int] = {}
    cursor = 3  # the cover is page 1, the contents page 2
    for sid, heading in PAGE_SLOT.findall(page_html):
        want = " ".join(html_lib.unescape(heading).split())
        at = next((i for i in range(cursor, len(pages) + 1) if want in pages[i - 1]), None)
        if at is not None:
            found[sid] = cursor = at
    return found


def number_contents(page: Path, pdf: Path, progress: TextIO | None = None) -> bool:
    """Write the page numbers of ``pdf`` into the contents of ``page`` (the report's HTML);
    ``False`` when they cannot be read (no ``pdftotext``) and the contents stay unnumbered."""
    pages = page_lines(pdf)
    if pages is None:
        _say(progress, "contents: no pdftotext (poppler-utils), page numbers left out")
        return False
    text = page.read_text(encoding="utf-8")
    where = contents_pages(text, pages)

    def fill(m: re.Match[str]) -> str:
        n = where.get(m.group(1))
        return m.group(0).replace(">00</span>", f">{n if n is not None else ''}</span>")

    page.write_text(PAGE_SLOT.sub(fill, text), encoding="utf-8")
    return True


def _say(progress: TextIO | None, message: str) -> None:
    if progress is not None:
        print(f"  {message}", file=progress, flush=True)


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
            t0 = time.perf_counter()
            _say(progress, "printing with Chromium ...")
            print_pdf(page, part)
            _say(
                progress, f"printed in {time.perf_counter() - t0:.1f}s; numbering the contents ..."
            )
            if number_contents(page, part, progress):
                # the numbers take the place of same-width placeholders: nothing moves
                print_pdf(page, part)
                _say(progress, f"printed again with page numbers ({time.perf_counter() - t0:.1f}s)")
        return out.resolve()
