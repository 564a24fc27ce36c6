"""The built site in a real browser: Playwright driving Debian's Chromium (``/usr/bin/chromium``,
installed by ``.ci/run``; Playwright's own browser download is not used).

Every page loads with no console error and no request leaving the site; charts render; the
language switch works; a download returns the chart's data. Screenshots of the home page, a
partner page and the prosperity map go to ``$NORTE_SCREENSHOTS`` (``make screenshots`` sets it
to ``docs/screenshots``), else to a temporary folder.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.publish.conftest import BuiltSite

CHROMIUM = os.environ.get("NORTE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(
        f"Chromium is not installed ({CHROMIUM}); apt-get install -y chromium (CI does)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api")

from norte.publish.pdf import CHROMIUM_FLAGS  # noqa: E402

FLAGS = [f for f in CHROMIUM_FLAGS if f != "--headless"]  # the launch sets headless


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(official_site: BuiltSite) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(official_site.out))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


def _watch(page: object, base: str) -> tuple[list[str], list[str]]:
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: errors.append(str(e)))  # type: ignore[attr-defined]
    page.on(  # type: ignore[attr-defined]
        "response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    page.on(  # type: ignore[attr-defined]
        "request", lambda r: None if r.url.startswith(base) else outside.append(r.url)
    )
    return errors, outside


def test_every_page_loads_clean_and_charts_render(
    official_site: BuiltSite, server: str, browser: object
) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    errors, outside = _watch(page, server)
    names = sorted(str(p.relative_to(official_site.out)) for p in official_site.out.rglob("*.html"))
    assert len(names) == official_site.pages
    for name in names:
        resp = page.goto(server + name)
        assert resp is not None and resp.status == 200, name
        # an interactive chart (js/norte-chart.js) hides its static SVG on screen
        for svg in page.locator("figure.chart svg:visible").all():
            box = svg.bounding_box()
            assert box and box["width"] > 100 and box["height"] > 100, name
            assert svg.locator("path, rect, line").count() > 3, name
    assert errors == [], errors
    assert outside == [], outside


def test_language_switch_goes_to_the_same_page(server: str, browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(server + "partner-mex.html")
    page.locator("nav.langs a[hreflang=es]").click()
    page.wait_for_load_state()
    assert page.url == server + "es/partner-mex.html"
    assert page.locator("html").get_attribute("lang") == "es"
    assert "México" in page.locator("h1").inner_text()
    page.locator("nav.langs a[hreflang=fr]").click()
    page.wait_for_load_state()
    assert page.url == server + "fr/partner-mex.html"
    page.locator("nav.langs a[hreflang=en]").click()
    page.wait_for_load_state()
    assert page.url == server + "partner-mex.html"


def test_download_returns_the_chart_data(
    official_site: BuiltSite, server: str, browser: object, tmp_path: Path
) -> None:
    ctx = browser.new_context(accept_downloads=True)  # type: ignore[attr-defined]
    page = ctx.new_page()
    page.goto(server + "fr/partner-mex.html")
    link = page.locator("#mex-exports-imports .downloads a[href$='.csv']")
    with page.expect_download() as info:
        link.click()
    got = tmp_path / "got.csv"
    info.value.save_as(got)
    text = got.read_text(encoding="utf-8")
    assert text == (official_site.out / "data/mex-exports-imports.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "month,flow,usd_bn" and len(text.splitlines()) > 100
    ctx.close()


def test_screenshots(
    official_site: BuiltSite, server: str, browser: object, tmp_path: Path
) -> None:
    out = Path(os.environ.get("NORTE_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1100, "height": 900})  # type: ignore[attr-defined]
    # a goal page when the goals pages are part of the site (issue #6), else a partner page
    second = "goal-1.html" if (official_site.out / "goal-1.html").exists() else "partner-mex.html"
    shots = {
        "home.png": ("index.html", None),
        second.replace(".html", ".png"): (second, None),
        "prosperity-map.png": ("prosperity-map.html", "#prosperity-map"),
    }
    for name, (url, selector) in shots.items():
        page.goto(server + url)
        target = page.locator(selector) if selector else page
        target.screenshot(path=str(out / name))
        assert (out / name).stat().st_size > 20_000, name
