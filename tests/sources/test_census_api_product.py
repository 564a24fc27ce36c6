"""Census API bodies of the naics / hitech / enduse endpoints: detected before census-api (which
would misread them), stored with their product scheme, bad values named by JSON row and
column with nothing stored. The bodies are in the API's documented shape (no real response of
these endpoints is in the shared data; tests/fetch replays them too)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from norte import sources
from norte.errors import InputError
from norte.sources import census_api, census_api_product
from norte.store import Store


def _body(tmp_path: Path, rows: list[list[str]], name: str = "hitech.json.gz") -> Path:
    header = ["HITECH", "CTY_CODE", "CTY_NAME", "GEN_VAL_MO", "YEAR", "MONTH"]
    path = tmp_path / name
    path.write_bytes(gzip.compress(json.dumps([header, *rows]).encode()))
    return path


def test_hitech_body_is_read_with_its_scheme(tmp_path: Path, store: Store) -> None:
    path = _body(
        tmp_path,
        [["05", "2010", "MEXICO", "700", "2024", "01"], ["05", "-", "TOTAL", "9000", "2024", "01"]],
    )
    assert sources.detect(path) is census_api_product
    assert census_api.detect(path)  # census-api would claim it too: order matters
    store.load_many([(path, census_api_product)])
    rows = store.con.execute(
        "SELECT dataset, product_scheme, product_code, partner, value FROM observations ORDER BY value"
    ).fetchall()
    assert rows == [
        ("trade_by_country_hitech", "ATP", "05", "MEX", 700.0),
        ("trade_by_country_hitech", "ATP", "05", "WORLD", 9000.0),
    ]


def test_a_bad_value_is_named(tmp_path: Path, store: Store) -> None:
    path = _body(tmp_path, [["05", "2010", "MEXICO", "seven", "2024", "01"]])
    with pytest.raises(InputError, match=r"JSON row 1, column GEN_VAL_MO: 'seven' is not a number"):
        store.load_many([(path, census_api_product)])
    assert store.count() == 0 and store.count("loads") == 0
