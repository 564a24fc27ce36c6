"""The data API on the real two-release Census store: reading in real time checked against the
store's own views and macros, pagination, CSV, unknown parameters."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import duckdb
import pytest

from tests.web.conftest import Client, Served

MEX = {"source": "census", "partner": "MEX", "flow": "export", "freq": "M"}
KEY = (
    "source, dataset, flow, reporter, partner, product_scheme, product_code, mode, geo_scheme,"
    " geo_code, detail, measure, unit, period, freq"
)


def _all(client: Client, url: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every row of ``url``, following ``next`` cursors."""
    rows: list[dict[str, Any]] = []
    got = client.get(url, params=params)
    while True:
        assert got.status_code == 200, got.text
        body = got.json()
        rows.extend(body["data"])
        if body["next"] is None:
            assert "link" not in got.headers
            return rows
        got = client.get(url, params={**params, "cursor": body["next"]})


def _store(served: Served, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    con = duckdb.connect(str(served.db), read_only=True)
    try:
        cur = con.execute(sql, params)
        cols = [d[0] for d in cur.description or ()]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


def _values(rows: list[dict[str, Any]]) -> dict[str, tuple[float, str]]:
    return {str(r["period"])[:10]: (r["value"], str(r["vintage"])[:10]) for r in rows}


@pytest.mark.parametrize(
    "as_of",
    [
        "2024-08-05",  # before the first release: nothing known
        "2024-08-06",  # the day of the first release
        "2024-12-31",  # between the releases: the workbook's numbers
        "2025-02-06",  # the revised release
        "2026-01-01",
    ],
)
def test_as_of_equals_the_store_macro(client: Client, served: Served, as_of: str) -> None:
    got = _all(client, "/api/v1/observations", {**MEX, "as_of": as_of, "limit": 200})
    want = _store(
        served,
        "SELECT period, value, vintage FROM observations_as_of(?) WHERE source = 'census' "
        "AND partner = 'MEX' AND flow = 'export' AND freq = 'M'",
        [as_of],
    )
    assert _values(got) == _values(want)
    if as_of == "2024-08-05":
        assert got == []
    # each row says until when it held: the day before the next release of its key, or null
    for r in got:
        assert r["realtime_start"] == r["vintage"] <= as_of
        assert r["realtime_end"] is None or r["realtime_end"] >= as_of


def test_between_releases_the_first_release_is_shown(client: Client) -> None:
    """2024-01 was first published in the workbook and revised by the API release."""
    params = {**MEX, "period_start": "2024-01-01", "period_end": "2024-01-01"}
    before = client.get("/api/v1/observations", params={**params, "as_of": "2024-12-31"}).json()
    after = client.get("/api/v1/observations", params=params).json()
    (b,) = before["data"]
    (a,) = after["data"]
    assert (b["vintage"], a["vintage"]) == ("2024-08-06", "2025-02-06")
    assert b["realtime_end"] == "2025-02-05" and a["realtime_end"] is None
    assert b["value"] != a["value"]  # revised


def test_latest_equals_observations_latest(client: Client, served: Served) -> None:
    got = _all(client, "/api/v1/observations", {**MEX, "limit": 5000})
    want = _store(
        served,
        "SELECT period, value, vintage FROM observations_latest WHERE source = 'census' "
        "AND partner = 'MEX' AND flow = 'export' AND freq = 'M'",
        [],
    )
    assert len(got) == len(want) > 400
    assert _values(got) == _values(want)


def test_realtime_window_lists_every_release_that_held(client: Client, served: Served) -> None:
    params = {**MEX, "realtime_start": "2024-09-01", "realtime_end": "2025-03-01"}
    got = _all(client, "/api/v1/observations", {**params, "limit": 500})
    stored = _store(
        served,
        "SELECT period, vintage, value FROM observations WHERE source = 'census' "
        "AND partner = 'MEX' AND flow = 'export' AND freq = 'M' ORDER BY period, vintage",
        [],
    )
    # a period held in the window: the first release for the periods the API also gave (both
    # releases held), one row for the others
    assert sorted((r["period"], r["vintage"]) for r in got) == sorted(
        (str(r["period"]), str(r["vintage"])) for r in stored
    )
    by_period: dict[str, list[dict[str, Any]]] = {}
    for r in got:
        by_period.setdefault(r["period"], []).append(r)
    first, revised = sorted(by_period["2024-01-01"], key=lambda r: r["vintage"])
    assert first["realtime_end"] == "2025-02-05" and revised["realtime_start"] == "2025-02-06"
    # a window before the revision sees only the first release
    early = _all(
        client,
        "/api/v1/observations",
        {**MEX, "realtime_start": "2024-09-01", "realtime_end": "2024-10-01", "limit": 500},
    )
    assert {r["vintage"] for r in early} == {"2024-08-06"}


def test_updated_after_gives_only_newer_releases(client: Client) -> None:
    got = _all(client, "/api/v1/observations", {**MEX, "updated_after": "2024-12-31", "limit": 500})
    assert got and {r["vintage"] for r in got} == {"2025-02-06"}
    none = client.get("/api/v1/observations", params={**MEX, "updated_after": "2025-02-06"})
    assert none.json()["data"] == []


def test_pages_of_a_cursor_add_up_to_the_whole(client: Client) -> None:
    whole = client.get("/api/v1/observations", params={**MEX, "limit": 10000}).json()["data"]
    first = client.get("/api/v1/observations", params={**MEX, "limit": 37})
    assert first.json()["next"] and 'rel="next"' in first.headers["link"]
    assert "cursor=" in first.headers["link"] and "partner=MEX" in first.headers["link"]
    paged = _all(client, "/api/v1/observations", {**MEX, "limit": 37})
    assert paged == whole and len(whole) > 37 * 3


def test_series_and_their_vintages(client: Client) -> None:
    (s,) = client.get(
        "/api/v1/series", params={**MEX, "dataset": "trade_by_country", "measure": "value"}
    ).json()["data"]
    assert (s["first_vintage"], s["last_vintage"], s["vintages"]) == (
        "2024-08-06",
        "2025-02-06",
        2,
    )
    v = client.get(f"/api/v1/series/{s['id']}/vintages").json()
    assert [r["vintage"] for r in v["data"]] == ["2024-08-06", "2025-02-06"]
    first, second = v["data"]
    assert first["new_periods"] == first["periods"] and first["revised"] == 0
    assert second["new_periods"] == 6  # 2024-07 .. 2024-12: not in the mid-2024 workbook
    assert second["revised"] > 0
    assert client.get("/api/v1/series/not-an-id/vintages").status_code == 404


def test_csv_with_and_without_bom(client: Client) -> None:
    params = {**MEX, "period_start": "2024-01-01", "period_end": "2024-03-01"}
    plain = client.get("/api/v1/observations", params={**params, "format": "csv"})
    assert plain.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(plain.text)))
    assert [r["period"] for r in rows] == ["2024-01-01", "2024-02-01", "2024-03-01"]
    assert float(rows[0]["value"]) > 1e10  # raw US$, not "US$26.4 bn"
    excel = client.get("/api/v1/observations", params={**params, "format": "csv", "bom": "1"})
    assert excel.content.startswith(b"\xef\xbb\xbf") and not plain.content.startswith(b"\xef")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/observations",
        "/api/v1/series",
        "/api/v1/loads",
        "/api/v1/codes",
        "/api/v1/findings",
        "/api/v1/goals",
        "/api/v1/indicators",
    ],
)
def test_unknown_parameter_is_refused_with_the_allowed_ones(client: Client, url: str) -> None:
    got = client.get(url, params={"vintage": "2024-01-01"})  # FRED's silently ignored one
    assert got.status_code == 400
    err = got.json()["error"]
    assert err["kind"] == "unknown_parameter" and err["parameter"] == "vintage"
    assert "'vintage'" in err["message"]
    allowed = client.get("/openapi.json").json()["paths"][url]["get"].get("parameters", [])
    assert err["allowed"] == sorted(p["name"] for p in allowed)


