"""Screenshots of a built site and its PDF report into docs/screenshots/ (``make screenshots``).

    python scripts/screenshots.py SITE_DIR OUT_DIR [REPORT_PDF]

The pages are served from 127.0.0.1 and rendered by Debian's Chromium through Playwright (as
the browser tests do): the home page (the board), a goal page (goal 2: the semáforo bands of
real GDP growth) and the Mexico partner page (at "Mexico's side"). With a PDF, its cover and the first page of the
"why each light has its colour" section are rendered by pdftoppm. Every image is a PNG kept
under 300 KB (the page images at 1100 px wide, viewport-sized; the PDF pages at 60 dpi).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from playwright import sync_api

CHROMIUM = os.environ.get("NORTE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
MAX_BYTES = 300_000
#: (file, page, height of the viewport shot)
PAGES = (
    ("home.png", "index.html", 1500),
    ("goal-2.png", "goal-2.html", 1500),
    ("partner-mex.png", "partner-mex.html#own-side", 1500),  # Mexico's own side
)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def pages(site: Path, out: Path) -> list[Path]:
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    written = []
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
            for name, url, height in PAGES:
                page = browser.new_page(viewport={"width": 1100, "height": height})
                page.goto(base + url)
                page.screenshot(path=str(out / name))
                page.close()
                written.append(out / name)
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    return written


def _page_of(pdf: Path, heading: str) -> int:
    """The first page (1-based, past the contents) whose text starts with ``heading``."""
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for i, page in enumerate(text.split("\f")[2:], 3):
        if " ".join(page.split()).startswith(heading):
            return i
    raise SystemExit(f"{pdf}: no page starts with {heading!r}")


def pdf_pages(pdf: Path, out: Path) -> list[Path]:
    from norte.publish.i18n import catalog

    written = []
    goals = _page_of(pdf, "4. " + catalog("en")["report_charts_goals"])
    for name, page in (("report-cover", 1), ("report-goals", goals)):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page), "-singlefile"]
            + [str(pdf), str(out / name)],
            check=True,
        )
        written.append(out / f"{name}.png")
    return written


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    site, out = Path(argv[0]), Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    written = pages(site, out)
    if len(argv) > 2:
        written += pdf_pages(Path(argv[2]), out)
    for p in written:
        size = p.stat().st_size
        print(f"{p}: {size / 1000:.0f} KB")
        if size > MAX_BYTES:
            print(f"{p} is over {MAX_BYTES / 1000:.0f} KB", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
