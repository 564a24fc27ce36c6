"""Statistics Canada Web Data Service (WDS): by vector, by table, and what changed.

- ``POST getDataFromVectorsAndLatestNPeriods`` ``[{"vectorId": 74804, "latestN": 12}]`` and
  ``POST getSeriesInfoFromVector`` ``[{"vectorId": 74804}]`` (title, unit, scale). The points
  of each vector are saved one file per release time (``releaseTime`` of each data point is
  its vintage): ``statcan-v74804-2024-03-25.json`` (format ``statcan-wds``). A point revised
  later comes with a later ``releaseTime``, so it lands in the later vintage.
- ``GET getFullTableDownloadCSV/{pid}/en`` -> ``{"status":"SUCCESS","object":"<zip URL>"}``;
  the zip's ``{pid}.csv`` is saved as is (the ``statcan-table`` reader reads it) with a
  provenance manifest ``{pid}.csv.norte.toml`` giving the table's ``releaseTime`` from
  ``POST getCubeMetadata`` as its release date. The zip is re-downloaded only when the cube
  was released after the cached copy.
- ``GET getChangedCubeList/{date}``: with ``changed_on`` only the tables released that day
  are downloaded.

No key. StatCan allows about 25 requests a second per IP: requests are paced at that rate.
The WDS is unavailable during its nightly maintenance, 00:00-08:30 Eastern time: a fetch in
that window waits until 08:30 ET (``wait = true``) or is refused with when to run again.
Base URL ``NORTE_STATCAN_URL``; the window applies to the public host only, unless
``maintenance = true`` is configured.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from norte.errors import ConfigError, InputError, NetworkError
from norte.fetch.bodies import base_url, checking, field, json_of, save, save_json, strings
from norte.fetch.http import Client, FetchError, Response
from norte.fetch.live import Config, Log, Saved, needs, register
from norte.fetch.steps import ALWAYS, need_json, require
from norte.sources import statcan_table, statcan_wds

DEFAULT_BASE = "https://www150.statcan.gc.ca/t1/wds/rest"
ET = ZoneInfo("America/Toronto")
MAINTENANCE_END = dt.time(8, 30)
INTERVAL = 1 / 25  # seconds between two requests: StatCan's ~25 requests/s per IP
_PID = re.compile(r"^(\d{8})(\d{2})?$")


def now_et() -> dt.datetime:
    return dt.datetime.now(ET)


def table_pid(text: str) -> str:
    """``12-10-0011-01``, ``1210001101`` or ``12100011`` -> ``12100011`` (the product id)."""
    digits = text.replace("-", "").strip()
    m = _PID.match(digits)
    if not m:
        raise ConfigError(f"fetch statcan: {text!r} is not a table id (e.g. 12-10-0011-01)")
    return m.group(1)


def maintenance_wait(now: dt.datetime) -> float:
    """Seconds until the WDS maintenance window (00:00-08:30 ET) ends; 0 outside it."""
    local = now.astimezone(ET)
    if local.time() >= MAINTENANCE_END:
        return 0.0
    end = dt.datetime.combine(local.date(), MAINTENANCE_END, tzinfo=ET)
    return (end - local).total_seconds()


def _release(text: str, where: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text).replace(tzinfo=ET)
    except ValueError:
        raise InputError(where, "releaseTime", f"{text!r} is not a date-time") from None


class StatCan:
    name = "statcan"
    needs = needs("statcan", DEFAULT_BASE)

    def fetch(self, client: Client, config: Config, out_dir: Path, log: Log) -> list[Saved]:
        """``config``: ``vectors`` (ids, with or without ``v``), ``latest_n`` (default 12),
        ``tables`` (ids), ``changed_on`` (YYYY-MM-DD: only the tables released that day),
        ``wait`` (wait out the maintenance window), ``maintenance`` (apply the window)."""
        vectors = [v.lower().removeprefix("v") for v in strings(config, "vectors", "vectors")]
        for v in vectors:
            if not v.isdigit():
                raise ConfigError(f"fetch statcan: vector {v!r} is not a number (e.g. v74804)")
        tables = [table_pid(t) for t in strings(config, "tables", "table ids")]
        if not vectors and not tables:
            raise ConfigError("fetch statcan: name vectors (--vector) or tables (--table)")
        latest = int(str(config.get("latest_n", 12)))
        base = base_url("statcan", DEFAULT_BASE)
        window = config.get("maintenance")
        if window is None:
            window = base == DEFAULT_BASE
        if window:
            self._maintenance(client, bool(config.get("wait")), log)
        out: list[Saved] = []
        if vectors:
            out += self._vectors(client, base, [int(v) for v in vectors], latest, out_dir, log)
        changed = config.get("changed_on")
        if tables and changed is not None:
            released = self.changed_cubes(client, base, str(changed))
            skipped = [t for t in tables if t not in released]
            tables = [t for t in tables if t in released]
            for t in skipped:
                log(f"StatCan table {t}: not released on {changed}, nothing to fetch")
        for pid in tables:
            out.append(self._table(client, base, pid, out_dir, log))
        return out

    def _maintenance(self, client: Client, wait: bool, log: Callable[[str], None]) -> None:
        now = now_et()
        seconds = maintenance_wait(now)
        if seconds <= 0:
            return
        if not wait:
            raise NetworkError(
                f"StatCan WDS is in its nightly maintenance window (00:00-08:30 ET; it is "
                f"{now:%H:%M} ET): run again after 08:30 ET, or pass --wait-maintenance to wait "
                f"({seconds / 60:,.0f} minutes)"
            )
        log(f"StatCan WDS maintenance (00:00-08:30 ET): waiting {seconds / 60:,.0f} minutes")
        client.sleep(seconds)

    def _post(
        self, client: Client, url: str, payload: object, fresh: float | None = None
    ) -> tuple[list[Any], Response]:
        r = client.post_json(url, payload, fresh_after=fresh, interval=INTERVAL)
        body = need_json(r, "StatCan WDS")
        if not isinstance(body, list):
            body = [body]
        return body, r

    def _objects(self, body: list[Any], r: Response, what: list[str]) -> list[dict[str, Any]]:
        with checking(r):
            return self._check_objects(body, r, what)

    def _check_objects(self, body: list[Any], r: Response, what: list[str]) -> list[dict[str, Any]]:
        out = []
        for n, item in enumerate(body):
            status = field(item, "status", r.url, f"[{n}]")
            if status != "SUCCESS":
                raise InputError(
                    r.url,
                    f"[{n}] ({what[n] if n < len(what) else '?'})",
                    f"the WDS answered {status}: {item.get('object')!r}",
                    hint="check the vector or table id",
                )
            out.append(field(item, "object", r.url, f"[{n}]"))
        return out

    def _vectors(
        self,
        client: Client,
        base: str,
        vectors: list[int],
        latest: int,
        out_dir: Path,
        log: Callable[[str], None],
    ) -> list[Saved]:
        names = [f"v{v}" for v in vectors]
        # Asked every time (ALWAYS): the points' releaseTime says what is new.
        data, r = self._post(
            client,
            f"{base}/getDataFromVectorsAndLatestNPeriods",
            [{"vectorId": v, "latestN": latest} for v in vectors],
            ALWAYS,
        )
        objects = self._objects(data, r, names)
        info_body, ri = self._post(
            client, f"{base}/getSeriesInfoFromVector", [{"vectorId": v} for v in vectors]
        )
        infos = self._objects(info_body, ri, names)
        out: list[Saved] = []
        for n, (obj, info) in enumerate(zip(objects, infos, strict=True)):
            vid = field(obj, "vectorId", r.url, f"[{n}].object")
            by_release: dict[dt.date, list[Any]] = {}
            with checking(r):
                points = field(obj, "vectorDataPoint", r.url, f"[{n}].object")
                fields = ("refPer", "value", "releaseTime", "scalarFactorCode", "frequencyCode")
                require(points, fields, r.url, f"[{n}].object.vectorDataPoint[{{n}}]")
                for p in points:
                    day = _release(str(p["releaseTime"]), r.url).date()
                    by_release.setdefault(day, []).append(p)
            for day, pts in sorted(by_release.items()):
                body = {
                    "norte_format": statcan_wds.FORMAT,
                    "norte_series": info,
                    "status": "SUCCESS",
                    "object": {**obj, "vectorDataPoint": pts},
                }
                path = save_json(out_dir, f"statcan-v{vid}-{day}.json", body)
                out.append(Saved(path, statcan_wds, day, r.from_cache, r.url))
            log(f"StatCan v{vid}: {len(points):,} points in {len(by_release):,} releases")
        return out

    def changed_cubes(self, client: Client, base: str, day: str) -> dict[str, dt.datetime]:
        """The tables (product ids) released on ``day`` with their release time."""
        r = client.get(f"{base}/getChangedCubeList/{day}", {}, interval=INTERVAL)
        body = json_of(r, "StatCan WDS")
        if body is None:
            return {}
        if field(body, "status", r.url, "body") != "SUCCESS":
            raise InputError(r.url, "status", f"the WDS answered {body.get('status')}")
        out: dict[str, dt.datetime] = {}
        for n, c in enumerate(field(body, "object", r.url, "body")):
            pid = str(field(c, "productId", r.url, f"object[{n}]"))[:8]
            out[pid] = _release(str(field(c, "releaseTime", r.url, f"object[{n}]")), r.url)
        return out

    def _table(
        self, client: Client, base: str, pid: str, out_dir: Path, log: Callable[[str], None]
    ) -> Saved:
        # the release time is asked every time: it says whether the cached zip is current
        meta_body, rm = self._post(client, f"{base}/getCubeMetadata", [{"productId": pid}], ALWAYS)
        meta = self._objects(meta_body, rm, [pid])[0]
        released = _release(str(field(meta, "releaseTime", rm.url, "[0].object")), rm.url)
        r = client.get(f"{base}/getFullTableDownloadCSV/{pid}/en", {}, interval=INTERVAL)
        link = json_of(r, "StatCan WDS")
        if field(link, "status", r.url, "body") != "SUCCESS":
            raise InputError(r.url, "status", f"the WDS answered {link.get('status')}")
        zip_url = str(field(link, "object", r.url, "body"))
        z = client.get(zip_url, {}, fresh_after=released.timestamp(), interval=INTERVAL)
        if z.status != 200:
            raise FetchError(z.url, f"HTTP {z.status}", z.status)
        try:
            with zipfile.ZipFile(io.BytesIO(z.body)) as zf:
                data = zf.read(f"{pid}.csv")
        except (zipfile.BadZipFile, KeyError) as e:
            z.discard()
            raise InputError(
                z.url, "zip", f"not StatCan's table zip ({e})", expected=f"a zip with {pid}.csv"
            ) from None
        path = save(out_dir, f"{pid}.csv", data)
        title = str(meta.get("cubeTitleEn", "")).replace('"', "'")
        cansim = f"{pid[:2]}-{pid[2:4]}-{pid[4:8]}-01"
        save(
            out_dir,
            f"{pid}.csv.norte.toml",
            (
                f"# Written by norte fetch statcan from getCubeMetadata {rm.url}\n"
                f'agency = "Statistics Canada"\nid = "{cansim}"\nurl = "{z.url}"\n'
                f'title = "{title}"\nrelease_date = {released.date().isoformat()}\n'
            ).encode(),
        )
        log(f"saved {path} ({len(data):,} bytes; released {released:%Y-%m-%d %H:%M} ET)")
        return Saved(path, statcan_table, released.date(), z.from_cache, z.url)


STATCAN = register(StatCan())
