"""Loading the classification files: own tables (never ``observations``), atomic, idempotent,
bad input named by file, line and field with the store left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from norte.classify.bea import naics_list
from norte.errors import InputError
from norte.ingest import ingest
from norte.store import Store

EXP = "census/concordance/exp-code-2019.txt"


def _counts(store: Store) -> tuple[int, ...]:
    return tuple(
        store.con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]  # noqa: S608
        for t in ("crosswalk_pairs", "classification_codes", "loads", "observations")
    )


def test_crosswalks_are_tables_not_observations(crosswalk_db: Path) -> None:
    with Store(crosswalk_db, read_only=True) as s:
        pairs, codes, loads, obs = _counts(s)
        assert obs == 0 and loads == 6 and pairs > 100_000 and codes > 20_000
        rows = s.con.execute(
            "SELECT from_scheme, to_scheme FROM crosswalks WHERE location LIKE '%expconcord17.xls'"
        ).fetchall()
        # The 2017 concordance uses NAICS 2012 (211111 crude petroleum), read from its codes.
        assert ("scheduleb2017", "naics2012") in rows and ("scheduleb2017", "naics2017") not in rows


def test_loading_twice_adds_nothing(shared: Path, tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as s:
        ingest(s, [shared / EXP])
        before = _counts(s)
        again = ingest(s, [shared / EXP])
        assert again.loaded == 0 and _counts(s) == before


def test_a_cut_line_is_named_and_the_store_is_unchanged(shared: Path, tmp_path: Path) -> None:
    lines = (shared / EXP).read_bytes().split(b"\r\n")
    lines[41] = lines[41][:200]
    bad = tmp_path / "exp-code-2019.txt"
    bad.write_bytes(b"\r\n".join(lines))
    with Store(tmp_path / "s.duckdb") as s:
        ingest(s, [shared / "classifications/2022_to_2017_NAICS.xlsx"])
        before = _counts(s)
        with pytest.raises(
            InputError, match=r"exp-code-2019.txt: line 42: the line has 200 characters"
        ):
            ingest(s, [bad])
        assert _counts(s) == before


def test_a_bad_field_is_named(shared: Path, tmp_path: Path) -> None:
    lines = (shared / EXP).read_bytes().split(b"\r\n")
    lines[9] = lines[9][:265] + b"ABC123" + lines[9][271:]
    bad = tmp_path / "exp-code-2019.txt"
    bad.write_bytes(b"\r\n".join(lines))
    with (
        Store(tmp_path / "s.duckdb") as s,
        pytest.raises(InputError, match=r"line 10, NAICS: 'ABC123'"),
    ):
        ingest(s, [bad])


def test_bea_naics_lists_and_ranges() -> None:
    p = Path("bea.xlsx")
    assert naics_list("11113-6, 11119", p, "x") == ["11113", "11114", "11115", "11116", "11119"]
    assert naics_list("213112-5", p, "x") == ["213112", "213113", "213114", "213115"]
    assert naics_list("3361*", p, "x") == ["3361"] and naics_list("n.a.", p, "x") == []
    with pytest.raises(InputError, match="'33A' is not a NAICS code"):
        naics_list("33A", p, "row 9")
