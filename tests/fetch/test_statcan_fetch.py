"""`norte fetch statcan` against the replay server answering the WDS shapes of the StatCan
WDS user guide (https://www.statcan.gc.ca/en/developers/wds/user-guide), built from the real
table 36-10-0008-01 in ../shared/data/statcan (its full-table CSV, and the values of its vector
v7117682 as WDS data points). Release times are replay values."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest

from norte.errors import InputError, NetworkError
from norte.fetch import statcan_wds as wds
from norte.fetch.http import Client
from norte.sources import detect, statcan_table, statcan_wds
from norte.store import Store
from tests.fetch.conftest import HTML, Replay, client, run_cli, transient_failures_then_success

PID = "36100008"
VEC = 7117682
TABLE = "statcan/3610000801_databaseLoadingData.csv"
#: refPer year -> releaseTime: 2023's point came out a year after the others (replay values)
RELEASE = {"2023": "2025-04-23T08:30"}
FIRST = "2024-04-24T08:30"


def vector_rows(shared: Path) -> list[dict[str, str]]:
    with open(shared / TABLE, encoding="utf-8-sig") as f:
        return [r for r in csv.DictReader(f) if r["VECTOR"] == f"v{VEC}"]


def handler(shared: Path, base: list[str]):  # type: ignore[no-untyped-def]
    rows = vector_rows(shared)
    info = {
        "responseStatusCode": 0,
        "productId": int(PID),
        "coordinate": "1.1.1.0.0.0.0.0.0.0",
        "vectorId": VEC,
        "frequencyCode": 12,
        "scalarFactorCode": 6,
        "decimals": 0,
        "terminated": 0,
        "SeriesTitleEn": "Canada;Canadian direct investment abroad - total book value;All countries",
        "memberUomCode": 81,
    }
    points = [
        {
            "refPer": f"{r['REF_DATE']}-01-01",
            "refPer2": "",
            "value": float(r["VALUE"]),
            "decimals": 0,
            "scalarFactorCode": 6,
            "symbolCode": 0,
            "statusCode": 0,
            "securityLevelCode": 0,
            "releaseTime": RELEASE.get(r["REF_DATE"], FIRST),
            "frequencyCode": 12,
        }
        for r in rows
    ]
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as z:
        z.writestr(f"{PID}.csv", (shared / TABLE).read_bytes())
        z.writestr(f"{PID}_MetaData.csv", 'Cube Title,Product Id\n"FDI",36100008\n')
    ok = {"Content-Type": "application/json"}

    def handle(method: str, path: str, q: dict[str, list[str]], body: bytes):  # type: ignore[no-untyped-def]
        name = path.split("/")[4] if path.startswith("/t1/wds/rest/") else path
        if name == "getDataFromVectorsAndLatestNPeriods":
            req = json.loads(body)
            out = []
            for item in req:
                if item["vectorId"] != VEC:
                    out.append({"status": "FAILED", "object": {"vectorId": item["vectorId"]}})
                    continue
                obj = {"productId": int(PID), "coordinate": info["coordinate"], "vectorId": VEC}
                out.append(
                    {
                        "status": "SUCCESS",
                        "object": obj | {"vectorDataPoint": points[-item["latestN"] :]},
                    }
                )
            return 200, ok, json.dumps(out).encode()
        if name == "getSeriesInfoFromVector":
            return (
                200,
                ok,
                json.dumps(
                    [{"status": "SUCCESS", "object": info} for _ in json.loads(body)]
                ).encode(),
            )
        if name == "getCubeMetadata":
            obj = {
                "productId": PID,
                "cansimId": "376-0051",
                "cubeTitleEn": "Foreign direct investment, Canadian and foreign, by country",
                "releaseTime": FIRST,
            }
            return 200, ok, json.dumps([{"status": "SUCCESS", "object": obj}]).encode()
        if name == "getFullTableDownloadCSV":
            return (
                200,
                ok,
                json.dumps(
                    {"status": "SUCCESS", "object": f"{base[0]}/n1/tbl/csv/{PID}-eng.zip"}
                ).encode(),
            )
        if name == "getChangedCubeList":
            day = path.rsplit("/", 1)[1]
            obj = [{"productId": int(PID), "releaseTime": FIRST}] if day == FIRST[:10] else []
            return 200, ok, json.dumps({"status": "SUCCESS", "object": obj}).encode()
        if path == f"/n1/tbl/csv/{PID}-eng.zip":
            return 200, {"Content-Type": "application/zip"}, zbuf.getvalue()
        return 404, {}, b"Not Found"

    return handle


@pytest.fixture
def api(replay: Replay, shared: Path, monkeypatch: pytest.MonkeyPatch) -> Replay:
    replay.handler = handler(shared, [replay.base])
    monkeypatch.setenv("NORTE_STATCAN_URL", f"{replay.base}/t1/wds/rest")
    return replay


def fetch(tmp_path: Path, config: dict[str, object], sleeps: list[float] | None = None) -> list:  # type: ignore[type-arg]
    c = client(tmp_path, sleeps)
    try:
        return wds.STATCAN.fetch(c, config, tmp_path / "out", lambda m: None)
    finally:
        c.close()


def env(replay: Replay) -> dict[str, str]:
    return {"NORTE_STATCAN_URL": f"{replay.base}/t1/wds/rest"}


def test_vector_each_release_its_vintage_same_numbers_as_the_table(
    api: Replay, shared: Path, tmp_path: Path
) -> None:
    r = run_cli(["fetch", "statcan", "--vector", f"v{VEC}", "--latest", "5"], tmp_path, env(api))
    assert r.returncode == 0, r.stderr
    assert "4 rows (loaded, vintage 2024-04-24)" in r.stderr
    assert "1 rows (loaded, vintage 2025-04-23)" in r.stderr
    saved = sorted((tmp_path / "downloads").glob("statcan-*.json"))
    assert all(detect(p) is statcan_wds for p in saved) and len(saved) == 2
    with Store(tmp_path / "s.duckdb") as s:
        wds_rows = dict(
            s.con.execute(
                "SELECT period, value FROM observations WHERE unit = 'CAD' AND reporter = 'CAN'"
            ).fetchall()
        )
        as_of = s.con.execute(
            "SELECT count(*) FROM observations_as_of(DATE '2024-12-31')"
        ).fetchone()
    assert as_of == (4,)  # the 2023 point was not known yet
    with Store(tmp_path / "t.duckdb") as s:
        s.load_file(shared / TABLE, statcan_table)
        table_rows = dict(
            s.con.execute(
                "SELECT period, value FROM observations WHERE detail LIKE ?", [f"%vector=v{VEC}%"]
            ).fetchall()
        )
    assert wds_rows == table_rows and len(wds_rows) == 5
    assert wds_rows[dt.date(2019, 1, 1)] == 1_613_703_000_000  # millions applied


def test_table_zip_loaded_with_its_release_date_and_changed_list(
    api: Replay, shared: Path, tmp_path: Path
) -> None:
    r = run_cli(["fetch", "statcan", "--table", "36-10-0008-01"], tmp_path, env(api))
    assert r.returncode == 0, r.stderr
    assert "vintage 2024-04-24" in r.stderr
    with Store(tmp_path / "s.duckdb") as s:
        got = s.con.execute("SELECT count(*), sum(value) FROM observations").fetchone()
        how = s.con.execute("SELECT vintage_from FROM loads").fetchone()
    with Store(tmp_path / "t.duckdb") as s:
        s.load_file(shared / TABLE, statcan_table)
        want = s.con.execute("SELECT count(*), sum(value) FROM observations").fetchone()
    assert got == want and how == ("manifest",)
    # only the tables released on the day asked are downloaded
    n = len(api.requests)
    assert fetch(tmp_path, {"tables": [PID], "changed_on": "2024-04-25"}) == []
    assert len(api.requests) == n + 1  # the changed-cube list only
    assert len(fetch(tmp_path, {"tables": [PID], "changed_on": "2024-04-24"})) == 1


def test_cached_zip_reused_until_the_table_is_released_again(api: Replay, tmp_path: Path) -> None:
    fetch(tmp_path, {"tables": [PID]})
    n = len(api.requests)
    fetch(tmp_path, {"tables": [PID]})
    asked = [r.target for r in api.requests[n:]]
    assert asked == ["/t1/wds/rest/getCubeMetadata"]  # link and zip from the cache


def test_maintenance_window_refused_or_waited(
    api: Replay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wds, "now_et", lambda: dt.datetime(2026, 12, 1, 3, 0, tzinfo=wds.ET))
    with pytest.raises(
        NetworkError, match=r"maintenance window \(00:00-08:30 ET; it is 03:00 ET\)"
    ):
        fetch(tmp_path, {"vectors": [VEC], "maintenance": True})
    assert api.requests == []
    sleeps: list[float] = []
    fetch(tmp_path, {"vectors": [VEC], "maintenance": True, "wait": True}, sleeps)
    assert sleeps[0] == 5.5 * 3600
    monkeypatch.setattr(wds, "now_et", lambda: dt.datetime(2026, 12, 1, 8, 30, tzinfo=wds.ET))
    assert wds.maintenance_wait(wds.now_et()) == 0


def test_requests_are_paced_at_25_a_second(api: Replay, tmp_path: Path) -> None:
    now = [0.0]
    sleeps: list[float] = []

    def sleep(s: float) -> None:  # a fake clock: time passes only when the client waits
        sleeps.append(s)
        now[0] += s

    c = Client(tmp_path / "cache", sleep=sleep, clock=lambda: now[0])
    wds.STATCAN.fetch(c, {"vectors": [VEC], "tables": [PID]}, tmp_path / "out", lambda m: None)
    c.close()
    assert len(api.requests) == 5
    assert sleeps == [pytest.approx(1 / 25)] * 4  # one wait before every request but the first


def test_failures(api: Replay, tmp_path: Path) -> None:
    transient_failures_then_success(api, lambda sleeps: fetch(tmp_path, {"vectors": [VEC]}, sleeps))
    with pytest.raises(InputError, match=r"\[0\] \(v1\): the WDS answered FAILED"):
        fetch(tmp_path, {"vectors": [1]})
    api.script = [HTML]
    with pytest.raises(InputError, match="body is HTML"):
        fetch(tmp_path, {"vectors": [VEC]})
    renamed = [{"status": "SUCCESS", "object": {"productId": 1, "vectorId": VEC, "dataPoints": []}}]
    api.script = [(200, {}, json.dumps(renamed).encode())]
    with pytest.raises(InputError, match=r"\[0\]\.object: field 'vectorDataPoint' is missing"):
        fetch(tmp_path, {"vectors": [VEC]})
    api.script = [(204, {}, b"")]
    with pytest.raises(Exception, match="empty response"):
        fetch(tmp_path, {"vectors": [VEC]})


def test_bad_zip_leaves_store_as_it_was_and_rerun_resumes(api: Replay, tmp_path: Path) -> None:
    ok = run_cli(["fetch", "statcan", "--vector", f"v{VEC}"], tmp_path, env(api))
    assert ok.returncode == 0, ok.stderr
    before = (tmp_path / "s.duckdb").read_bytes()
    handle = api.handler
    api.handler = lambda m, p, q, b: (
        (200, {}, b"PK\x03\x04 truncated") if p.endswith(".zip") else handle(m, p, q, b)
    )
    bad = run_cli(["fetch", "statcan", "--table", PID], tmp_path, env(api))
    assert bad.returncode == 2 and "not StatCan's table zip" in bad.stderr
    assert (tmp_path / "s.duckdb").read_bytes() == before
    api.handler = handle
    n = len(api.requests)
    again = run_cli(["fetch", "statcan", "--table", PID], tmp_path, env(api))
    assert again.returncode == 0, again.stderr
    # metadata asked again, the download link from the cache, the zip downloaded
    assert [r.target.rsplit("/", 1)[-1] for r in api.requests[n:]] == [
        "getCubeMetadata",
        f"{PID}-eng.zip",
    ]
