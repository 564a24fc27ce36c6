"""``norte refresh``: the Census connector over 127.0.0.1 and a fake connector; two runs in a
row (the second fetches and changes nothing), the lock, a killed run completed by the next."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from norte.alerts import Watch, evaluate
from norte.errors import StoreBusyError
from norte.fetch.http import Client
from norte.fetch.live import CONNECTORS, Saved
from norte.refresh.changes import Changes
from norte.refresh.lock import refresh_lock
from norte.refresh.run import marker_path, refresh
from norte.sources import census_api
from norte.store import Store

NOW = dt.datetime(2025, 2, 20, 15, tzinfo=dt.UTC)  # Dec 2024 is out (6 Feb), Jan 2025 is not
EXPORTS = "census/api/exports-country-2013-2024.json.gz"


def _rows(shared: Path) -> list[list[str]]:
    with gzip.open(shared / EXPORTS, "rt") as f:
        rows: list[list[str]] = json.load(f)
    return rows


def _through(rows: list[list[str]], last: str) -> list[list[str]]:
    h = rows[0]
    y, m = h.index("YEAR"), h.index("MONTH")
    return [h] + [r for r in rows[1:] if f"{r[y]}-{r[m]}" <= last]


@pytest.fixture
def census_server(shared: Path) -> Iterator[tuple[str, list[str]]]:
    """The Census API's shape: the real exports rows of the months asked (204 when none)."""
    rows = _rows(shared)
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            asked.append(self.path)
            q = parse_qs(urlparse(self.path).query)
            get = q["get"][0].split(",")
            start, _, end = q["time"][0].removeprefix("from ").partition(" to ")
            h = rows[0]
            out = [get]
            for r in rows[1:]:
                if start <= f"{r[h.index('YEAR')]}-{r[h.index('MONTH')]}" <= end:
                    out.append([r[h.index(c)] for c in get])
            body = json.dumps(out).encode() if len(out) > 1 else b""
            self.send_response(200 if body else 204)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/intltrade", asked
    server.shutdown()


@pytest.fixture
def stale(shared: Path, tmp_path: Path) -> Path:
    """A store holding the Census exports through November 2024 (December is due at NOW)."""
    f = tmp_path / "exports-through-2024-11.json"
    f.write_text(json.dumps(_through(_rows(shared), "2024-11")))
    db = tmp_path / "norte.duckdb"
    with Store(db) as s:
        s.load_file(f, census_api)
    return db


def tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(folder)).encode() + p.read_bytes())
    return h.hexdigest()


