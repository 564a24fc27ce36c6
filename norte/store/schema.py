"""The store's SQL surface: tables, views and macros analysts query directly.

This file is the single definition of the schema; ``docs/architecture.md`` documents it.
Any change to a table (a new table, column or constraint) bumps :data:`SCHEMA_VERSION` and adds
the step that upgrades a store of the previous version in :mod:`norte.store.migrations`
(``tests/store/test_migrations.py`` checks that a migrated store equals a fresh one).
"""

from __future__ import annotations

from norte.classify.editions import SQL as EDITION_SQL

#: 1: first store; 2: TransBorder stored wide (``transborder_wide``, ``observations`` a view);
#: 3: no fixed goal count in ``stakeholder_goals.parent`` (the goals code validates parents);
#: 4: ``finding_reviews``; 5: classification crosswalks (``crosswalk_pairs``,
#: ``classification_codes``, view ``crosswalks``).
SCHEMA_VERSION = 5

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

#: The physical long table: the rows of every source but TransBorder (same columns as
#: ``observations``).
LONG_TABLE = "observations_long"

#: The physical wide table of BTS TransBorder: one row per raw row, codes decoded, the three
#: measures side by side (``NULL`` = no observation of that measure). ``observations`` shows
#: each row as up to three long rows (see :data:`TRANSBORDER_MEASURES`).
TRANSBORDER_TABLE = "transborder_wide"
#: Its columns that, with the measure, make an observation's key (source, reporter and unit
#: are constants of the source).
TRANSBORDER_KEY: tuple[str, ...] = (
    "dataset",
    "flow",
    "partner",
    "product_scheme",
    "product_code",
    "mode",
    "geo_scheme",
    "geo_code",
    "detail",
    "period",
    "freq",
)
#: (column of ``transborder_wide``, ``observations.measure``, unit, when the row holds it):
#: ``value`` always; weight and freight only where non-zero (0 = not collected by BTS).
TRANSBORDER_MEASURES: tuple[tuple[str, str, str, str], ...] = (
    ("value", "value", "USD", "value IS NOT NULL"),
    ("shipping_weight", "shipping_weight", "kg", "shipping_weight <> 0"),
    ("freight_charges", "freight_charges", "USD", "freight_charges <> 0"),
)
_TYPES = dict(OBSERVATION_COLUMNS)
TRANSBORDER_COLUMNS: tuple[tuple[str, str], ...] = (
    *((k, _TYPES[k]) for k in TRANSBORDER_KEY),
    *((m, "DOUBLE") for m, _, _, _ in TRANSBORDER_MEASURES),
    ("vintage", "DATE NOT NULL"),
    ("load_id", "BIGINT NOT NULL"),
)
#: What a wide source's SELECT yields, in order: everything but ``vintage`` and ``load_id``.
TRANSBORDER_INSERT_COLUMNS = tuple(c for c, _ in TRANSBORDER_COLUMNS[:-2])


def _observation_select(col: str, measure: str, unit: str, cond: str) -> str:
    """One measure of ``transborder_wide`` as rows of ``observations`` (columns in order)."""
    exprs = {
        "source": "'transborder'",
        "reporter": "'USA'",
        "measure": f"'{measure}'",
        "unit": f"'{unit}'",
        "value": col,
        "status": "NULL",
    }
    cols = ", ".join(
        f"{exprs[n]}::{t.replace(' NOT NULL', '')} AS {n}" if n in exprs else n
        for n, t in OBSERVATION_COLUMNS
    )
    return f"SELECT {cols} FROM {TRANSBORDER_TABLE} WHERE {cond}"  # noqa: S608


_PARTITION = ", ".join(KEY_COLUMNS)


#: Classification crosswalks (issue #18, schema 5), loaded by the readers of
#: ``norte/classify``: one row per (from code, to code) pair of one agency file (``load_id``),
#: the pair's relation computed from the file's pairs, and the codes' labels. Kept apart from
#: ``observations``: they are not statistics.
_EDITION = EDITION_SQL
CROSSWALK_DDL: tuple[str, ...] = (
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
)""",
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
)""",
    """CREATE OR REPLACE VIEW crosswalks AS
SELECT p.from_scheme, p.to_scheme, p.load_id, l.location, l.sha256, l.vintage,
       count(*) AS pairs,
       count(*) FILTER (WHERE p.relation = '1:1') AS one_to_one,
       count(*) FILTER (WHERE p.relation = '1:n') AS one_to_many,
       count(*) FILTER (WHERE p.relation = 'n:1') AS many_to_one,
       count(*) FILTER (WHERE p.relation = 'n:n') AS many_to_many
FROM crosswalk_pairs p JOIN loads l USING (load_id)
GROUP BY ALL ORDER BY p.from_scheme, p.to_scheme, p.load_id""",
    # Each product observation with the classification edition it is in (hs2017, naics2022,
    # atp, ...), from its product scheme and period (norte/classify/editions.py).
    f"""CREATE OR REPLACE VIEW product_observations AS
SELECT *, {_EDITION} AS classification
FROM observations WHERE product_scheme IS NOT NULL""",
)


