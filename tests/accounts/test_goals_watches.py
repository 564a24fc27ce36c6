"""Stakeholder goals in the browser (the validation of ``norte goals add``, errors on the
form, draft → published, the board's :func:`published_goals`) and watch lists with their
personal Atom feed."""

from __future__ import annotations

import datetime as dt
import html
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from norte.accounts import Accounts, published_goals
from norte.accounts import goals as gls
from norte.accounts import watches as wat
from norte.goals import GoalFileError, parse_stakeholder_file
from norte.store import Store
from norte.web.access import set_resolver
from norte.web.routes.accounts import install

from .conftest import BASE, USERS, sign_in

EDITOR = USERS["editor"][0]
IND = "us-total-trade-annual.mex"
TOML = f"""[[goals]]
id = "acme-mx-trade"
owner = "ACME Trade Association"
parent = 3
title = "U.S.–Mexico trade above US$1 trillion"
indicators = ["{IND}"]

[[goals.targets]]
indicator = "{IND}"
value = 1.0e12
date = "DATE"
direction = "higher_is_better"
baseline = "2019"
rationale = "our members export to Mexico"
citation = "ACME board, 2026"
"""


def form(csrf: str, date: str = "2030", **extra: str) -> dict[str, str]:
    return {
        "csrf": csrf,
        "id": "acme-mx-trade",
        "parent": "3",
        "title": "U.S.–Mexico trade above US$1 trillion",
        "indicators": IND,
        "target_indicator": IND,
        "target_value": "1.0e12",
        "target_date": date,
        "target_direction": "higher_is_better",
        "target_baseline": "2019",
        "target_rationale": "our members export to Mexico",
        "target_citation": "ACME board, 2026",
    } | extra


def _file_error(tmp_path: Path, date: str) -> GoalFileError:
    f = tmp_path / "acme.toml"
    f.write_text(TOML.replace("DATE", date), encoding="utf-8")
    with pytest.raises(GoalFileError) as e:
        parse_stakeholder_file(f)
    return e.value


def test_form_errors_are_those_of_goals_add_next_to_the_field(
    client: TestClient, accounts_path: Path, tmp_path: Path
) -> None:
    csrf = sign_in(client, EDITOR)
    expected = _file_error(tmp_path, "2030-13")
    assert expected.place == "goals[0].targets[0].date"
    r = client.post("/orgs/acme/goals", data=form(csrf, "2030-13"))
    assert r.status_code == 422
    block = r.text.split('id="target_date-error"')[1].split("</p>")[0]
    assert f"{expected.problem} — {expected.hint}" in html.unescape(block)
    assert 'value="2030-13"' in r.text
    r = client.post("/orgs/acme/goals", data=form(csrf, indicators="no-such-indicator"))
    assert r.status_code == 422 and 'id="indicators-error"' in r.text
    r = client.post("/orgs/acme/goals", data=form(csrf, target_value="lots"))
    assert r.status_code == 422 and 'id="target_value-error"' in r.text
    acc = Accounts(accounts_path)
    assert gls.org_goals(acc.con, "acme") == []  # nothing written
    acc.close()


def test_draft_then_published_on_the_board(
    client: TestClient, accounts_path: Path, tmp_path: Path
) -> None:
    csrf = sign_in(client, EDITOR)
    r = client.post("/orgs/acme/goals", data=form(csrf), follow_redirects=False)
    assert r.status_code == 303
    assert published_goals(accounts_path) == []  # a draft is not on the board
    listing = client.get("/orgs/acme/goals.json").json()
    assert [(g["id"], g["state"]) for g in listing] == [("acme-mx-trade", "draft")]
    r = client.post("/orgs/acme/goals/acme-mx-trade/publish", data={"csrf": csrf})
    assert r.status_code == 200  # followed to the list
    (goal,) = published_goals(accounts_path)
    f = tmp_path / "acme.toml"
    f.write_text(TOML.replace("DATE", "2030"), encoding="utf-8")
    (same,) = parse_stakeholder_file(f)
    assert goal.as_dict() == same.as_dict()  # exactly what 'norte goals add' would register
    assert goal.owner == "ACME Trade Association" and goal.parent == 3

    # editing goes back to draft: the board shows only what an editor published
    page = client.get("/orgs/acme/goals/acme-mx-trade/edit")
    assert 'value="2030"' in page.text and "acme-mx-trade" in page.text
    r = client.post("/orgs/acme/goals/acme-mx-trade", data=form(csrf, "2031"))
    assert r.status_code == 200
    assert published_goals(accounts_path) == []
    assert (
        client.get("/orgs/acme/goals/acme-mx-trade.json").json()["spec"]["targets"][0]["date"]
        == "2031"
    )


