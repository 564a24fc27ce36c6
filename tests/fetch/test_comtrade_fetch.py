"""`norte fetch comtrade` against the replay server answering UN Comtrade v1 /get and its data
availability /getDa (https://comtradedeveloper.un.org; ../shared/docs/data-sources.md; the
getDa fields as comtradeapicall's getFinalDataAvailability returns them). The U.S. imports
from Japan in 2023 (US$151,580,564,290) are the documented example; the other rows are replay
values."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from norte.errors import InputError, NetworkError
from norte.fetch import comtrade
from norte.fetch.http import FetchError
from norte.sources import comtrade_api, detect
from norte.store import Store
from tests.fetch.conftest import HTML, Replay, client, run_cli, transient_failures_then_success

KEY = "comtrade-subscription-key-0123456789ab"
ISO = {842: "USA", 484: "MEX", 124: "CAN", 0: "W00", 392: "JPN", 156: "CHN"}
EXAMPLE = 151580564290


#: What the replay's getDa says: each period's lastReleased, and the periods it lists (None:
#: every period asked); tests change it to publish a new release.
RELEASE = {"lastReleased": "2024-06-12T00:00:00", "revision": 0}
UNLISTED: set[str] = set()


def value(rep: int, per: str, flow: str, partner: int) -> int:
    if (rep, per, flow, partner) == (842, "2023", "M", 392) and not RELEASE["revision"]:
        return EXAMPLE
    base = rep * 1_000_000 + int(per) * 10 + partner + (1 if flow == "X" else 0)
    return base + int(RELEASE["revision"])


def da_body(rep: int, freq: str, pers: list[str]) -> bytes:
    rows = [
        {
            "datasetCode": int(f"{rep}{per}"),
            "typeCode": "C",
            "freqCode": freq,
            "period": per,
            "reporterCode": rep,
            "reporterISO": ISO[rep],
            "reporterDesc": ISO[rep],
            "classificationCode": "H6",
            "classificationSearchCode": "HS",
            "isOriginalClassification": True,
            "totalRecords": 31250,
            "datasetChecksum": 1234567890,
            "firstReleased": "2024-02-20T00:00:00",
            "lastReleased": RELEASE["lastReleased"],
        }
        for per in pers
        if per not in UNLISTED
    ]
    return json.dumps({"elapsedTime": "0.1 secs", "count": len(rows), "data": rows}).encode()


def da(rep: int, *pers: str, freq: str = "A") -> tuple[int, dict[str, str], bytes]:
    """A scripted getDa answer (served before a scripted failure of the data call)."""
    return 200, {"Content-Type": "application/json"}, da_body(rep, freq, list(pers))


def handle(method: str, path: str, q: dict[str, list[str]], body: bytes):  # type: ignore[no-untyped-def]
    freq = path.split("/")[-2]
    rep = int(q["reporterCode"][0])
    if "/getDa/" in path:
        return (
            200,
            {"Content-Type": "application/json"},
            da_body(rep, freq, q["period"][0].split(",")),
        )
    rows = [
        {
            "typeCode": "C",
            "freqCode": freq,
            "refPeriodId": 0,
            "refYear": int(per[:4]),
            "refMonth": int(per[4:]) if freq == "M" else 52,
            "period": per,
            "reporterCode": rep,
            "reporterISO": ISO[rep],
            "flowCode": flow,
            "partnerCode": p,
            "partnerISO": ISO[p],
            "partner2Code": 0,
            "cmdCode": "TOTAL",
            "customsCode": "C00",
            "motCode": 0,
            "primaryValue": value(rep, per, flow, p),
            "cifvalue": None,
            "fobvalue": None,
            "isReported": True,
            "isAggregate": True,
        }
        for per in q["period"][0].split(",")
        for flow in q["flowCode"][0].split(",")
        for p in (0, 392, 156)
    ]
    rows = rows[: int(q["maxRecords"][0])]  # the row cap of a call: the answer is cut
    out = {"elapsedTime": "0.42 secs", "count": len(rows), "data": rows, "error": ""}
    return 200, {"Content-Type": "application/json"}, json.dumps(out).encode()


@pytest.fixture
def api(replay: Replay, monkeypatch: pytest.MonkeyPatch) -> Replay:
    monkeypatch.setitem(RELEASE, "lastReleased", "2024-06-12T00:00:00")
    monkeypatch.setitem(RELEASE, "revision", 0)
    UNLISTED.clear()
    replay.handler = handle
    monkeypatch.setenv("NORTE_COMTRADE_URL", f"{replay.base}/data/v1")
    monkeypatch.setenv("NORTE_COMTRADE_KEY", KEY)
    return replay


def env(replay: Replay) -> dict[str, str]:
    return {"NORTE_COMTRADE_URL": f"{replay.base}/data/v1", "NORTE_COMTRADE_KEY": KEY}


def fetch(tmp_path: Path, config: dict[str, object], sleeps: list[float] | None = None) -> list:  # type: ignore[type-arg]
    c = client(tmp_path, sleeps)
    try:
        return comtrade.COMTRADE.fetch(c, config, tmp_path / "out", lambda m: None)
    finally:
        c.close()


def test_cli_three_reporters_loaded_key_in_header_only(api: Replay, tmp_path: Path) -> None:
    r = run_cli(["fetch", "comtrade", "--from", "2022", "--to", "2023"], tmp_path, env(api))
    assert r.returncode == 0, r.stderr
    # per reporter: its data availability, then one data call
    assert [q.target.split("?")[0].split("/")[3] for q in api.requests] == ["getDa", "get"] * 3
    assert all(q.headers.get("Ocp-Apim-Subscription-Key") == KEY for q in api.requests)
    assert all(KEY not in q.target for q in api.requests)
    assert KEY not in r.stderr
    for f in (tmp_path / "downloads").rglob("*"):
        if f.is_file():
            assert KEY.encode() not in f.read_bytes()
    saved = sorted((tmp_path / "downloads").glob("*.json"))
    assert len(saved) == 3 and all(detect(p) is comtrade_api for p in saved)
    with Store(tmp_path / "s.duckdb") as s:
        n = s.con.execute("SELECT count(*) FROM observations").fetchone()
        jp = s.con.execute(
            "SELECT value FROM observations WHERE reporter = 'USA' AND partner = 'JPN' "
            "AND flow = 'import' AND period = DATE '2023-01-01' AND freq = 'A'"
        ).fetchone()
        world = s.con.execute(
            "SELECT count(*) FROM observations WHERE partner = 'WORLD'"
        ).fetchone()
    assert n == (3 * 2 * 2 * 3,) and jp == (EXAMPLE,) and world == (12,)


def test_full_answers_are_split_until_they_fit(api: Replay, tmp_path: Path) -> None:
    saved = fetch(
        tmp_path,
        {"reporters": ["USA"], "freq": "M", "start": "202301", "end": "202312", "max_records": 12},
    )
    # 12 months x 2 flows x 3 partners = 72 rows; a call holds fewer than 12: 1 month a call
    with Store(tmp_path / "s.duckdb") as s:
        s.load_many([(p.path, p.source) for p in saved])
        n = s.con.execute("SELECT count(*), count(DISTINCT period) FROM observations").fetchone()
    assert n == (72, 12)
    with pytest.raises(FetchError, match="one period and flow returned 2 rows, the cap"):
        fetch(tmp_path, {"reporters": ["USA"], "start": "2023", "max_records": 2})


def test_quota_spent_then_rerun_resumes(api: Replay, tmp_path: Path) -> None:
    def quota(m: str, p: str, q: dict[str, list[str]], b: bytes):  # type: ignore[no-untyped-def]
        if q["reporterCode"] == ["484"]:
            msg = b'{"statusCode": 403, "message": "Out of call volume quota. Quota will be replenished in 06:41:32."}'
            return 403, {"Content-Type": "application/json"}, msg
        return handle(m, p, q, b)

    api.handler = quota
    args = ["fetch", "comtrade", "--from", "2023"]
    bad = run_cli(args, tmp_path, env(api))
    assert bad.returncode == 6 and "call quota is spent" in bad.stderr
    assert "rerun asks only for the rest" in bad.stderr
    assert not (tmp_path / "s.duckdb").exists()
    api.handler = handle
    n = len(api.requests)
    ok = run_cli(args, tmp_path, env(api))
    assert ok.returncode == 0, ok.stderr
    again = [q.target for q in api.requests[n:]]
    # every reporter's availability asked again; USA's data from the cache, MEX's and CAN's asked
    assert sum("/getDa/" in t for t in again) == 3
    assert [t for t in again if "/get/" in t and "reporterCode=842" in t] == []
    assert sum("/get/" in t for t in again) == 2
    assert ok.stderr.count("(loaded") == 3


def test_failures(api: Replay, tmp_path: Path) -> None:
    usa = {"reporters": ["USA"], "start": "2023"}
    transient_failures_then_success(api, lambda sl: fetch(tmp_path, usa, sl))
    api.script = [da(484, "2023"), HTML]
    with pytest.raises(InputError, match="body is HTML"):
        fetch(tmp_path, {"reporters": ["MEX"], "start": "2023"})
    renamed = {
        "count": 1,
        "data": [
            {
                "freqCode": "A",
                "period": "2023",
                "reporterISO": "CAN",
                "flowCode": "M",
                "partnerISO": "W00",
                "cmdCode": "TOTAL",
                "primary_value": 1,
            }
        ],
    }
    api.script = [da(124, "2023"), (200, {}, json.dumps(renamed).encode())]
    with pytest.raises(InputError, match=r"data\[0\]: field 'primaryValue' is missing"):
        fetch(tmp_path, {"reporters": ["CAN"], "start": "2023"})
    api.script = [da(124, "2021"), (204, {}, b"")]
    assert fetch(tmp_path, {"reporters": ["CAN"], "start": "2021"}) == []
    api.script = [
        da(124, "2020"),
        (
            401,
            {},
            b'{"statusCode": 401, "message": "Access denied due to invalid subscription key."}',
        ),
    ]
    with pytest.raises(FetchError, match="the key was refused"):
        fetch(tmp_path, {"reporters": ["CAN"], "start": "2020"})
    with pytest.raises(NetworkError):
        api.script = [da(124, "2019"), (403, {}, b'{"message": "Out of call volume quota."}')]
        fetch(tmp_path, {"reporters": ["CAN"], "start": "2019"})


def data_calls(api: Replay) -> list[str]:
    return [q.target for q in api.requests if "/get/" in q.target]


def test_a_newer_release_is_never_hidden_by_the_cache(api: Replay, tmp_path: Path) -> None:
    usa = {"reporters": ["USA"], "start": "2023"}
    first = fetch(tmp_path, usa)
    assert len(data_calls(api)) == 1 and not first[0].from_cache
    again = fetch(tmp_path, usa)  # the release of 2024-06-12 is older than the cached answer
    assert len(data_calls(api)) == 1 and again[0].from_cache
    # Comtrade publishes a revision today: the cached answer (retrieved before the release
    # day ended) may not hold it, so it is asked again and the new values are saved
    RELEASE["lastReleased"] = f"{dt.datetime.now(dt.UTC):%Y-%m-%dT%H:%M:%S}"
    RELEASE["revision"] = 7
    newer = fetch(tmp_path, usa)
    assert len(data_calls(api)) == 2 and not newer[0].from_cache
    body = json.loads(newer[0].path.read_text())
    assert body["norte_request"]["lastReleased"] == RELEASE["lastReleased"][:10]
    jp = [r for r in body["data"] if (r["flowCode"], r["partnerCode"]) == ("M", 392)]
    assert jp[0]["primaryValue"] == value(842, "2023", "M", 392) != EXAMPLE


def test_periods_without_a_release_are_not_asked(api: Replay, tmp_path: Path) -> None:
    UNLISTED.add("202312")
    logs: list[str] = []
    c = client(tmp_path)
    try:
        saved = comtrade.COMTRADE.fetch(
            c,
            {"reporters": ["MEX"], "freq": "M", "start": "202311", "end": "202312"},
            tmp_path / "out",
            logs.append,
        )
    finally:
        c.close()
    assert [q for q in data_calls(api) if "202312" in q] == []
    assert len(saved) == 1 and "no release yet of 202312" in " ".join(logs)


def test_availability_that_changed_shape_is_a_clear_error(api: Replay, tmp_path: Path) -> None:
    bad = {"count": 1, "data": [{"period": "2023", "reporterCode": 842, "last_released": "x"}]}
    api.script = [(200, {}, json.dumps(bad).encode())]
    with pytest.raises(InputError, match=r"data\[0\]: field 'lastReleased' is missing"):
        fetch(tmp_path, {"reporters": ["USA"], "start": "2023"})
    odd = {"count": 1, "data": [{"period": "2023", "reporterCode": 842, "lastReleased": "soon"}]}
    api.script = [(200, {}, json.dumps(odd).encode())]
    with pytest.raises(InputError, match=r"data\[0\].lastReleased: 'soon' is not a date"):
        fetch(tmp_path, {"reporters": ["USA"], "start": "2023"})
    assert data_calls(api) == []  # nothing was asked on a release norte could not read
