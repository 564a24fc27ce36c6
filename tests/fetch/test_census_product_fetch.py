"""`norte fetch census --product ...` against a local server replaying the Census API: HS6 by
partner from real API rows (the shared HS6 CSV of API rows, Mexico), and the NAICS, hitech
(ATP) and end-use endpoints in their documented shape; each saved body ingests with its
product scheme and the retrieval date as vintage."""

from __future__ import annotations

import csv
import gzip
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from norte.fetch.census import fetch_trade
from norte.fetch.http import Client, FetchError

HS6 = "census/api-csv/imports-hs6-seafood-by-country-2020-derived.csv.gz"
#: Endpoint -> (product variable, rows in the API's shape: product, CTY_CODE, CTY_NAME, value).
SHAPES = {
    "naics": ("NAICS", [("334", "2010", "MEXICO", "6100"), ("3361", "1220", "CANADA", "900")]),
    "hitech": ("HITECH", [("05", "2010", "MEXICO", "700"), ("04", "2010", "MEXICO", "300")]),
    "enduse": ("I_ENDUSE", [("30000", "2010", "MEXICO", "5000")]),
}


class Replay:
    def __init__(self, hs6: list[dict[str, str]]) -> None:
        self.hs6 = hs6
        self.requests: list[tuple[str, dict[str, list[str]]]] = []

    def respond(self, path: str, q: dict[str, list[str]]) -> tuple[int, bytes]:
        self.requests.append((path, q))
        endpoint = path.rsplit("/", 1)[-1]
        get = q["get"][0].split(",")
        start, _, end = q["time"][0].removeprefix("from ").partition(" to ")
        cty = q.get("CTY_CODE", [None])[0]
        if endpoint == "hs":
            rows = [
                [r[h] for h in get]
                for r in self.hs6
                if start <= f"{r['YEAR']}-{r['MONTH']}" <= end
                and (cty is None or r["CTY_CODE"] == cty)
                and r["COMM_LVL"] == q.get("COMM_LVL", [""])[0]
            ]
        else:
            name, shape = SHAPES[endpoint]
            assert get[0] == name
            level = q.get("COMM_LVL", [""])[0]
            rows = []
            for p, c, n, v in shape:
                cells = {name: p, "CTY_CODE": c, "CTY_NAME": n, "GEN_VAL_MO": v}
                cells |= {"YEAR": start[:4], "MONTH": start[5:], "COMM_LVL": level}
                if cty is None or c == cty:
                    rows.append([cells[h] for h in get])
        if not rows:
            return 204, b""
        return 200, json.dumps([get, *rows]).encode()


@pytest.fixture
def api(shared: Path) -> Iterator[tuple[str, Replay]]:
    with gzip.open(shared / HS6, "rt", encoding="utf-8") as f:
        replay = Replay(list(csv.DictReader(f)))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            u = urlparse(self.path)
            status, body = replay.respond(u.path, parse_qs(u.query))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/data/timeseries/intltrade", replay
    server.shutdown()


def cli(args: list[str], tmp: Path, base: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NORTE_CENSUS_API_URL": base, "NORTE_DB": str(tmp / "s.duckdb")}
    env.pop("NORTE_CENSUS_KEY", None)
    return subprocess.run(
        [sys.executable, "-m", "norte.cli", *args],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _query(tmp: Path, base: str, sql: str) -> list[dict[str, Any]]:
    r = cli(["query", sql, "--json"], tmp, base)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    return list(data["rows"] if isinstance(data, dict) else data)


def test_hs6_by_partner_from_real_rows(
    api: tuple[str, Replay], shared: Path, tmp_path: Path
) -> None:
    base, replay = api
    args = ["fetch", "census", "--flow", "imports", "--from", "2020-01", "--to", "2020-03"]
    r = cli([*args, "--level", "HS6", "--partner", "2010"], tmp_path, base)
    assert r.returncode == 0, r.stderr
    path, q = replay.requests[-1]
    assert path.endswith("/imports/hs")
    assert q["CTY_CODE"] == ["2010"] and q["COMM_LVL"] == ["HS6"]
    assert q["get"][0].startswith("I_COMMODITY,CTY_CODE,")
    expected = sum(
        1
        for row in replay.hs6
        if row["CTY_CODE"] == "2010"
        and row["COMM_LVL"] == "HS6"
        and row["MONTH"] in ("01", "02", "03")
    )
    assert f": {expected:,} rows (loaded" in r.stderr
    (saved,) = (tmp_path / "downloads").glob("*.json.gz")
    assert "-hs6-cty2010-2020-01-2020-03-" in saved.name
    rows = _query(
        tmp_path,
        base,
        "SELECT DISTINCT partner, product_scheme, classification FROM product_observations",
    )
    assert rows == [{"partner": "MEX", "product_scheme": "HS6", "classification": "hs2017"}]


@pytest.mark.parametrize(
    ("product", "level", "scheme", "dataset"),
    [
        ("naics", "NA3", "NAICS", "trade_by_country_naics"),
        ("hitech", None, "ATP", "trade_by_country_hitech"),
        ("enduse", None, "ENDUSE", "trade_by_country_enduse"),
    ],
)
def test_product_endpoints(
    api: tuple[str, Replay],
    tmp_path: Path,
    product: str,
    level: str | None,
    scheme: str,
    dataset: str,
) -> None:
    base, replay = api
    args = ["fetch", "census", "--flow", "imports", "--from", "2024-01", "--to", "2024-01"]
    args += ["--product", product, "--partner", "2010"] + (["--level", level] if level else [])
    r = cli(args, tmp_path, base)
    assert r.returncode == 0, r.stderr
    path, q = replay.requests[-1]
    assert path.endswith(f"/imports/{product}") and q["CTY_CODE"] == ["2010"]
    assert q.get("COMM_LVL") == ([level] if level else None)
    name, shape = SHAPES[product]
    mexico = [s for s in shape if s[1] == "2010"]
    rows = _query(
        tmp_path,
        base,
        "SELECT dataset, product_scheme, product_code, partner, value, vintage_from "
        "FROM observations JOIN loads USING (load_id) ORDER BY product_code",
    )
    assert [(x["product_code"], x["value"]) for x in rows] == sorted(
        (p, float(v)) for p, _, _, v in mexico
    )
    assert {(x["dataset"], x["product_scheme"], x["partner"], x["vintage_from"]) for x in rows} == {
        (dataset, scheme, "MEX", "option")
    }


def test_bad_product_requests_are_refused(tmp_path: Path) -> None:
    client = Client(tmp_path / ".cache", ttl=0)
    try:
        with pytest.raises(FetchError, match="levels of the naics endpoint: NA2, NA3, NA4, NA6"):
            fetch_trade(client, "imports", "2024-01", "2024-01", tmp_path, "HS6", product="naics")
        with pytest.raises(FetchError, match="Schedule C code"):
            fetch_trade(client, "imports", "2024-01", "2024-01", tmp_path, partner="MEX")
        with pytest.raises(FetchError, match="hs endpoint needs a level"):
            fetch_trade(client, "imports", "2024-01", "2024-01", tmp_path, product="hs")
    finally:
        client.close()