def test_owner_cannot_be_claimed_and_ids_are_unique_across_orgs(
    app: FastAPI, accounts_path: Path
) -> None:
    with TestClient(app, base_url=BASE) as other:
        csrf = sign_in(other, USERS["other"][0])
        r = other.post("/orgs/beta/goals", data=form(csrf, owner="ACME Trade Association"))
        assert r.status_code == 200
    with TestClient(app, base_url=BASE) as acme:
        csrf = sign_in(acme, EDITOR)
        r = acme.post("/orgs/acme/goals", data=form(csrf))
        assert r.status_code == 422
        assert "taken by another organisation" in r.text.split('id="id-error"')[1]
    acc = Accounts(accounts_path)
    (g,) = gls.org_goals(acc.con, "beta")
    assert g.spec["owner"] == "Beta Council"
    assert gls.org_goals(acc.con, "acme") == []
    acc.close()


class FakeSource:
    """Two entries per watch, dated so the feed's order can be checked."""

    def feed(self, watches: Iterable[wat.Watch]) -> list[tuple[wat.Watch, wat.FeedEntry]]:
        return [
            (w, wat.FeedEntry(f"{w.kind}/{w.target}/{d}", f"{w.target} {d}", d, "s"))
            for w in watches
            for d in (dt.date(2026, 1, 5), dt.date(2026, 3, 1))
        ]


@pytest.fixture
def feed_app(accounts_path: Path) -> Iterator[FastAPI]:
    app = FastAPI()
    acc = install(app, accounts_path, watch_source=FakeSource())
    yield app
    set_resolver(None)
    acc.close()


def test_watches_and_the_revocable_feed(feed_app: FastAPI) -> None:
    with TestClient(feed_app, base_url=BASE) as c:
        csrf = sign_in(c, USERS["viewer"][0])
        for kind, target in (("partner", "mex"), ("indicator", IND), ("light", "goal-3")):
            assert (
                c.post(
                    "/me/watches",
                    data={"csrf": csrf, "kind": kind, "target": target},
                    follow_redirects=False,
                ).status_code
                == 303
            )
        bad = c.post("/me/watches", data={"csrf": csrf, "kind": "partner", "target": "Narnia"})
        assert bad.status_code == 422 and "expected a partner code" in bad.text
        bad = c.post("/me/watches", data={"csrf": csrf, "kind": "series", "target": "dataset=x"})
        assert bad.status_code == 422 and "source required" in html.unescape(bad.text)
        watches = c.get("/me.json").json()["watches"]
        assert [(w["kind"], w["target"]) for w in watches] == [
            ("partner", "MEX"),
            ("indicator", IND),
            ("light", "goal-3"),
        ]
        url = c.post(
            "/me/feed-token", data={"csrf": csrf}, headers={"Accept": "application/json"}
        ).json()["feed_url"]
        anon = TestClient(feed_app, base_url=BASE)
        r = anon.get(url)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
        ns = {"a": "http://www.w3.org/2005/Atom"}
        root = ET.fromstring(r.content)
        updated = [e.findtext("a:updated", namespaces=ns) for e in root.findall("a:entry", ns)]
        assert len(updated) == 6 and updated == sorted(updated, reverse=True)
        assert root.findtext("a:updated", namespaces=ns) == "2026-03-01T00:00:00Z"
        # a new address stops the old one; revoking stops the new one
        url2 = c.post(
            "/me/feed-token", data={"csrf": csrf}, headers={"Accept": "application/json"}
        ).json()["feed_url"]
        assert anon.get(url).status_code == 404 and anon.get(url2).status_code == 200
        assert c.post("/me/feed-token/revoke", data={"csrf": csrf}).status_code == 200
        assert anon.get(url2).status_code == 404
        assert anon.get("/feeds/watches.atom").status_code == 404