def test_bad_values_are_400_in_the_envelope(client: Client) -> None:
    for params, word in [
        ({"as_of": "2024-13-01"}, "as_of"),
        ({"as_of": "2024-01-01", "realtime_start": "2024-01-01"}, "not both"),
        ({"realtime_start": "2025-01-01", "realtime_end": "2024-01-01"}, "after"),
        ({"limit": "0"}, "limit"),
        ({"cursor": "bm90IGEgY3Vyc29y"}, "cursor"),
    ]:
        got = client.get("/api/v1/observations", params=params)
        assert got.status_code == 400, params
        assert word in got.json()["error"]["message"], got.json()


def test_catalog_routes(client: Client) -> None:
    loads = client.get("/api/v1/loads").json()["data"]
    assert [r["vintage"] for r in loads] == ["2024-08-06", "2025-02-06", "2025-02-06"]
    codes = client.get("/api/v1/codes", params={"scheme": "partner", "code": "MEX"}).json()
    assert codes["data"][0]["label_es"] == "México"
    goals = client.get("/api/v1/goals").json()["data"]
    assert [g["goal_id"] for g in goals][:4] == ["goal-1", "goal-2", "goal-3", "goal-4"]
    # the same snapshot answers the same bytes: the colours are in a fixed (sorted) order
    assert all(list(g["by_status"]) == sorted(g["by_status"]) for g in goals)
    g3 = client.get("/api/v1/goals/3").json()
    assert g3["goal"] == "goal-3" and all(light["history"] for light in g3["data"])
    assert sum(g["lights"] for g in goals if g["goal_id"] == "goal-3") == len(g3["data"])
    found = client.get("/api/v1/findings", params={"limit": 2}).json()
    assert len(found["data"]) == 2 and {"id", "type", "headline"} <= set(found["data"][0])
    ind = client.get("/api/v1/indicators", params={"goal": 3}).json()["data"]
    assert ind and {i["goal"] for i in ind} == {3}
    assert client.get("/api/v1/indicators/nope/values").status_code == 404


