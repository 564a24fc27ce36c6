"""BTS Border Crossing Entry Data on the real file: figures vs the raw CSV, places, bad input.

Expected figures are computed here from the raw file with the csv module (no DuckDB), so the
store is checked against an independent reading.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from norte import sources
from norte.cli import main
from norte.errors import InputError, UnknownCodeError
from norte.sources import bts_crossings
from norte.store import Store

REL = "bts/border_crossing_entry_data.csv.gz"


@pytest.fixture(scope="module")
def raw(shared: Path) -> list[dict[str, str]]:
    with gzip.open(shared / REL, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def loaded(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = Store(tmp_path_factory.mktemp("bts") / "norte.duckdb")
    s.load_file(shared / REL, bts_crossings)
    yield s
    s.close()


def _by_key(raw: list[dict[str, str]]) -> dict[tuple[str, str, str, str], set[int]]:
    out: dict[tuple[str, str, str, str], set[int]] = defaultdict(set)
    for r in raw:
        out[(r["Port Code"], r["Border"], r["Date"], r["Measure"])].add(int(r["Value"]))
    return out


def test_detected(shared: Path) -> None:
    assert sources.detect(shared / REL) is bts_crossings


def test_every_key_stored_once(raw: list[dict[str, str]], loaded: Store) -> None:
    keys = _by_key(raw)
    rows = loaded.con.execute(
        "SELECT count(*), count(*) FILTER (WHERE value IS NULL) FROM observations "
        "WHERE source = 'bts'"
    ).fetchall()[0]
    assert rows[0] == len(keys)
    assert rows[1] == sum(1 for v in keys.values() if len(v) > 1)
    dup = loaded.con.execute(
        "SELECT count(*) FROM (SELECT source, dataset, partner, geo_code, measure, period "
        "FROM observations GROUP BY ALL HAVING count(*) > 1)"
    ).fetchall()[0][0]
    assert dup == 0


def test_trucks_from_mexico_by_year(raw: list[dict[str, str]], loaded: Store) -> None:
    expected: dict[int, int] = defaultdict(int)
    for (_, border, date, measure), vals in _by_key(raw).items():
        if measure == "Trucks" and border == "US-Mexico Border":
            assert len(vals) == 1
            expected[int(date[-4:])] += next(iter(vals))
    got = dict(
        loaded.con.execute(
            "SELECT year(period), sum(value)::BIGINT FROM observations WHERE source = 'bts' "
            "AND measure = 'trucks' AND partner = 'MEX' AND unit = 'vehicles' "
            "AND year(period) BETWEEN 1996 AND 2024 GROUP BY 1"
        ).fetchall()
    )
    assert got == {y: v for y, v in expected.items() if 1996 <= y <= 2024}
    assert len(got) == 29 and all(v > 2_000_000 for v in got.values())


def test_top5_ports_2024(raw: list[dict[str, str]], loaded: Store) -> None:
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for r in raw:
        if (
            r["Measure"] == "Trucks"
            and r["Border"] == "US-Mexico Border"
            and r["Date"].endswith("2024")
        ):
            totals[(r["Port Code"], r["Port Name"])] += int(r["Value"])
    expected = sorted(totals.items(), key=lambda kv: -kv[1])[:5]
    got = loaded.con.execute(
        "SELECT o.geo_code, p.name, sum(o.value)::BIGINT AS v FROM observations o "
        "JOIN places p ON p.scheme = o.geo_scheme AND p.code = o.geo_code "
        "WHERE o.measure = 'trucks' AND o.partner = 'MEX' AND year(o.period) = 2024 "
        "GROUP BY 1, 2 ORDER BY v DESC LIMIT 5"
    ).fetchall()
    assert [((c, n), v) for c, n, v in got] == expected
    assert got[0][1] == "Laredo"


def test_conflicting_duplicate_is_null_with_lines(shared: Path, store: Store) -> None:
    result = store.load_file(shared / REL, bts_crossings)
    (warning,) = result.warnings
    lines = [int(x) for x in re.search(r"lines ([\d, ]+)\)", warning).group(1).split(", ")]  # type: ignore[union-attr]
    with gzip.open(shared / REL, "rt", encoding="utf-8") as f:
        text = f.read().splitlines()
    values = {text[n - 1].split(",")[6] for n in lines}
    assert len(values) == 2 and all("Sasabe" in text[n - 1] for n in lines)
    row = store.con.execute(
        "SELECT value, status FROM observations WHERE geo_code = '2606' "
        "AND measure = 'bus_passengers' AND period = '2021-02-01'"
    ).fetchall()
    assert row == [(None, "conflicting_duplicates")]
    assert "10 rows repeated identically" in "; ".join(result.notes)


def test_places_from_point(raw: list[dict[str, str]], loaded: Store) -> None:
    laredo = next(r for r in raw if r["Port Code"] == "2304")
    lon, lat = map(float, re.findall(r"-?[\d.]+", laredo["Point"]))
    got = loaded.con.execute(
        "SELECT name, region, country, lat, lon FROM places WHERE scheme='us_port' AND code='2304'"
    ).fetchall()
    assert got == [("Laredo", "Texas", "USA", lat, lon)]
    n = loaded.con.execute("SELECT count(*) FROM places WHERE scheme = 'us_port'").fetchall()
    assert n[0][0] == len({r["Port Code"] for r in raw})


def test_codes_documented(loaded: Store) -> None:
    missing = loaded.con.execute(
        "SELECT DISTINCT o.measure FROM observations o LEFT JOIN codes c "
        "ON c.scheme = 'measure' AND c.code = o.measure WHERE c.code IS NULL"
    ).fetchall()
    assert missing == []
    ports = loaded.con.execute(
        "SELECT count(DISTINCT o.geo_code) FILTER (WHERE c.code IS NULL) FROM observations o "
        "LEFT JOIN codes c ON c.scheme = 'us_port' AND c.code = o.geo_code"
    ).fetchall()
    assert ports[0][0] == 0
    ds = loaded.con.execute(
        "SELECT count(*) FROM codes WHERE scheme = 'dataset' AND code = 'border_crossings'"
    ).fetchall()
    assert ds[0][0] == 1


def test_vintage_from_newest_month(loaded: Store) -> None:
    row = loaded.con.execute("SELECT vintage, vintage_from FROM loads").fetchall()[0]
    assert str(row[0]) == "2025-04-29" and "2025-02" in row[1]


def test_same_file_twice_and_same_rows_recompressed(
    shared: Path, store: Store, tmp_path: Path
) -> None:
    first = store.load_file(shared / REL, bts_crossings)
    again = store.load_file(shared / REL, bts_crossings)
    assert again.outcome == "already-loaded" and again.rows == 0
    plain = tmp_path / "border_crossing_entry_data.csv"
    plain.write_bytes(gzip.decompress((shared / REL).read_bytes()))
    other = store.load_file(plain, bts_crossings)
    assert other.outcome == "loaded" and other.rows == 0 and other.rows_skipped == first.rows
    assert store.count() == first.rows


# -- bad input ---------------------------------------------------------------------------------


def _lines(shared: Path, n: int) -> list[str]:
    with gzip.open(shared / REL, "rt", encoding="utf-8") as f:
        return [next(f) for _ in range(n)]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_bytes(gzip.compress("".join(lines).encode()))
    return path


def _state(store: Store) -> tuple[object, ...]:
    return tuple(
        store.con.execute(
            "SELECT (SELECT count(*) FROM observations), (SELECT count(*) FROM loads), "
            "(SELECT count(*) FROM places), (SELECT sum(value) FROM observations)"
        ).fetchall()[0]
    )


@pytest.fixture
def seeded(shared: Path, store: Store, tmp_path: Path) -> Store:
    """A store holding a valid slice of the real file, to show failed loads change nothing."""
    store.load_file(_write(tmp_path / "ok.csv.gz", _lines(shared, 2000)), bts_crossings)
    return store


def test_truncated_gzip(shared: Path, seeded: Store, tmp_path: Path) -> None:
    before = _state(seeded)
    bad = tmp_path / "border_crossing_entry_data.csv.gz"
    data = (shared / REL).read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as e:
        seeded.load_file(bad, bts_crossings)
    assert str(bad) in str(e.value) and "download it again" in str(e.value)
    assert _state(seeded) == before


def test_missing_column(shared: Path, seeded: Store, tmp_path: Path) -> None:
    lines = _lines(shared, 50)
    lines[0] = lines[0].replace("Measure", "Measures")
    before = _state(seeded)
    with pytest.raises(InputError) as e:
        seeded.load_file(_write(tmp_path / "x.csv.gz", lines), bts_crossings)
    assert "line 1 (header)" in str(e.value) and "missing column(s) Measure" in str(e.value)
    assert _state(seeded) == before


def test_non_numeric_value_names_line(shared: Path, seeded: Store, tmp_path: Path) -> None:
    lines = _lines(shared, 500)
    cells = next(csv.reader(io.StringIO(lines[321])))
    cells[6] = "12a"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)
    lines[321] = buf.getvalue()
    before = _state(seeded)
    with pytest.raises(InputError) as e:
        seeded.load_file(_write(tmp_path / "x.csv.gz", lines), bts_crossings)
    assert "line 322, column Value" in str(e.value) and "'12a'" in str(e.value)
    assert _state(seeded) == before


def test_unknown_border_and_port(shared: Path, seeded: Store, tmp_path: Path) -> None:
    lines = _lines(shared, 300)
    lines[100] = (
        lines[100]
        .replace("US-Canada Border", "US-Atlantis Border")
        .replace("US-Mexico Border", "US-Atlantis Border")
    )
    before = _state(seeded)
    with pytest.raises(UnknownCodeError) as e:
        seeded.load_file(_write(tmp_path / "b.csv.gz", lines), bts_crossings)
    assert "line 101, column Border" in str(e.value) and "US-Atlantis Border" in str(e.value)
    lines = _lines(shared, 300)
    port = next(csv.reader(io.StringIO(lines[7])))[2]
    first = next(i for i, ln in enumerate(lines) if next(csv.reader([ln]))[2] == port)
    lines = [ln.replace(f",{port},", ",9999,") for ln in lines]
    with pytest.raises(UnknownCodeError) as e:
        seeded.load_file(_write(tmp_path / "p.csv.gz", lines), bts_crossings)
    assert f"line {first + 1}, column Port Code" in str(e.value) and "'9999'" in str(e.value)
    assert _state(seeded) == before
    kept = seeded.load_file(tmp_path / "p.csv.gz", bts_crossings, options={"unknown_codes": "keep"})
    assert any("9999" in w for w in kept.warnings)
    assert seeded.con.execute("SELECT count(*) FROM places WHERE code = '9999'").fetchall()[0][0]


def test_cli_exit_code_and_message(
    shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _lines(shared, 50)
    lines[0] = lines[0].replace("Value", "Count")
    bad = _write(tmp_path / "border_crossing_entry_data.csv.gz", lines)
    db = tmp_path / "cli.duckdb"
    code = main(["--db", str(db), "ingest", "--format", "bts-crossings", str(bad)])
    assert code != 0
    assert "missing column(s) Value" in capsys.readouterr().err
    with Store(db) as s:
        assert s.count() == 0 and s.count("loads") == 0


# -- the figures shown in docs/architecture.md ("What the sources show") ----------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def trucks_markdown(store: Store) -> tuple[str, str]:
    """The two truck tables of the docs (by year; top 5 ports of 2024), from the store."""
    years = store.con.execute(
        "SELECT year(period) AS y, sum(value)::BIGINT AS v, "
        "round(100 * (v / lag(v) OVER (ORDER BY y) - 1), 1) AS yoy "
        "FROM observations_latest WHERE source = 'bts' AND measure = 'trucks' "
        "AND partner = 'MEX' AND year(period) BETWEEN 1996 AND 2024 GROUP BY y ORDER BY y"
    ).fetchall()
    top = store.con.execute(
        "SELECT p.name, p.region, o.geo_code, sum(o.value)::BIGINT AS v, "
        "round(100 * v / sum(v) OVER (), 1) FROM observations_latest o "
        "JOIN places p ON p.scheme = o.geo_scheme AND p.code = o.geo_code "
        "WHERE o.source = 'bts' AND o.measure = 'trucks' AND o.partner = 'MEX' "
        "AND year(o.period) = 2024 GROUP BY ALL ORDER BY v DESC"
    ).fetchall()
    lines = ["| year | trucks from Mexico | change |", "|---|---:|---:|"]
    lines += [f"| {y} | {v:,} | {'' if c is None else f'{c:+.1f}%'} |" for y, v, c in years]
    ports = ["| rank | port (state, code) | trucks 2024 | share of the border |"]
    ports += ["|---|---|---:|---:|"]
    ports += [
        f"| {i} | {n} ({s}, {c}) | {v:,} | {sh:.1f}% |"
        for i, (n, s, c, v, sh) in enumerate(top[:5], start=1)
    ]
    return "\n".join(lines), "\n".join(ports)


def test_docs_show_the_store_figures(loaded: Store) -> None:
    docs = DOCS.read_text(encoding="utf-8")
    for table in trucks_markdown(loaded):
        assert table in docs, "regenerate the docs table:\n" + table