def test_store_source_reads_a_real_series(shared: Path, tmp_path: Path) -> None:
    from norte.sources import fred_csv

    prov = {"provenance_dirs": [str(Path(__file__).resolve().parents[2] / "provenance")]}
    db = tmp_path / "norte.duckdb"
    with Store(db) as store:
        store.load_file(shared / "fred" / "GDPC1.csv", fred_csv, options=prov)
        vintage, last, n = store.con.execute(
            "SELECT vintage, max(period), count(*) FROM observations GROUP BY vintage"
        ).fetchone()
    target = wat.check_target("series", "dataset=fred_GDPC1&source=fred")
    w = wat.Watch(1, "series", target, "")
    (item,) = wat.store_source(db).feed([w])
    assert (
        item[1].updated == vintage
        and f"in {last.year} Q{(last.month - 1) // 3 + 1}" in item[1].summary
    )
    assert f"{n:,} value(s)" in item[1].summary
    none = wat.Watch(2, "series", "dataset=fred_NOPE&source=fred", "")
    assert wat.store_source(db).feed([none]) == []
    assert wat.store_source(tmp_path / "missing.duckdb").feed([w]) == []


def test_store_source_lights_indicators_and_partner_findings(store: Store, tmp_path: Path) -> None:
    con = store.con
    v1, v2 = dt.date(2025, 2, 6), dt.date(2025, 8, 6)
    now = dt.datetime(2026, 1, 1)
    for v, status in ((v1, "at_risk"), (v2, "on_track")):
        con.execute(
            "INSERT INTO goal_status (goal_id, target_id, input_vintage, status, reason, "
            "computed_at) VALUES ('goal-3', 't1', ?, ?, 'projection', ?)",
            [v, status, now],
        )
        con.execute(
            "INSERT INTO indicator_values (indicator_id, base_id, period, freq, value, unit, "
            "input_vintage, inputs_hash, computed_at) VALUES (?, ?, ?, 'A', ?, 'USD', ?, 'h', ?)",
            [IND, IND.split(".")[0], dt.date(v.year - 1, 1, 1), 8.0e11 + v.month, v, now],
        )
    for i, (subject, v) in enumerate(
        (
            ({"partner": "MEX", "other": "CAN"}, v1),
            ({"partner": "CHN"}, v2),
            ({"partner": "CAN"}, v2),
        )
    ):
        con.execute(
            "INSERT INTO findings VALUES (?, 'record', '2024', DATE '2024-01-01', 'A', 1.0, ?, "
            "?, [], ?, '{}')",
            [f"f{i}", v, json.dumps(subject), f"headline {i}"],
        )
    store.close()
    db = store.path
    src = wat.store_source(db)
    light = wat.Watch(1, "light", "goal-3/t1", "")
    ind = wat.Watch(2, "indicator", IND, "")
    can = wat.Watch(3, "partner", "CAN", "")
    got = src.feed([light, ind, can])
    by = {w.kind: [e for x, e in got if x is w] for w in (light, ind, can)}
    assert [(e.updated, e.title) for e in by["light"]] == [
        (v2, "goal-3 t1: on track"),
        (v1, "goal-3 t1: at risk"),
    ]
    assert [e.updated for e in by["indicator"]] == [v2, v1]
    assert by["indicator"][0].title == f"{IND}: US$800.0 bn in 2024"
    # CAN is the partner of one finding and the "other" side of another; CHN's is not about it
    assert sorted(e.title for e in by["partner"]) == ["headline 0", "headline 2"]