def file_hash(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


CENSUS_CFG = {"census": {"flows": ["exports"], "from": "2024-10", "to": "2024-12"}}


def test_two_runs_in_a_row(
    stale: Path,
    tmp_path: Path,
    census_server: tuple[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, asked = census_server
    monkeypatch.setenv("NORTE_CENSUS_API_URL", url)
    site = tmp_path / "site"
    dl = tmp_path / "downloads"
    watch = [Watch("census", "release", source="census")]

    def alerts(ch: Changes) -> list[dict[str, Any]]:
        return [a.to_json() for a in evaluate(ch, watch)]

    kw: dict[str, Any] = {"downloads": dl, "now": NOW, "on_changes": alerts}
    first = refresh(stale, site, CENSUS_CFG, **kw)
    assert first.fetched == ["census"] and len(asked) == 1
    assert [a["detail"]["period"] for a in first.alerts] == ["2024-12-01"]
    assert first.recomputed and first.changes.loaded
    assert {(p["source"], p["period"]) for p in first.changes.new_periods} == {
        ("census", "2024-12-01")
    }
    assert (site / "index.html").exists() and marker_path(stale).exists()
    with Store(stale, read_only=True) as s:
        assert s.con.execute("SELECT max(period) FROM observations").fetchall()[0][0] == (
            dt.date(2024, 12, 1)
        )
        assert s.con.execute("SELECT count(*) FROM findings").fetchall()[0][0] > 0
    before = (file_hash(stale), tree_hash(site), file_hash(marker_path(stale)))
    second = refresh(stale, site, CENSUS_CFG, **kw)
    assert second.fetched == [] and len(asked) == 1  # nothing due: nothing asked
    assert second.alerts == []
    assert not second.recomputed and second.changes.empty()
    assert (file_hash(stale), tree_hash(site), file_hash(marker_path(stale))) == before


class FakeConnector:
    """An unscheduled source: asked on every run; it serves the same file each time."""

    name = "fake"
    source = "fake-unscheduled"

    def __init__(self, body: Path) -> None:
        self.body = body
        self.calls = 0

    def fetch(
        self,
        client: Client,
        config: Mapping[str, object],
        out_dir: Path,
        log: Callable[[str], None],
    ) -> list[Saved]:
        self.calls += 1
        out_dir.mkdir(parents=True, exist_ok=True)
        p = out_dir / "fake.json"
        p.write_bytes(self.body.read_bytes())
        return [Saved(p, census_api, dt.date(2025, 2, 7), False, "fake://")]


def test_same_body_twice_changes_nothing(
    shared: Path, stale: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = tmp_path / "through-2024-12.json"
    body.write_text(json.dumps(_through(_rows(shared), "2024-12")))
    fake = FakeConnector(body)
    monkeypatch.setitem(CONNECTORS, "fake", fake)
    site = tmp_path / "site"
    kw: dict[str, Any] = {"downloads": tmp_path / "dl", "now": NOW, "publish": False}
    first = refresh(stale, site, {"fake": {}}, **kw)
    assert fake.calls == 1 and first.changes.loaded == ["fake.json"] and first.recomputed
    h = file_hash(stale)
    second = refresh(stale, site, {"fake": {}}, **kw)
    assert fake.calls == 2  # unscheduled: asked again ...
    assert second.changes.loaded == [] and not second.recomputed  # ... and nothing changes
    assert file_hash(stale) == h


def test_a_revised_month_is_reported_above_the_threshold(
    shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A preliminary November 2024 10 % above the real one, then the real rows in a later
    release: the values of that month are revisions of -9.09 %, and no other value is."""
    rows = _through(_rows(shared), "2024-11")
    h = rows[0]
    v, y, m = h.index("ALL_VAL_MO"), h.index("YEAR"), h.index("MONTH")
    prelim = [h] + [
        [*r[:v], str(int(r[v]) * 11 // 10), *r[v + 1 :]] if (r[y], r[m]) == ("2024", "11") else r
        for r in rows[1:]
    ]
    f = tmp_path / "prelim.json"
    f.write_text(json.dumps(prelim))
    db = tmp_path / "norte.duckdb"
    with Store(db) as s:
        s.load_file(f, census_api, vintage=dt.date(2025, 1, 7))
    kw: dict[str, Any] = {"downloads": tmp_path / "dl", "now": NOW, "publish": False}
    assert refresh(db, tmp_path / "site", {}, **kw).recomputed  # the preliminary values
    body = tmp_path / "revised.json"
    body.write_text(json.dumps(rows))
    monkeypatch.setitem(CONNECTORS, "fake", FakeConnector(body))
    rep = refresh(db, tmp_path / "site", {"fake": {}}, threshold_pct=1.0, **kw)
    revs = rep.changes.revisions
    assert revs and {r["period"] for r in revs} == {"2024-11-01"}
    levels = {r["indicator"]: r["pct"] for r in revs if r["indicator"].startswith("us-exports.")}
    assert set(levels) == {"us-exports.can", "us-exports.chn", "us-exports.mex", "us-exports.world"}
    assert all(abs(p - (1 / 1.1 - 1) * 100) < 0.01 for p in levels.values()), levels
    assert any(r["indicator"] == "us-exports-yoy.mex" for r in revs)  # growth moves too
    keys = [(r["indicator"], sorted(r["dims"].items())) for r in revs]
    assert keys == sorted(keys)


def test_unknown_connector_is_a_config_error(stale: Path, tmp_path: Path) -> None:
    from norte.errors import ConfigError

    with pytest.raises(ConfigError, match=r"\[fetch.nope\].*known: .*census"):
        refresh(stale, tmp_path / "site", {"nope": {}}, downloads=tmp_path, now=NOW)


def test_one_run_at_a_time(tmp_path: Path) -> None:
    db = tmp_path / "norte.duckdb"
    code = (
        "import sys, time; from pathlib import Path; from norte.refresh.lock import refresh_lock\n"
        f"with refresh_lock(Path({str(db)!r})):\n    print('held', flush=True); time.sleep(60)\n"
    )
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout is not None and p.stdout.readline().strip() == "held"
        with pytest.raises(StoreBusyError, match="another 'norte refresh' is running"):
            with refresh_lock(db):
                pass
    finally:
        p.kill()
        p.wait()
    with refresh_lock(db):  # the kernel dropped the dead holder's lock
        pass


def test_killed_run_is_completed_by_the_next(
    stale: Path, tmp_path: Path, census_server: tuple[str, list[str]]
) -> None:
    """Killed inside the findings transaction: findings and site stay as they were, no marker;
    the next run fetches nothing new (the file is loaded) and completes the recompute."""
    url, _ = census_server
    cfg = tmp_path / "norte.toml"
    cfg.write_text(
        '[fetch.census]\nflows = ["exports"]\nfrom = "2024-10"\nto = "2024-12"\n'
        f'[refresh]\ndownloads = "{tmp_path / "dl"}"\n'
    )
    site = tmp_path / "site"
    env = {
        **os.environ,
        "NORTE_CENSUS_API_URL": url,
        "NORTE_FAULT_POINT": "findings",
        "NORTE_FAULT_SLEEP": "300",
    }
    cmd = [
        sys.executable,
        "-m",
        "norte.cli",
        "--db",
        str(stale),
        "--config",
        str(cfg),
        "refresh",
        "--all",
        "--out",
        str(site),
    ]
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert p.stdout is not None
        for line in p.stdout:
            if "fault injection: findings" in line:
                break
        p.kill()
    finally:
        p.wait()
    with Store(stale, read_only=True) as s:
        assert s.con.execute("SELECT count(*) FROM findings").fetchall()[0][0] == 0
    assert not site.exists() and not marker_path(stale).exists()
    env.pop("NORTE_FAULT_POINT")
    r = subprocess.run([*cmd, "--json"], env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["recomputed"] and rep["changes"]["loaded"] == []  # loaded by the killed run
    assert (site / "index.html").exists() and marker_path(stale).exists()
    with Store(stale, read_only=True) as s:
        assert s.con.execute("SELECT count(*) FROM findings").fetchall()[0][0] > 0


def test_a_file_ingested_by_hand_is_reported(shared: Path, stale: Path, tmp_path: Path) -> None:
    """The marker keeps what the last completed run saw: a month loaded with ``norte ingest``
    between two runs is a new period of the second, which recomputes once."""
    kw: dict[str, Any] = {"downloads": tmp_path / "dl", "now": NOW, "publish": False}
    first = refresh(stale, tmp_path / "site", {}, **kw)
    assert first.recomputed and first.fetched == []  # no marker yet: a first full pass
    f = tmp_path / "through-2024-12.json"
    f.write_text(json.dumps(_through(_rows(shared), "2024-12")))
    with Store(stale) as s:
        s.load_file(f, census_api)
    second = refresh(stale, tmp_path / "site", {}, **kw)
    assert second.recomputed and second.changes.loaded == []
    assert [(p["source"], p["period"], p["previous"]) for p in second.changes.new_periods] == [
        ("census", "2024-12-01", "2024-11-01")
    ]
    assert not refresh(stale, tmp_path / "site", {}, **kw).recomputed


@pytest.fixture
def refusing_server() -> Iterator[str]:
    """The Census API's answer to a bad key: HTTP 200 with an HTML page."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = b"<html><head><title>Invalid Key</title></head><body>Invalid Key</body></html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/intltrade"
    server.shutdown()


def test_failed_fetch_leaves_everything_as_it_was(
    stale: Path, tmp_path: Path, refusing_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from norte.errors import InputError

    monkeypatch.setenv("NORTE_CENSUS_API_URL", refusing_server)
    h = file_hash(stale)
    with pytest.raises(InputError, match="NORTE_CENSUS_KEY"):
        refresh(stale, tmp_path / "site", CENSUS_CFG, downloads=tmp_path / "dl", now=NOW)
    assert file_hash(stale) == h
    assert not marker_path(stale).exists() and not (tmp_path / "site").exists()
