"""Every chart of the served site has its data at a stable URL, ``/charts/<id>.csv``, and that
CSV is the data the chart draws: the rows of its SVG's Vega-Lite spec and, on an interactive
chart, the values the component draws (the latest release of each period)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import Client, Served


def charts(value: Any) -> Iterator[dict[str, Any]]:
    """The charts in a page's JSON twin (the values its template was given)."""
    if isinstance(value, dict):
        if {"id", "csv", "spec", "links"} <= value.keys():
            yield value
            return
        for v in value.values():
            yield from charts(v)
    elif isinstance(value, list):
        for v in value:
            yield from charts(v)


def spec_rows(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The inline rows a Vega-Lite spec draws: its own and those of its layers."""
    rows = list((spec.get("data") or {}).get("values", []))
    for layer in spec.get("layer", []):
        rows += spec_rows(layer)
    return rows


def cell(v: Any) -> str:
    return "" if v is None else str(v)


def norm(text: str) -> str:
    """A cell as compared: numbers to 9 significant digits (the CSV writer may round)."""
    try:
        return f"{float(text):.9g}"
    except ValueError:
        return text


def _charts_of(served: Served, lang: str) -> dict[str, dict[str, Any]]:
    """Every chart of the pages the app serves in ``lang``, by id."""
    snap = served.app.state.pool.current()
    root = served.app.state.sites.get(snap.id, snap.path).root
    folder = root if lang == "en" else root / lang
    found: dict[str, dict[str, Any]] = {}
    for page in sorted(folder.glob("*.html")):
        rel = page.relative_to(root).as_posix()
        twin = served.client.get("/" + rel.removesuffix(".html") + ".json")
        assert twin.status_code == 200, rel
        for c in charts(twin.json()["values"]):
            found.setdefault(c["id"], c)
    return found


@pytest.fixture(scope="module")
def served_charts(served: Served) -> dict[str, dict[str, Any]]:
    return _charts_of(served, "en")


def test_every_chart_has_its_csv_at_a_stable_url(
    client: Client, served_charts: dict[str, dict[str, Any]]
) -> None:
    assert len(served_charts) > 20
    for chart_id, c in served_charts.items():
        r = client.get(f"/charts/{chart_id}.csv")
        assert r.status_code == 200, chart_id
        assert r.headers["content-type"] == "text/csv; charset=utf-8"
        assert r.text == c["csv"], chart_id  # the file the page's "Data (CSV)" link gives
    missing = client.get("/charts/no-such-chart.csv")
    assert missing.status_code == 404 and missing.json()["error"]["status"] == 404


def test_the_csv_is_what_the_chart_draws(
    client: Client, served_charts: dict[str, dict[str, Any]]
) -> None:
    compared = 0
    for chart_id, c in served_charts.items():
        rows = list(csv.DictReader(io.StringIO(client.get(f"/charts/{chart_id}.csv").text)))
        fields = list(rows[0]) if rows else []
        assert rows, chart_id
        if "layer" not in c["spec"]:
            # one dataset: the CSV is exactly the rows drawn
            drawn = spec_rows(c["spec"])
            csv_rows = sorted(tuple(r.get(k, "") for k in fields) for r in rows)
            assert csv_rows == sorted(tuple(cell(d.get(k)) for k in fields) for d in drawn)
        else:
            # layered (goal and reasoning charts): every row a layer draws with the CSV's
            # columns is in the CSV (which also lists the grade bands as lo..hi); rows
            # without them are decorations (labels at a line's end, the latest point)
            drawn = [d for d in spec_rows(c["spec"]) if set(fields) <= d.keys()]
            have = {tuple(norm(r.get(k, "")) for k in fields) for r in rows}
            lost = [d for d in drawn if tuple(norm(cell(d[k])) for k in fields) not in have]
            assert drawn and not lost, (chart_id, lost[:3])
        compared += 1
    assert compared == len(served_charts)


def test_the_csv_is_what_the_interactive_chart_draws(
    client: Client, served_charts: dict[str, dict[str, Any]]
) -> None:
    interactive = {i: c for i, c in served_charts.items() if c.get("interactive")}
    assert "mex-exports-imports" in interactive
    for chart_id, c in interactive.items():
        payload = json.loads(c["interactive"])
        rows = list(csv.DictReader(io.StringIO(client.get(f"/charts/{chart_id}.csv").text)))
        x, series, y = list(rows[0])
        table = {(r[x][:10], r[series]): float(r[y]) for r in rows if r[y] != ""}
        scale = 1e9 if payload["unit"] == "USD" and y.endswith("_bn") else 1.0
        checked = 0
        for s in payload["series"]:
            if s.get("ref"):
                continue
            for period, value in zip(payload["periods"], s["latest"], strict=True):
                key = (period[: len(rows[0][x][:10])], s["label"])
                if value is None:
                    assert key not in table, (chart_id, key)
                    continue
                # the CSV keeps 4 decimals of its unit (US$ bn: to US$100,000)
                assert table[key] == pytest.approx(value / scale, abs=0.00005), (chart_id, key)
                checked += 1
        assert checked == len(table), chart_id


def test_the_spanish_charts_draw_the_same_numbers(
    client: Client, served: Served, served_charts: dict[str, dict[str, Any]]
) -> None:
    """The CSV is written once per build, with the labels of the site's first language
    (English): a Spanish chart draws the same rows and numbers under Spanish labels."""
    spanish = _charts_of(served, "es")
    assert spanish.keys() == served_charts.keys()
    for chart_id, c in spanish.items():
        served_rows = list(csv.DictReader(io.StringIO(client.get(f"/charts/{chart_id}.csv").text)))
        own = list(csv.DictReader(io.StringIO(c["csv"])))
        assert len(own) == len(served_rows), chart_id
        numeric = [k for k in (own[0] if own else {}) if _numeric(r[k] for r in own)]
        for mine, theirs in zip(own, served_rows, strict=True):
            assert {k: mine[k] for k in numeric} == {k: theirs[k] for k in numeric}, chart_id


def _numeric(values: Iterator[str]) -> bool:
    try:
        return all(v == "" or float(v) is not None for v in values)
    except ValueError:
        return False
