"""The relation of each pair, computed from the pairs: one test per kind, on made-up pairs and
on the agencies' files (where the UN states its own relation, ours must agree with it)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from norte.classify.relation import relations, reverse


def test_one_to_one() -> None:
    assert relations([("a", "x"), ("b", "y")]) == {("a", "x"): "1:1", ("b", "y"): "1:1"}


def test_one_to_many_is_a_split() -> None:
    got = relations([("a", "x"), ("a", "y"), ("b", "z")])
    assert got == {("a", "x"): "1:n", ("a", "y"): "1:n", ("b", "z"): "1:1"}


def test_many_to_one_is_a_merge() -> None:
    got = relations([("a", "x"), ("b", "x")])
    assert got == {("a", "x"): "n:1", ("b", "x"): "n:1"}


def test_many_to_many() -> None:
    # a splits into x and y; y also receives b: the pair (a, y) is n:n, (a, x) a split,
    # (b, y) a merge.
    got = relations([("a", "x"), ("a", "y"), ("b", "y")])
    assert got == {("a", "x"): "1:n", ("a", "y"): "n:n", ("b", "y"): "n:1"}


def test_repeated_pairs_count_once_and_reverse_swaps() -> None:
    assert relations([("a", "x"), ("a", "x")]) == {("a", "x"): "1:1"}
    assert [reverse(r) for r in ("1:1", "1:n", "n:1", "n:n")] == ["1:1", "n:1", "1:n", "n:n"]


def _pairs(db: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        # NAICS 2022 111110 Soybean Farming = 2017 111110
        ("from_scheme = 'naics2022' AND from_code = '111110'", [("111110", "1:1")]),
        # NAICS 2022 336110 merged 2017 336111 and 336112: from 2022, a split
        (
            "from_scheme = 'naics2022' AND from_code = '336110'",
            [("336111", "1:n"), ("336112", "1:n")],
        ),
        # many Schedule B codes into one NAICS industry
        (
            "from_scheme = 'scheduleb2019' AND from_code = '8542310000' AND to_scheme = 'naics2017'",
            [("334413", "n:1")],
        ),
    ],
)
def test_relations_of_real_pairs(
    crosswalk_db: Path, where: str, expected: list[tuple[str, str]]
) -> None:
    rows = _pairs(
        crosswalk_db, f"SELECT to_code, relation FROM crosswalk_pairs WHERE {where} ORDER BY 1"
    )  # noqa: S608
    assert rows == expected


def test_every_kind_occurs_in_the_hs_correlations_and_matches_the_un(crosswalk_db: Path) -> None:
    rows = _pairs(
        crosswalk_db,
        "SELECT relation, agency_relation, count(*) FROM crosswalk_pairs "
        "WHERE from_scheme = 'hs2022' AND to_scheme = 'hs2017' GROUP BY ALL ORDER BY 1",
    )
    # The UN's stated relationship agrees with ours on every one of its 15,657 rows.
    assert rows == [
        ("1:1", "1:1", 4097),
        ("1:n", "1:n", 54),
        ("n:1", "n:1", 1392),
        ("n:n", "n:n", 10114),
    ]


@pytest.mark.parametrize(("width", "codes"), [(3, ("334", "335")), (4, ("3361", "3362", "3363"))])
def test_catalog_caveat_no_naics_2022_link_crosses_these_industries(
    crosswalk_db: Path, width: int, codes: tuple[str, ...]
) -> None:
    """The NAICS indicators' caveats say the 2017 -> 2022 change does not break them: every
    link of the Census concordance touching these industries stays inside the same one."""
    marks = ", ".join(f"'{c}'" for c in codes)
    rows = _pairs(
        crosswalk_db,
        f"SELECT count(*) FILTER (WHERE left(from_code, {width}) <> left(to_code, {width})), "  # noqa: S608
        f"count(*) FROM crosswalk_pairs WHERE from_scheme = 'naics2022' AND "
        f"(left(from_code, {width}) IN ({marks}) OR left(to_code, {width}) IN ({marks}))",
    )
    crossing, touching = rows[0]
    assert crossing == 0 and touching > 10
