"""``norte serve`` in Debian's Chromium (issue 16's walk-through): sign in, add a stakeholder
goal through the form, publish it and see its light on the board; on a partner page served by
the app, hover the chart, switch to year over year, open the permalink in a new page and find
the same state."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from norte.web.access import set_resolver
from norte.web.app import create_app

from ..accounts.conftest import PASSWORD, USERS, populate
from ..accounts.test_goals_watches import form
from .conftest import Served

CHROMIUM = os.environ.get("NORTE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(f"Chromium is not installed ({CHROMIUM})", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")
uvicorn = pytest.importorskip("uvicorn")

from norte.publish.pdf import CHROMIUM_FLAGS  # noqa: E402

FLAGS = [f for f in CHROMIUM_FLAGS if f != "--headless"]
FIG = "#mex-exports-imports"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(served: Served, tmp_path: Path) -> Iterator[str]:
    accounts = tmp_path / "norte.accounts.sqlite"
    populate(accounts)
    app = create_app(served.db, accounts=accounts, render=served.render, sites_dir=tmp_path)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(10)
    set_resolver(None)
    app.state.pool.close()
    app.state.sites.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


def _fill(page: Any, fields: dict[str, str]) -> None:
    for name, value in fields.items():
        if name == "csrf":
            continue
        el = page.locator(f"form [name={name}]").first
        if el.evaluate("e => e.tagName") == "SELECT":
            el.select_option(value)
        else:
            el.fill(value)


def _hover(page: Any, period: str) -> str:
    plot = page.locator(f"{FIG} svg.nc-plot")
    plot.scroll_into_view_if_needed()
    x = page.evaluate(f"p => document.querySelector('{FIG}').norteChart.clientX(p)", period)
    box = plot.bounding_box()
    page.mouse.move(x, box["y"] + box["height"] / 2)
    tip = page.locator(f"{FIG} .nc-tip")
    tip.wait_for(state="visible")
    return str(tip.inner_text())


def test_sign_in_add_a_goal_see_it_lit_and_share_a_chart(server: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(server + "/signin")
    page.fill("input[name=email]", USERS["editor"][0])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button").first.click()
    page.wait_for_url(lambda u: "/signin" not in u)
    assert USERS["editor"][0] in page.content()

    page.goto(server + "/orgs/acme/goals/new")
    _fill(page, form(""))
    page.locator("form button").last.click()
    page.wait_for_load_state()
    assert "acme-mx-trade" in page.content() and "draft" in page.content()
    page.locator("form.inline button", has_text="Publish").click()
    page.wait_for_load_state()

    page.goto(server + "/board")
    light = page.locator("#acme-mx-trade .light").first
    assert light.get_attribute("class").split()[1] in ("green", "amber", "red")  # lit

    page.goto(server + "/partner-mex.html", timeout=300_000)  # first page: renders the site
    page.locator(FIG).get_by_label("Show", exact=True).select_option("yoy")
    tip = _hover(page, "2024-03-01")
    assert tip.splitlines()[0] == "Mar 2024" and "%" in tip
    link = page.locator(f"{FIG} a.nc-permalink").get_attribute("href")
    assert "t=yoy" in link

    other = browser.new_page(viewport={"width": 1100, "height": 900})
    other.goto(server + "/partner-mex.html" + link)
    assert other.locator(FIG).get_by_label("Show", exact=True).input_value() == "yoy"
    assert _hover(other, "2024-03-01") == tip
    other.close()
    page.close()
    assert errors == []
