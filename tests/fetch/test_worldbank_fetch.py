"""`norte fetch worldbank` against the replay server answering the World Bank API v2 shape
(https://datahelpdesk.worldbank.org/knowledgebase/articles/898581): ``[meta, rows]``, paging by
``page``/``pages``/``per_page``, errors inside HTTP 200 bodies. The USA 2023 population
(336,755,052) is the value of the published example; the other rows are replay values."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import unquote

import pytest

from norte.errors import InputError
from norte.fetch import worldbank as wb
from norte.fetch.http import FetchError
from norte.sources import detect, worldbank_api
from norte.store import Store
from tests.fetch.conftest import HTML, Replay, client, run_cli, transient_failures_then_success

POP = {
    ("USA", "2023"): 336755052,
    ("MEX", "2023"): 129739759,
    ("CAN", "2023"): 40097761,
    ("USA", "2022"): 334017321,
    ("MEX", "2022"): 128613117,
    ("CAN", "2022"): None,
}
NAMES = {"USA": ("US", "United States"), "MEX": ("MX", "Mexico"), "CAN": ("CA", "Canada")}
UPDATED = "2026-07-01"


def handler(updated: list[str]):  # type: ignore[no-untyped-def]
    def handle(method: str, path: str, q: dict[str, list[str]], body: bytes):  # type: ignore[no-untyped-def]
        parts = unquote(path).split("/")
        countries, ind = parts[-3].split(";"), parts[-1]
        if ind != "SP.POP.TOTL":
            err = [
                {
                    "message": [
                        {
                            "id": "120",
                            "key": "Invalid value",
                            "value": "The provided parameter value is not valid",
                        }
                    ]
                }
            ]
            return 200, {"Content-Type": "application/json;charset=utf-8"}, json.dumps(err).encode()
        rows = [
            {
                "indicator": {"id": ind, "value": "Population, total"},
                "country": {"id": NAMES[c][0], "value": NAMES[c][1]},
                "countryiso3code": c,
                "date": y,
                "value": v,
                "unit": "",
                "obs_status": "",
                "decimal": 0,
            }
            for (c, y), v in POP.items()
            if c in countries
        ]
        per = int(q["per_page"][0])
        page = int(q["page"][0])
        pages = max(1, -(-len(rows) // per))
        meta = {
            "page": page,
            "pages": pages,
            "per_page": per,
            "total": len(rows),
            "sourceid": "2",
            "lastupdated": updated[0],
        }
        chunk = rows[(page - 1) * per : page * per]
        return (
            200,
            {"Content-Type": "application/json;charset=utf-8"},
            json.dumps([meta, chunk or None]).encode(),
        )

    return handle


@pytest.fixture
def api(replay: Replay, monkeypatch: pytest.MonkeyPatch) -> tuple[Replay, list[str]]:
    updated = [UPDATED]
    replay.handler = handler(updated)
    monkeypatch.setenv("NORTE_WORLDBANK_URL", f"{replay.base}/v2")
    return replay, updated


def fetch(tmp_path: Path, config: dict[str, object], sleeps: list[float] | None = None) -> list:  # type: ignore[type-arg]
    c = client(tmp_path, sleeps)
    try:
        return wb.WORLDBANK.fetch(c, config, tmp_path / "out", lambda m: None)
    finally:
        c.close()


POPULATION = {"indicators": ["SP.POP.TOTL"]}


def test_cli_pages_joined_loaded_with_lastupdated_vintage(
    api: tuple[Replay, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replay, _ = api
    monkeypatch.setattr(wb, "PER_PAGE", 4)  # 6 rows: 2 pages (in process only)
    saved = fetch(tmp_path, POPULATION)
    assert len([r for r in replay.requests if "page=" in r.target]) == 2
    body = json.loads(saved[0].path.read_text())
    assert len(body[1]) == 6 and body[0]["pages"] == 1
    assert detect(saved[0].path) is worldbank_api
    r = run_cli(
        ["fetch", "worldbank", "SP.POP.TOTL"],
        tmp_path,
        {"NORTE_WORLDBANK_URL": f"{replay.base}/v2"},
    )
    assert r.returncode == 0, r.stderr
    assert "6 rows (loaded, vintage 2026-07-01)" in r.stderr
    with Store(tmp_path / "s.duckdb") as s:
        got = s.con.execute(
            "SELECT reporter, year(period)::VARCHAR, value, status FROM observations "
            "WHERE dataset = 'wb_SP.POP.TOTL' AND measure = 'population' AND unit = 'persons'"
        ).fetchall()
    want = {(c, y): v for (c, y), v in POP.items()}
    assert {(c, y): v for c, y, v, _ in got} == {
        k: (None if v is None else float(v)) for k, v in want.items()
    }
    assert [st for c, y, _, st in got if (c, y) == ("CAN", "2022")] == ["missing"]


def test_error_inside_200_body_and_changed_field(
    api: tuple[Replay, list[str]], tmp_path: Path
) -> None:
    replay, _ = api
    with pytest.raises(InputError, match=r"refused the request: Invalid value \(120\)"):
        fetch(tmp_path, {"indicators": ["NY.GDP.MKTP.XX"]})
    meta = {"page": 1, "pages": 1, "per_page": 1000, "total": 1, "lastupdated": UPDATED}
    row = {"indicator": {"id": "SP.POP.TOTL"}, "country_iso3": "USA", "date": "2023", "value": 1}
    replay.script = [(200, {}, json.dumps([meta, [row]]).encode())]
    with pytest.raises(InputError, match=r"body\[1\]\[0\]: field 'countryiso3code' is missing"):
        fetch(tmp_path, POPULATION)
    replay.script = [HTML]
    with pytest.raises(InputError, match="body is HTML"):
        fetch(tmp_path, POPULATION)
    replay.script = [(204, {}, b"")]
    with pytest.raises(FetchError, match="empty response"):
        fetch(tmp_path, POPULATION)
    replay.script = [(200, {}, json.dumps([dict(meta, total=0), None]).encode())]
    assert fetch(tmp_path, POPULATION) == []  # no data: nothing to load
    assert not list((tmp_path / "out").glob("*.json"))


def test_transient_failures_are_retried(api: tuple[Replay, list[str]], tmp_path: Path) -> None:
    replay, _ = api
    transient_failures_then_success(replay, lambda sleeps: fetch(tmp_path, POPULATION, sleeps))


def test_a_newer_release_is_never_hidden_by_the_cache(
    api: tuple[Replay, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replay, updated = api
    monkeypatch.setattr(wb, "PER_PAGE", 4)
    first = fetch(tmp_path, POPULATION)
    n = len(replay.requests)
    again = fetch(tmp_path, POPULATION)
    assert len(replay.requests) == n + 1  # page 1 asked again, page 2 from the cache
    assert again[0].path == first[0].path
    today = dt.datetime.now(dt.UTC).date().isoformat()
    updated[0] = today  # the World Bank published a new release today, after the cached pages
    newer = fetch(tmp_path, POPULATION)
    assert len(replay.requests) == n + 1 + 2  # both pages asked again
    assert newer[0].vintage is not None and str(newer[0].vintage) == today


def test_failed_fetch_leaves_store_and_rerun_resumes(
    api: tuple[Replay, list[str]], tmp_path: Path
) -> None:
    replay, _ = api
    env = {"NORTE_WORLDBANK_URL": f"{replay.base}/v2"}
    ok = run_cli(["fetch", "worldbank", "SP.POP.TOTL"], tmp_path, env)
    assert ok.returncode == 0, ok.stderr
    before = (tmp_path / "s.duckdb").read_bytes()
    replay.script = [(200, {}, b'[{"page": 1, "pages": 1, "per_pag')]  # truncated JSON
    bad = run_cli(["fetch", "worldbank", "SP.POP.TOTL", "--cache-ttl", "0"], tmp_path, env)
    assert bad.returncode == 2 and "not JSON" in bad.stderr
    assert (tmp_path / "s.duckdb").read_bytes() == before
    again = run_cli(["fetch", "worldbank", "SP.POP.TOTL"], tmp_path, env)
    assert again.returncode == 0 and "already-loaded" in again.stderr
