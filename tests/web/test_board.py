"""The live board of ``norte serve``: a goal an editor publishes in the browser shows, with its
light, under its shared goal; a draft does not; the light is the one ``norte goals status``
computes from the same snapshot."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from norte.accounts import published_goals
from norte.goals import lights, load_shared
from norte.publish.i18n import catalog
from norte.store import Store
from norte.web.access import set_resolver
from norte.web.app import create_app
from norte.web.routes.account_i18n import goal_strings

from ..accounts.conftest import BASE, USERS, populate, sign_in
from ..accounts.test_goals_watches import form
from .conftest import Served


@pytest.fixture
def board_client(served: Served, tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    accounts = tmp_path / "norte.accounts.sqlite"
    populate(accounts)
    app = create_app(served.db, accounts=accounts, render=served.render, sites_dir=tmp_path)
    with TestClient(app, base_url=BASE) as c:
        yield c, accounts
    set_resolver(None)
    app.state.pool.close()
    app.state.sites.close()


def test_a_published_goal_is_lit_on_the_board(
    board_client: tuple[TestClient, Path], served: Served
) -> None:
    client, accounts = board_client
    before = client.get("/board.json").json()["goals"]
    assert [g["number"] for g in before] == [1, 2, 3, 4]  # anonymous callers see the board
    assert all(g["stakeholder_goals"] == [] for g in before)

    csrf = sign_in(client, USERS["editor"][0])
    assert client.post("/orgs/acme/goals", data=form(csrf), follow_redirects=False).is_redirect
    draft = client.get("/board.json").json()["goals"]
    assert all(g["stakeholder_goals"] == [] for g in draft)  # a draft is not on the board

    client.post("/orgs/acme/goals/acme-mx-trade/publish", data={"csrf": csrf})
    board = {g["number"]: g for g in client.get("/board.json").json()["goals"]}
    (mine,) = board[3]["stakeholder_goals"]
    assert mine["id"] == "acme-mx-trade" and mine["owner"] == "ACME Trade Association"
    (light,) = mine["lights"]

    snapshot = served.app.state.pool.current()
    with Store(snapshot.path, read_only=True) as store:
        (expected,) = lights(store.con, published_goals(accounts))
    assert light["status"] == expected.status.status
    assert light["status"] in ("on_track", "at_risk", "off_track")  # lit, not grey
    assert light["latest_value"] == pytest.approx(expected.status.latest_value)
    colour = {"on_track": "green", "at_risk": "amber", "off_track": "red"}[light["status"]]
    assert light["colour"] == colour

    page = client.get("/board")
    assert page.status_code == 200
    block = page.text.split('id="acme-mx-trade"')[1].split("</div>")[0]
    assert f'class="light {colour}"' in block and "ACME Trade Association" in block

    # the board in Spanish and French (/es/board, /fr/board): titles and statuses translated
    for lang in ("es", "fr"):
        strings = goal_strings(lang)
        page = client.get(f"/{lang}/board")
        assert page.status_code == 200 and f'<html lang="{lang}">' in page.text
        assert catalog(lang)["acct_board_intro"] in html.unescape(page.text)
        block = html.unescape(page.text.split('id="acme-mx-trade"')[1].split("</div>")[0])
        assert strings[f"status_{light['status']}"] in block
        assert goal_strings("en")[f"status_{light['status']}"] not in block
        assert html.unescape(page.text).count(load_shared()[0].title[lang]) == 1
