"""The store's SQL surface: tables, views and macros analysts query directly.

This file is the single definition of the schema; ``docs/architecture.md`` documents it.
Bump :data:`SCHEMA_VERSION` on any incompatible change.
"""

from __future__ import annotations

SCHEMA_VERSION = 1

#: Columns that identify one observed number (a series point), vintage excluded.
KEY_COLUMNS: tuple[str, ...] = (
    "source",
    "dataset",
    "flow",
    "reporter",
    "partner",
    "product_scheme",
    "product_code",
    "mode",
    "geo_scheme",
    "geo_code",
    "detail",
    "measure",
    "unit",
    "period",
    "freq",
)

#: Columns of ``observations`` in order, with DuckDB types.
OBSERVATION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source", "VARCHAR NOT NULL"),
    ("dataset", "VARCHAR NOT NULL"),
    ("flow", "VARCHAR"),
    ("reporter", "VARCHAR"),
    ("partner", "VARCHAR"),
    ("product_scheme", "VARCHAR"),
    ("product_code", "VARCHAR"),
    ("mode", "VARCHAR"),
    ("geo_scheme", "VARCHAR"),
    ("geo_code", "VARCHAR"),
    ("detail", "VARCHAR"),
    ("measure", "VARCHAR NOT NULL"),
    ("unit", "VARCHAR NOT NULL"),
    ("period", "DATE NOT NULL"),
    ("freq", "VARCHAR NOT NULL"),
    ("value", "DOUBLE"),
    ("vintage", "DATE NOT NULL"),
    ("status", "VARCHAR"),
    ("load_id", "BIGINT NOT NULL"),
)

#: What a source writes into the staging table: everything but ``load_id``.
STAGE_COLUMNS = tuple(c for c in OBSERVATION_COLUMNS if c[0] != "load_id")

_PARTITION = ", ".join(KEY_COLUMNS)


def _cols(cols: tuple[tuple[str, str], ...]) -> str:
    return ",\n    ".join(f"{name} {typ}" for name, typ in cols)


DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    f"""CREATE TABLE IF NOT EXISTS observations (
    {_cols(OBSERVATION_COLUMNS)},
    CHECK (freq IN ('M', 'Q', 'A'))
)""",
    """CREATE TABLE IF NOT EXISTS loads (
    load_id BIGINT PRIMARY KEY,
    source VARCHAR NOT NULL,
    location VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    format VARCHAR NOT NULL,
    rows BIGINT NOT NULL,
    rows_skipped BIGINT NOT NULL,
    vintage DATE,
    vintage_from VARCHAR,
    started TIMESTAMP NOT NULL,
    finished TIMESTAMP NOT NULL,
    outcome VARCHAR NOT NULL,
    notes VARCHAR
)""",
    """CREATE TABLE IF NOT EXISTS codes (
    scheme VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    label_en VARCHAR,
    label_es VARCHAR,
    label_fr VARCHAR,
    kind VARCHAR,
    parent VARCHAR,
    note VARCHAR,
    PRIMARY KEY (scheme, code)
)""",
    f"""CREATE OR REPLACE VIEW observations_latest AS
SELECT * FROM observations
QUALIFY row_number() OVER (PARTITION BY {_PARTITION} ORDER BY vintage DESC, load_id DESC) = 1""",
    f"""CREATE OR REPLACE MACRO observations_as_of(as_of) AS TABLE
SELECT * FROM observations
WHERE vintage <= CAST(as_of AS DATE)
QUALIFY row_number() OVER (PARTITION BY {_PARTITION} ORDER BY vintage DESC, load_id DESC) = 1""",
    """CREATE OR REPLACE VIEW vintages AS
SELECT source, dataset, vintage, count(*) AS rows, min(period) AS first_period,
       max(period) AS last_period, list(DISTINCT load_id ORDER BY load_id) AS load_ids
FROM observations GROUP BY ALL ORDER BY source, dataset, vintage""",
    # Indicators (issue #4): computed values, one set of rows per indicator and input vintage.
    """CREATE TABLE IF NOT EXISTS indicator_values (
    indicator_id VARCHAR NOT NULL,
    base_id VARCHAR NOT NULL,
    flow VARCHAR,
    partner VARCHAR,
    product_code VARCHAR,
    mode VARCHAR,
    geo_code VARCHAR,
    detail VARCHAR,
    measure VARCHAR,
    period DATE NOT NULL,
    freq VARCHAR NOT NULL,
    value DOUBLE,
    unit VARCHAR NOT NULL,
    input_vintage DATE NOT NULL,
    inputs_hash VARCHAR NOT NULL,
    computed_at TIMESTAMP NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS indicator_runs (
    base_id VARCHAR NOT NULL,
    input_vintage DATE NOT NULL,
    inputs_hash VARCHAR NOT NULL,
    input_rows BIGINT NOT NULL,
    input_max_load_id BIGINT,
    rows BIGINT NOT NULL,
    engine VARCHAR NOT NULL,
    seconds DOUBLE NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (base_id, input_vintage)
)""",
    """CREATE OR REPLACE VIEW indicator_values_latest AS
SELECT * FROM indicator_values
QUALIFY input_vintage = max(input_vintage) OVER (PARTITION BY base_id)""",
    """CREATE OR REPLACE MACRO indicator_values_as_of(as_of) AS TABLE
SELECT * FROM indicator_values
WHERE input_vintage <= CAST(as_of AS DATE)
QUALIFY input_vintage = max(input_vintage) OVER (PARTITION BY base_id)""",
)
