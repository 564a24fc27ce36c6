"""Schema versions and the numbered, stepwise upgrades between them.

Every open checks the store's ``meta.schema_version`` (read-only opens included):

- a new (empty) file gets the current schema (:data:`~norte.store.schema.DDL`);
- a store of the current version opens as it is;
- an older store is upgraded by a writable open: the steps of :data:`STEPS` from its version
  to :data:`~norte.store.schema.SCHEMA_VERSION`, then the current DDL (``CREATE ... IF NOT
  EXISTS``: tables a store lacks are added), all in ONE transaction (a failure or ``kill -9``
  leaves the old store as it was; fault point ``migrate`` pauses before the COMMIT), and one
  line on stderr says so. A read-only open of an older store is refused with what to run;
- a store newer than this norte, or too old to upgrade (version 1), is refused.

A step's DDL is frozen in the step (not taken from :mod:`norte.store.schema`, which moves on);
``tests/store/test_migrations.py`` checks a migrated store equals a fresh one.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import duckdb

from norte import faults
from norte.errors import StoreError
from norte.store.codes import sync_codes
from norte.store.schema import DDL, SCHEMA_VERSION
from norte.store.staging import first


@dataclass(frozen=True)
class Step:
    """One upgrade: a store of ``from_version`` becomes ``to_version`` by ``apply(con)``
    (run inside the upgrade's transaction)."""

    from_version: int
    to_version: int
    description: str
    apply: Callable[[duckdb.DuckDBPyConnection], None]


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = first(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]))
    return row is not None and row[0] > 0


def _v2_to_v3(con: duckdb.DuckDBPyConnection) -> None:
    """DuckDB cannot drop a CHECK constraint: rebuild ``stakeholder_goals`` without the fixed
    goal count, keeping its rows (no view depends on it)."""
    if not _table_exists(con, "stakeholder_goals"):
        return  # the current DDL creates it
    con.execute("ALTER TABLE stakeholder_goals RENAME TO _v2_stakeholder_goals")
    con.execute(
        """CREATE TABLE stakeholder_goals (
    goal_id VARCHAR PRIMARY KEY,
    owner VARCHAR NOT NULL,
    parent INTEGER NOT NULL,
    title_en VARCHAR NOT NULL,
    title_es VARCHAR,
    title_fr VARCHAR,
    description_en VARCHAR,
    citation VARCHAR,
    indicators VARCHAR[],
    spec JSON NOT NULL,
    digest VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    added_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
)"""
    )
    con.execute("INSERT INTO stakeholder_goals SELECT * FROM _v2_stakeholder_goals")
    con.execute("DROP TABLE _v2_stakeholder_goals")


def _v3_to_v4(con: duckdb.DuckDBPyConnection) -> None:
    """The editorial review table of findings (frozen DDL of version 4)."""
    con.execute(
        """CREATE TABLE IF NOT EXISTS finding_reviews (
    finding_id VARCHAR PRIMARY KEY,
    decision VARCHAR NOT NULL CHECK (decision IN ('published', 'dismissed')),
    reason VARCHAR,
    headline_en VARCHAR NOT NULL,
    decided_at TIMESTAMP NOT NULL
)"""
    )


def _v4_to_v5(con: duckdb.DuckDBPyConnection) -> None:
    """The classification crosswalk tables and their summary view (frozen DDL of version 5)."""
    con.execute(
        """CREATE TABLE IF NOT EXISTS crosswalk_pairs (
    load_id BIGINT NOT NULL,
    from_scheme VARCHAR NOT NULL,
    from_code VARCHAR NOT NULL,
    to_scheme VARCHAR NOT NULL,
    to_code VARCHAR NOT NULL,
    relation VARCHAR NOT NULL CHECK (relation IN ('1:1', '1:n', 'n:1', 'n:n')),
    agency_relation VARCHAR,
    note VARCHAR,
    PRIMARY KEY (load_id, from_scheme, from_code, to_scheme, to_code)
)"""
    )
    con.execute(
        """CREATE TABLE IF NOT EXISTS classification_codes (
    load_id BIGINT NOT NULL,
    scheme VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    label_en VARCHAR,
    label_es VARCHAR,
    label_fr VARCHAR,
    trinational BOOLEAN,
    note VARCHAR,
    PRIMARY KEY (load_id, scheme, code)
)"""
    )
    con.execute(
        """CREATE OR REPLACE VIEW crosswalks AS
SELECT p.from_scheme, p.to_scheme, p.load_id, l.location, l.sha256, l.vintage,
       count(*) AS pairs,
       count(*) FILTER (WHERE p.relation = '1:1') AS one_to_one,
       count(*) FILTER (WHERE p.relation = '1:n') AS one_to_many,
       count(*) FILTER (WHERE p.relation = 'n:1') AS many_to_one,
       count(*) FILTER (WHERE p.relation = 'n:n') AS many_to_many
FROM crosswalk_pairs p JOIN loads l USING (load_id)
GROUP BY ALL ORDER BY p.from_scheme, p.to_scheme, p.load_id"""
    )
    con.execute(
        "CREATE OR REPLACE VIEW product_observations AS\nSELECT *, "
        "CASE WHEN regexp_matches(product_scheme, '^HS[0-9]+$') THEN CASE WHEN period >= DATE "
        "'2022-01-01' THEN 'hs2022' WHEN period >= DATE '2017-01-01' THEN 'hs2017' WHEN period "
        ">= DATE '2012-01-01' THEN 'hs2012' WHEN period >= DATE '2007-01-01' THEN 'hs2007' WHEN"
        " period >= DATE '2002-01-01' THEN 'hs2002' WHEN period >= DATE '1996-01-01' THEN "
        "'hs1996' WHEN period >= DATE '1988-01-01' THEN 'hs1988' ELSE 'hs1988' END WHEN "
        "product_scheme = 'NAICS' THEN CASE WHEN period >= DATE '2023-01-01' THEN 'naics2022' "
        "WHEN period >= DATE '2018-01-01' THEN 'naics2017' WHEN period >= DATE '2013-01-01' "
        "THEN 'naics2012' WHEN period >= DATE '2008-01-01' THEN 'naics2007' WHEN period >= DATE"
        " '2003-01-01' THEN 'naics2002' WHEN period >= DATE '1997-01-01' THEN 'naics1997' ELSE "
        "'naics1997' END ELSE lower(product_scheme) END"
        " AS classification\nFROM observations WHERE product_scheme IS NOT NULL"
    )


