"""`norte fetch inegi` against the replay server answering the INEGI indicators API shape
(https://www.inegi.org.mx/servicios/api_indicadores.html; ../shared/docs/data-sources.md):
the documented example indicator id 6207136901, answered with the real IGAE index values
(base 2018, seasonally adjusted) of ../shared/data/inegi/pib/igae_indice.xlsx as INEGI writes
them (strings with 20 decimals, newest first). The token goes in the URL path."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from norte.errors import InputError
from norte.fetch import inegi_api as inegi
from norte.sources import detect, inegi_api, inegi_pib
from norte.store import Store
from tests.fetch.conftest import HTML, Replay, client, run_cli, transient_failures_then_success

TOKEN = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
IND = "6207136901"
OTHER = "6207131349"


def igae(shared: Path, tmp: Path) -> dict[dt.date, float]:
    with Store(tmp / "igae.duckdb") as s:
        s.load_file(shared / "inegi/pib/igae_indice.xlsx", inegi_pib)
        rows = s.con.execute(
            "SELECT period, value FROM observations WHERE detail = 'adj=sa'"
        ).fetchall()
    return dict(rows)


def as_inegi(v: float) -> str:
    whole, _, frac = repr(v).partition(".")
    return f"{whole}.{frac.ljust(20, '0')}"


def handler(values: dict[dt.date, float], updated: list[str]):  # type: ignore[no-untyped-def]
    def handle(method: str, path: str, q: dict[str, list[str]], body: bytes):  # type: ignore[no-untyped-def]
        parts = path.split("/")
        ind, recent, token = parts[-7], parts[-4], parts[-1]
        if token != TOKEN:
            return 200, {"Content-Type": "text/html"}, b"<html><body>Token invalido</body></html>"
        if ind not in (IND, OTHER) or q.get("type") != ["json"]:
            err = [
                "ErrorInfo:No se encontraron resultados",
                "ErrorDetails:No se encontraron resultados",
                "ErrorCode:100",
            ]
            return 400, {"Content-Type": "application/json"}, json.dumps(err).encode()
        obs = [
            {
                "TIME_PERIOD": f"{d:%Y/%m}",
                "OBS_VALUE": as_inegi(v),
                "OBS_EXCEPTION": None,
                "OBS_STATUS": "3",
                "OBS_SOURCE": "17",
                "OBS_NOTE": "",
                "COBER_GEO": "00",
            }
            for d, v in sorted(values.items(), reverse=True)
        ]
        obs[5]["OBS_VALUE"] = ""  # INEGI's missing value (a replay gap)
        if recent == "true":
            obs = obs[:1]
        out = {
            "Header": {"Name": "API INEGI", "Email": "atencion.usuarios@inegi.org.mx"},
            "Series": [
                {
                    "INDICADOR": ind,
                    "FREQ": "8",
                    "TOPIC": "563",
                    "UNIT": "1058",
                    "NOTE": "",
                    "SOURCE": "2,3",
                    "LASTUPDATE": updated[0],
                    "STATUS": None,
                    "OBSERVATIONS": obs,
                }
            ],
        }
        return 200, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(out).encode()

    return handle


@pytest.fixture
def api(replay: Replay, shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    values = igae(shared, tmp_path)
    updated = ["21/02/2026 12:00:00 a. m."]
    replay.handler = handler(values, updated)
    monkeypatch.setenv(
        "NORTE_INEGI_URL", f"{replay.base}/app/api/indicadores/desarrolladores/jsonxml"
    )
    monkeypatch.setenv("NORTE_INEGI_TOKEN", TOKEN)
    return replay, values, updated


def env(replay: Replay) -> dict[str, str]:
    return {
        "NORTE_INEGI_URL": f"{replay.base}/app/api/indicadores/desarrolladores/jsonxml",
        "NORTE_INEGI_TOKEN": TOKEN,
    }


def fetch(tmp_path: Path, config: dict[str, object], sleeps: list[float] | None = None) -> list:  # type: ignore[type-arg]
    c = client(tmp_path, sleeps)
    try:
        return inegi.INEGI.fetch(c, config, tmp_path / "out", lambda m: None)
    finally:
        c.close()


def test_cli_loads_the_reader_numbers_and_the_token_never_shows(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    replay, values, _ = api
    r = run_cli(["fetch", "inegi", IND], tmp_path, env(replay))
    assert r.returncode == 0, r.stderr
    assert f"{len(values):,} rows (loaded, vintage 2026-02-21)" in r.stderr
    assert all(TOKEN in q.target for q in replay.requests)  # the token went to INEGI ...
    assert TOKEN not in r.stderr + r.stdout  # ... and nowhere else
    cached = [
        json.loads(f.read_text())["url"] for f in (tmp_path / "downloads/.cache").glob("*.json")
    ]
    assert cached and all("/2.0/***?type=json" in u for u in cached)  # cache keys and records
    for f in (tmp_path / "downloads").rglob("*"):
        assert TOKEN not in f.name
        if f.is_file():
            assert TOKEN.encode() not in f.read_bytes()
    saved = list((tmp_path / "downloads").glob("*.json"))
    assert len(saved) == 1 and detect(saved[0]) is inegi_api
    with Store(tmp_path / "s.duckdb") as s:
        got = dict(s.con.execute("SELECT period, value FROM observations").fetchall())
        missing = s.con.execute(
            "SELECT period FROM observations WHERE status = 'missing'"
        ).fetchall()
        loads = s.con.execute("SELECT location, vintage_from FROM loads").fetchall()
    gap = sorted(values, reverse=True)[5]
    assert missing == [(gap,)]
    assert {d: v for d, v in got.items() if d != gap} == {
        d: v for d, v in values.items() if d != gap
    }
    assert TOKEN not in json.dumps(loads, default=str)


def test_no_results_html_changed_field(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    replay, _, _ = api
    with pytest.raises(InputError, match="ErrorCode:100") as e:
        fetch(tmp_path, {"indicators": ["123"]})
    assert TOKEN not in str(e.value) and "/2.0/***" in str(e.value)
    replay.script = [HTML]
    with pytest.raises(InputError, match="body is HTML"):
        fetch(tmp_path, {"indicators": [IND]})
    renamed = {
        "Header": {},
        "Series": [
            {
                "INDICADOR": IND,
                "FREQ": "8",
                "UNIT": "1058",
                "LASTUPDATE": "21/02/2026",
                "OBSERVATIONS": [{"TIME_PERIOD": "2026/01", "OBS_VAL": "1"}],
            }
        ],
    }
    replay.script = [(200, {}, json.dumps(renamed).encode())] * 2
    with pytest.raises(InputError, match=r"OBSERVATIONS\[0\]: field 'OBS_VALUE' is missing"):
        fetch(tmp_path, {"indicators": [IND]})
    replay.script = [(204, {}, b"")]
    with pytest.raises(Exception, match="empty response"):
        fetch(tmp_path, {"indicators": [IND]})


def test_transient_failures(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    replay, _, _ = api
    transient_failures_then_success(replay, lambda sl: fetch(tmp_path, {"indicators": [IND]}, sl))


def test_probe_decides_whether_the_cached_series_is_current(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    replay, _, updated = api
    fetch(tmp_path, {"indicators": [IND]})
    n = len(replay.requests)
    fetch(tmp_path, {"indicators": [IND]})
    assert [q.target.split("/")[-4] for q in replay.requests[n:]] == ["true"]  # the probe only
    updated[0] = dt.datetime.now(dt.UTC).strftime("%d/%m/%Y 12:00:00 a. m.")  # released today
    m = len(replay.requests)
    saved = fetch(tmp_path, {"indicators": [IND]})
    assert [q.target.split("/")[-4] for q in replay.requests[m:]] == ["true", "false"]
    assert saved[0].vintage == dt.datetime.now(dt.UTC).date()


def test_failed_fetch_leaves_store_and_rerun_resumes(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    replay, _, _ = api
    handle = replay.handler
    replay.handler = lambda m, p, q, b: (
        (500, {"Retry-After": "0"}, b"error") if OTHER in p else handle(m, p, q, b)
    )
    bad = run_cli(["fetch", "inegi", IND, OTHER], tmp_path, env(replay))
    assert bad.returncode == 6 and "HTTP 500 after 5 attempts" in bad.stderr
    assert TOKEN not in bad.stderr
    assert not (tmp_path / "s.duckdb").exists()
    replay.handler = handle
    n = len(replay.requests)
    ok = run_cli(["fetch", "inegi", IND, OTHER], tmp_path, env(replay))
    assert ok.returncode == 0, ok.stderr
    # IND: probe only (its series from the cache); OTHER: probe and series
    assert len(replay.requests) == n + 3 and ok.stderr.count("(loaded") == 2
