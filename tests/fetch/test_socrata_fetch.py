"""`norte fetch socrata` against the replay server answering Socrata's SoQL JSON
(https://dev.socrata.com/docs/queries/) for BTS Border Crossing Entry Data (keg4-3bc2), built
from the real rows of ../shared/data/bts/border_crossing_entry_data.csv.gz (2024 onwards)."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import re
import time
from pathlib import Path

import pytest

from norte.errors import ConfigError, InputError
from norte.fetch import socrata
from norte.sources import bts_crossings, detect, socrata_bts
from norte.store import Store
from tests.fetch.conftest import HTML, Replay, client, run_cli, transient_failures_then_success

TOKEN = "socrata-app-token-0123456789abcdef"
UPDATED = 1741046400  # 2025-03-04 00:00 UTC
SINCE = "2024-07-01"


def real_rows(shared: Path) -> list[dict[str, str]]:
    with gzip.open(shared / "bts/border_crossing_entry_data.csv.gz", "rt", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r for r in rows if dt.datetime.strptime(r["Date"], "%b %Y").date().isoformat() >= SINCE]


def as_api(r: dict[str, str]) -> dict[str, object]:
    m = re.match(r"POINT \((\S+) (\S+)\)", r["Point"])
    row: dict[str, object] = {
        "port_name": r["Port Name"],
        "state": r["State"],
        "port_code": r["Port Code"],
        "border": r["Border"],
        "date": dt.datetime.strptime(r["Date"], "%b %Y").strftime("%Y-%m-%dT00:00:00.000"),
        "measure": r["Measure"],
        "value": r["Value"],
        "latitude": r["Latitude"],
        "longitude": r["Longitude"],
    }
    if m:
        row["point"] = {"type": "Point", "coordinates": [float(m.group(1)), float(m.group(2))]}
    return row


def handler(rows: list[dict[str, object]], updated: list[int]):  # type: ignore[no-untyped-def]
    ok = {"Content-Type": "application/json;charset=utf-8"}

    def handle(method: str, path: str, q: dict[str, list[str]], body: bytes):  # type: ignore[no-untyped-def]
        if path == "/api/views/keg4-3bc2.json":
            meta = {
                "id": "keg4-3bc2",
                "name": "Border Crossing Entry Data",
                "rowsUpdatedAt": updated[0],
            }
            return 200, ok, json.dumps(meta).encode()
        if path != "/resource/keg4-3bc2.json":
            return 404, ok, b'{"code":"not_found","error":true,"message":"Not found"}'
        where = q.get("$where", [""])[0]
        picked = rows
        if where:
            m = re.fullmatch(r"date >= '(\d{4}-\d\d-\d\d)'", where)
            if not m:
                err = {
                    "code": "query.compiler.malformed",
                    "error": True,
                    "message": f"Could not parse {where}",
                }
                return 400, ok, json.dumps(err).encode()
            picked = [r for r in rows if str(r["date"]) >= m.group(1)]
        off, lim = int(q["$offset"][0]), int(q["$limit"][0])
        return 200, ok, json.dumps(picked[off : off + lim]).encode()

    return handle


@pytest.fixture
def api(replay: Replay, shared: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    rows = real_rows(shared)
    updated = [UPDATED]
    replay.handler = handler([as_api(r) for r in rows], updated)
    monkeypatch.setenv("NORTE_SOCRATA_URL", replay.base)
    monkeypatch.setenv("NORTE_SOCRATA_TOKEN", TOKEN)
    return replay, rows, updated


def contents(db: Path) -> tuple[object, ...]:
    with Store(db) as s:
        obs = s.con.execute(
            "SELECT count(*), sum(value), max(vintage), max(load_id) FROM observations"
        ).fetchone()
        loads = s.con.execute("SELECT count(*), max(load_id) FROM loads").fetchone()
        places = s.con.execute("SELECT count(*) FROM places").fetchone()
    return (obs, loads, places)


def fetch(tmp_path: Path, config: dict[str, object], sleeps: list[float] | None = None) -> list:  # type: ignore[type-arg]
    c = client(tmp_path, sleeps)
    try:
        return socrata.SOCRATA.fetch(c, config, tmp_path / "out", lambda m: None)
    finally:
        c.close()


def test_cli_pages_and_same_observations_as_the_csv(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    replay, rows, _ = api
    env = {"NORTE_SOCRATA_URL": replay.base, "NORTE_SOCRATA_TOKEN": TOKEN}
    r = run_cli(
        ["fetch", "socrata", "--where", f"date >= '{SINCE}'", "--page", "1000"], tmp_path, env
    )
    assert r.returncode == 0, r.stderr
    pages = [q for q in replay.requests if q.target.startswith("/resource/")]
    assert len(pages) == len(rows) // 1000 + 1
    assert all(q.headers.get("X-App-Token") == TOKEN for q in replay.requests)
    assert TOKEN not in r.stderr
    for f in (tmp_path / "downloads").rglob("*"):
        if f.is_file():
            assert TOKEN.encode() not in f.read_bytes()
    saved = list((tmp_path / "downloads").glob("*.json"))
    assert len(saved) == 1 and detect(saved[0]) is socrata_bts
    assert "vintage 2025-03-04" in r.stderr
    cols = "dataset, partner, geo_code, measure, unit, period, value, status"
    with Store(tmp_path / "s.duckdb") as s:
        api_rows = s.con.execute(f"SELECT {cols} FROM observations ORDER BY ALL").fetchall()
    sub = tmp_path / "crossings.csv"
    with open(sub, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(bts_crossings.COLUMNS))
        w.writeheader()
        w.writerows(rows)
    with Store(tmp_path / "csv.duckdb") as s:
        s.load_file(sub, bts_crossings)
        csv_rows = s.con.execute(f"SELECT {cols} FROM observations ORDER BY ALL").fetchall()
    assert api_rows == csv_rows and len(api_rows) > 1000


def test_errors(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    replay, _, _ = api
    with pytest.raises(InputError, match="query.compiler.malformed"):
        fetch(tmp_path, {"where": "date >>> 1"})
    with pytest.raises(ConfigError, match="does not read dataset abcd-1234") as e:
        fetch(tmp_path, {"dataset": "abcd-1234"})
    assert "TransBorder on Socrata is not read" in str(e.value)
    assert "load the monthly TransBorder zips" in str(e.value)
    replay.script = [HTML]
    with pytest.raises(InputError, match="body is HTML"):
        fetch(tmp_path, {})
    meta = json.dumps({"rowsUpdatedAt": UPDATED + 1}).encode()
    renamed = json.dumps([{"port": "Jackman", "state": "Maine"}]).encode()
    replay.script = [(200, {}, meta), (200, {}, renamed)]
    with pytest.raises(InputError, match="row 0: field 'port_name' is missing"):
        fetch(tmp_path, {})
    replay.script = [
        (200, {}, json.dumps({"rowsUpdatedAt": UPDATED + 2}).encode()),
        (200, {}, b"[]"),
    ]
    assert fetch(tmp_path, {}) == []  # no rows: nothing to load


def test_transient_failures(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    replay, _, _ = api
    transient_failures_then_success(replay, lambda sl: fetch(tmp_path, {"page": 2000}, sl))


def test_bad_row_leaves_store_and_rerun_resumes_from_cached_pages(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    replay, rows, updated = api
    env = {"NORTE_SOCRATA_URL": replay.base}
    args = ["fetch", "socrata", "--where", f"date >= '{SINCE}'", "--page", "2000"]
    ok = run_cli(args, tmp_path, env)
    assert ok.returncode == 0, ok.stderr
    before = contents(tmp_path / "s.duckdb")
    # a new release whose second page names a port norte does not know: the load is refused
    updated[0] = int(time.time()) + 1  # released after the cached pages were retrieved
    handle = replay.handler

    def bad(m: str, p: str, q: dict[str, list[str]], b: bytes):  # type: ignore[no-untyped-def]
        status, h, body = handle(m, p, q, b)
        if p.startswith("/resource/") and q["$offset"] == ["2000"]:
            page = json.loads(body)
            page[3]["port_code"] = "9999"
            body = json.dumps(page).encode()
        return status, h, body

    replay.handler = bad
    refused = run_cli(args, tmp_path, env)
    assert refused.returncode == 2 and "rows[2003]" in refused.stderr and "9999" in refused.stderr
    assert contents(tmp_path / "s.duckdb") == before  # the refused load rolled back
    # BTS corrects the rows and releases again: the rerun asks for the pages again and loads
    replay.handler = handle
    updated[0] = int(time.time()) + 2
    n = len(replay.requests)
    again = run_cli(args, tmp_path, env)
    assert again.returncode == 0, again.stderr
    assert len(replay.requests) == n + 1 + len(rows) // 2000 + 1
    assert "(loaded, vintage" in again.stderr