#: The upgrades, in order. Version 1 (``observations`` a table with TransBorder long) has no
#: step: such stores are refused with a message to make them again.
STEPS: tuple[Step, ...] = (
    Step(
        2,
        3,
        "stakeholder_goals.parent no longer limited to goals 1-4 by the DDL (the goals code "
        "validates parents); tables of the version-2 DDL a store lacks are created",
        _v2_to_v3,
    ),
    Step(3, 4, "finding_reviews: editors' published/dismissed decisions on findings", _v3_to_v4),
    Step(
        4,
        5,
        "classification crosswalks: crosswalk_pairs, classification_codes, views crosswalks "
        "and product_observations",
        _v4_to_v5,
    ),
)


def plan(version: int) -> list[Step]:
    """The steps from ``version`` to :data:`SCHEMA_VERSION`; empty if there is no path."""
    steps: list[Step] = []
    by_from = {s.from_version: s for s in STEPS}
    while version < SCHEMA_VERSION and version in by_from:
        steps.append(by_from[version])
        version = by_from[version].to_version
    return steps if version == SCHEMA_VERSION else []


def stored_version(con: duckdb.DuckDBPyConnection, path: Path) -> int | None:
    """The store's schema version; None for an empty database (no tables at all)."""
    if not _table_exists(con, "meta"):
        row = first(con.execute("SELECT count(*) FROM duckdb_tables() WHERE NOT temporary"))
        if row is not None and row[0] == 0:
            return None
        raise StoreError(
            f"{path} is a DuckDB database but not a norte store (it has no meta table) — "
            "use another --db path"
        )
    row = first(con.execute("SELECT value FROM meta WHERE key = 'schema_version'"))
    if row is None or not str(row[0]).isdigit():
        raise StoreError(
            f"store {path} records no schema version in its meta table — it was not made by "
            "norte, or was edited; use another --db path"
        )
    return int(row[0])


def _refuse(path: Path, version: int) -> StoreError:
    if version > SCHEMA_VERSION:
        return StoreError(
            f"store {path} has schema version {version}, newer than this norte knows "
            f"({SCHEMA_VERSION}) — it was written by a later norte: upgrade norte, or use "
            "another --db path"
        )
    return StoreError(
        f"store {path} has schema version {version}, which this norte cannot upgrade (it "
        f"upgrades from version {min(s.from_version for s in STEPS)}) — make the store again "
        "with 'norte build' (or 'norte ingest FILE...') into a new --db path"
    )


def check_read_only(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """A read-only open: refuse a store this norte cannot read as it is."""
    version = stored_version(con, path)
    if version is None:
        raise StoreError(
            f"store {path} is empty (no norte schema) — run 'norte ingest FILE' or "
            "'norte build' first"
        )
    if version == SCHEMA_VERSION:
        return
    if version < SCHEMA_VERSION and plan(version):
        raise StoreError(
            f"store {path} has schema version {version}, this norte uses {SCHEMA_VERSION} — "
            f"upgrade it once with 'norte migrate' (or any command that writes to the store, "
            "e.g. 'norte ingest'), then run this command again"
        )
    raise _refuse(path, version)


def ensure(con: duckdb.DuckDBPyConnection, path: Path, err: TextIO | None = None) -> None:
    """A writable open: create, upgrade or check the schema and sync the code tables, in one
    transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        version = stored_version(con, path)
        steps: list[Step] = []
        if version is not None and version != SCHEMA_VERSION:
            steps = plan(version) if version < SCHEMA_VERSION else []
            if not steps:
                raise _refuse(path, version)
            for step in steps:
                step.apply(con)
        for stmt in DDL:
            con.execute(stmt)
        if version is None:
            con.execute(
                "INSERT INTO meta VALUES ('schema_version', ?), ('created', ?)",
                [str(SCHEMA_VERSION), dt.datetime.now(dt.UTC).isoformat(timespec="seconds")],
            )
        elif steps:
            con.execute(
                "UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)]
            )
            con.execute(
                "INSERT OR REPLACE INTO meta VALUES ('upgraded', ?)",
                [dt.datetime.now(dt.UTC).isoformat(timespec="seconds")],
            )
        sync_codes(con)
        if steps:
            faults.point("migrate")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if steps:
        print(
            f"norte: upgraded store {path} from schema {version} to {SCHEMA_VERSION}",
            file=err or sys.stderr,
            flush=True,
        )