def test_one_indicator_says_what_its_product_detail_needs(client: Client) -> None:
    """``/api/v1/indicators/ID`` carries the store's notes of ``norte indicators show --json``:
    the Census-only store has no HS4 rows, so the autos-and-parts indicator names the command
    that loads them; a total-trade indicator is not product detail and spans no edition."""
    autos = client.get("/api/v1/indicators/us-imports-autos-parts-hs4-annual.mex")
    assert autos.status_code == 200, autos.text
    got = autos.json()["data"]
    assert got["id"] == "us-imports-autos-parts-hs4-annual.mex" and got["goal"] == 3
    detail = got["product_detail"]
    assert detail["product_scheme"] == "HS4" and "--product hs --level HS4" in detail["hint"]
    assert "2010" in detail["hint"]  # the Census code of Mexico, the instance's partner
    total = client.get("/api/v1/indicators/us-total-trade-annual.mex").json()["data"]
    assert total["product_detail"] is None and total["classification"] is None
    es = client.get("/api/v1/indicators/us-total-trade-annual.mex", params={"lang": "es"})
    assert es.json()["data"]["title"] != total["title"]
    missing = client.get("/api/v1/indicators/nope")
    assert missing.status_code == 404 and "/api/v1/indicators" in missing.json()["error"]["message"]


def test_today_is_a_valid_as_of(client: Client) -> None:
    today = dt.date.today().isoformat()
    assert client.get("/api/v1/observations", params={"as_of": today, "limit": 1}).is_success
