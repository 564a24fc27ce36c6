"""The Census API reader parses in DuckDB: same rows as a plain json.load reading, and the
body is never held in Python objects (issue 15, part 5)."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from pathlib import Path

import pytest

from norte.errors import InputError
from norte.sources import census_api
from norte.sources.census_codes import PartnerMapper
from norte.store import Store

HS2 = "census/api/imports-hs2-country-2023-2024.json.gz"


def _reference(path: Path) -> set[tuple[object, ...]]:
    """The rows the file holds, read the obvious way (the whole body as Python lists)."""
    rows = json.loads(gzip.decompress(path.read_bytes()))
    header = rows[0]
    ix = {c: i for i, c in enumerate(header)}
    mapper = PartnerMapper(path, "api")
    out = set()
    for row in rows[1:]:
        period = f"{row[ix['YEAR']]}-{row[ix['MONTH']]}-01"
        partner = mapper(row[ix["CTY_CODE"]], "")
        code = row[ix["I_COMMODITY"]] if "I_COMMODITY" in ix else None
        level = row[ix["COMM_LVL"]] if "COMM_LVL" in ix else None
        for col in ("ALL_VAL_MO", "GEN_VAL_MO", "CON_VAL_MO"):
            if col in ix and row[ix[col]] not in ("", None):
                flow, measure = census_api.VALUE_COLUMNS[col]
                out.add((flow, partner, level, code, measure, period, float(row[ix[col]])))
    return out


@pytest.mark.parametrize(
    "name", [HS2, "census/api/exports-country-2013-2024.json.gz"], ids=["hs2", "exports"]
)
def test_rows_match_a_plain_json_reading(shared: Path, store: Store, name: str) -> None:
    store.load_file(shared / name, census_api)
    got = store.con.execute(
        "SELECT flow, partner, product_scheme, product_code, measure, strftime(period, "
        "'%Y-%m-%d'), value FROM observations"
    ).fetchall()
    assert len(got) == len(set(got))
    assert set(got) == _reference(shared / name)


def test_body_is_not_held_in_python(shared: Path, store: Store) -> None:
    """285,711 rows: reading them as Python lists allocates hundreds of MB; the DuckDB reader
    allocates next to nothing on the Python heap (tracemalloc sees Python allocations only)."""
    tracemalloc.start()
    try:
        store.load_file(shared / HS2, census_api)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert store.count() == 285_711
    assert peak < 20 * 2**20, f"{peak / 2**20:.0f} MB allocated by Python while loading"


def test_row_errors_come_in_file_order(shared: Path, store: Store, tmp_path: Path) -> None:
    """A bad month in row 7 and a bad value in row 4: row 4 is reported (as the file reads)."""
    rows = json.loads(gzip.decompress((shared / HS2).read_bytes()))
    rows[7][rows[0].index("MONTH")] = "13"
    rows[4][rows[0].index("GEN_VAL_MO")] = "n/a"
    bad = tmp_path / "imports.json"
    bad.write_text(json.dumps(rows))
    with pytest.raises(InputError, match=r"JSON row 4, column GEN_VAL_MO.*'n/a'"):
        store.load_file(bad, census_api)
    rows[4][rows[0].index("GEN_VAL_MO")] = "1"
    bad.write_text(json.dumps(rows))
    with pytest.raises(InputError, match=r"JSON row 7, column YEAR/MONTH.*is not a month"):
        store.load_file(bad, census_api)
    assert store.count() == 0


def test_not_an_array_of_arrays(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "exports.json"
    bad.write_text('{"CTY_CODE": "2010"}')
    with pytest.raises(InputError, match="not a JSON array of arrays"):
        store.load_file(bad, census_api)
    assert store.count() == 0