def vintages_query() -> str:
    """What ``SELECT * FROM vintages`` gives (same columns, rows and order), in one scan of each
    physical table: the view scans ``transborder_wide`` once per measure (three times), this
    counts the three measures' rows of each group at once (half the time on the full store).
    Built from :data:`TRANSBORDER_MEASURES`, as the ``observations`` view is."""
    any_row = " OR ".join(f"({cond})" for *_, cond in TRANSBORDER_MEASURES)
    counted = " + ".join(f"count(*) FILTER (WHERE {cond})" for *_, cond in TRANSBORDER_MEASURES)
    return f"""SELECT source, dataset, vintage, sum(n)::BIGINT AS rows, min(lo) AS first_period,
       max(hi) AS last_period, list(DISTINCT load_id ORDER BY load_id) AS load_ids
FROM (SELECT source, dataset, vintage, load_id, count(*) AS n, min(period) AS lo,
             max(period) AS hi
      FROM {LONG_TABLE} GROUP BY ALL
      UNION ALL
      SELECT 'transborder' AS source, dataset, vintage, load_id, {counted} AS n,
             min(period) FILTER (WHERE {any_row}) AS lo, max(period) FILTER (WHERE {any_row}) AS hi
      FROM {TRANSBORDER_TABLE} GROUP BY ALL)
WHERE n > 0 GROUP BY ALL ORDER BY source, dataset, vintage"""  # noqa: S608


def _cols(cols: tuple[tuple[str, str], ...]) -> str:
    return ",\n    ".join(f"{name} {typ}" for name, typ in cols)


DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    f"""CREATE TABLE IF NOT EXISTS {LONG_TABLE} (
    {_cols(OBSERVATION_COLUMNS)},
    CHECK (freq IN ('M', 'Q', 'A'))
)""",
    f"""CREATE TABLE IF NOT EXISTS {TRANSBORDER_TABLE} (
    {_cols(TRANSBORDER_COLUMNS)},
    CHECK (freq IN ('M', 'A'))
)""",
    # What analysts query: one row per observed number per vintage, whatever the physical table.
    "CREATE OR REPLACE VIEW observations AS\n"
    + "\nUNION ALL\n".join(
        [f"SELECT * FROM {LONG_TABLE}"] + [_observation_select(*m) for m in TRANSBORDER_MEASURES]
    ),
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
    # Places with coordinates, for maps (issue #3): filled by the sources whose files carry
    # them (BTS border crossings: U.S. land ports), INSERT OR REPLACE inside the load.
    """CREATE TABLE IF NOT EXISTS places (
    scheme VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    name VARCHAR,
    region VARCHAR,
    country VARCHAR,
    lat DOUBLE,
    lon DOUBLE,
    source VARCHAR NOT NULL,
    PRIMARY KEY (scheme, code)
)""",
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
    # Goals (issue #6): stakeholders' own goals and targets (owner = the organization; ready
    # for accounts), and the traffic light of every target at every input vintage.
    """CREATE TABLE IF NOT EXISTS stakeholder_goals (
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
)""",
    """CREATE TABLE IF NOT EXISTS stakeholder_targets (
    goal_id VARCHAR NOT NULL,
    target_id VARCHAR NOT NULL,
    owner VARCHAR NOT NULL,
    indicator_id VARCHAR NOT NULL,
    select_dims JSON,
    value DOUBLE NOT NULL,
    target_date VARCHAR NOT NULL,
    direction VARCHAR NOT NULL,
    baseline VARCHAR,
    baseline_value DOUBLE,
    tolerance_on DOUBLE NOT NULL,
    tolerance_risk DOUBLE NOT NULL,
    trend_years INTEGER NOT NULL,
    rationale_en VARCHAR,
    citation VARCHAR,
    PRIMARY KEY (goal_id, target_id)
)""",
    """CREATE TABLE IF NOT EXISTS goal_status (
    goal_id VARCHAR NOT NULL,
    owner VARCHAR,
    target_id VARCHAR NOT NULL,
    indicator_id VARCHAR,
    input_vintage DATE,
    status VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    method VARCHAR,
    freq VARCHAR,
    baseline_period DATE,
    baseline_value DOUBLE,
    latest_period DATE,
    latest_value DOUBLE,
    trend_from_period DATE,
    trend_from_value DOUBLE,
    growth DOUBLE,
    projected_value DOUBLE,
    target_value DOUBLE,
    target_period DATE,
    path_at_latest DOUBLE,
    periods_used INTEGER,
    tolerance_on DOUBLE,
    tolerance_risk DOUBLE,
    direction VARCHAR,
    computed_at TIMESTAMP NOT NULL
)""",
    """CREATE OR REPLACE VIEW goal_status_latest AS
SELECT * FROM goal_status
QUALIFY row_number() OVER (PARTITION BY goal_id, target_id
                           ORDER BY input_vintage DESC NULLS LAST) = 1""",
    # Findings (issue #5): the stories the detectors found in the current store, replaced
    # on each run (norte.findings.run.write); `body` is the documented JSON (docs/findings.md).
    """CREATE TABLE IF NOT EXISTS findings (
    id VARCHAR PRIMARY KEY,
    type VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    freq VARCHAR NOT NULL,
    score DOUBLE NOT NULL,
    vintage DATE,
    subject JSON NOT NULL,
    indicators VARCHAR[] NOT NULL,
    headline_en VARCHAR NOT NULL,
    body JSON NOT NULL
)""",
    # Editorial review of findings (issue #14, schema 4): an editor's decision per finding id
    # (`norte findings review`); with the `findings_review` setting on, only published ones
    # reach the site and the public feed.
    """CREATE TABLE IF NOT EXISTS finding_reviews (
    finding_id VARCHAR PRIMARY KEY,
    decision VARCHAR NOT NULL CHECK (decision IN ('published', 'dismissed')),
    reason VARCHAR,
    headline_en VARCHAR NOT NULL,
    decided_at TIMESTAMP NOT NULL
)""",
    *CROSSWALK_DDL,
)
