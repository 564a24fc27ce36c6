"""Findings on a real store: earlier vintages' rank evaluations are kept between runs, and the
findings JSON is the same from a cold and a warm cache (issue 15, part 5)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from norte.findings import vcache
from norte.findings.feed import to_json
from norte.findings.run import detect
from norte.indicators import compute
from norte.sources import census_api, census_xlsx, spi_mexico
from norte.store import Store


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dt.date | None]:
    """The engine runs of earlier vintages (through the cache module), cache in tmp_path."""
    monkeypatch.setenv("NORTE_CACHE_DIR", str(tmp_path / "cache"))
    seen: list[dt.date | None] = []
    real = vcache.evaluate_ranks

    def counting(store: Store, defs: Any, as_of: Any, keep: Any, *a: Any, **kw: Any) -> Any:
        seen.append(as_of)
        return real(store, defs, as_of, keep, *a, **kw)

    monkeypatch.setattr(vcache, "evaluate_ranks", counting)
    return seen


def test_warm_cache_same_findings_fewer_engine_runs(
    shared: Path, tmp_path: Path, calls: list[dt.date | None]
) -> None:
    db = tmp_path / "norte.duckdb"
    exports = shared / "census/api/exports-country-2013-2024.json.gz"
    imports = shared / "census/api/imports-country-2013-2024.json.gz"
    with Store(db) as s:
        s.load_file(shared / "census/country.xlsx", census_xlsx)  # 2024-08-06
        s.load_file(exports, census_api, vintage=dt.date(2024, 10, 1))
        s.load_file(imports, census_api, vintage=dt.date(2024, 10, 1))
        s.load_file(exports, census_api)  # 2025-02-06
        s.load_file(imports, census_api)
        compute(s)
        cold = json.dumps(to_json(detect(s).findings), sort_keys=True)
        # the latest figures (None), then every earlier vintage
        assert calls == [None, dt.date(2024, 8, 6), dt.date(2024, 10, 1)]
        warm = json.dumps(to_json(detect(s).findings), sort_keys=True)
        assert len(calls) == 3  # nothing evaluated again
        assert warm == cold and '"earliest_vintage"' in cold
        # a release of another source (Mexico's SPI) leaves the rank inputs as they were
        s.load_file(shared / "spi/mexico-states/00_IPS_COMPLETE_LONG.xlsx", spi_mexico)
        compute(s)
        assert json.dumps(to_json(detect(s).findings), sort_keys=True) != ""
        assert len(calls) == 3  # the rankings' latest figures too came from the cache
        # a load into an earlier vintage changes what was known then: evaluated again
        s.con.execute(
            "UPDATE observations_long SET value = value * 2 WHERE vintage = DATE '2024-10-01' "
            "AND partner = 'MEX' AND period = DATE '2024-06-01'"
        )
        detect(s)
        assert calls[3:] == [None, dt.date(2024, 10, 1)]  # every row is in the latest checksum
