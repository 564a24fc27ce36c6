"""The indicator catalog's schema as data: every field, filter, transform op and parameter a
catalog author can write, and :class:`CatalogError` (file, indicator, field). Split out of
:mod:`norte.indicators.catalog`, which re-exports these names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from norte.errors import EXIT_INPUT, NorteError
from norte.store.schema import KEY_COLUMNS

LANGS = ("en", "es", "fr")
#: The engines that compute the catalog (:mod:`norte.indicators.engine`).
ENGINES = ("duckdb", "spark")

GOALS = {
    1: "shared prosperity and jobs",
    2: "economic growth",
    3: "intraregional and global trade",
    4: "strategic and infrastructure investment",
}
DIRECTIONS = ("higher_is_better", "lower_is_better", "neutral")
FREQS = ("M", "Q", "A")

#: Dimensions kept through the transforms (and stored in ``indicator_values``).
DIMS: tuple[str, ...] = (
    "flow",
    "partner",
    "product_code",
    "mode",
    "geo_code",
    "detail",
    "measure",
)

#: SQL dialect of each engine (``ibis.to_sql``).
DIALECTS = {"duckdb": "duckdb", "spark": "pyspark"}
#: Columns of a result: the definition id, the dimensions, period, freq and value.
RESULT_COLUMNS = ("base_id", *DIMS, "period", "freq", "value")

#: Filters a series may set: the ``observations`` columns plus ``partner_kind`` (``codes.kind``
#: of the partner: ``country`` keeps countries only, never groupings such as WORLD or EU).
SERIES_FIELDS: tuple[str, ...] = (
    *KEY_COLUMNS[: KEY_COLUMNS.index("partner") + 1],
    "partner_kind",
    *(c for c in KEY_COLUMNS[KEY_COLUMNS.index("partner") + 1 :] if c != "period"),
)

_STR = "string"
_STRS = "string or list of strings"
_INT = "integer"
_NUM = "number"
_BOOL = "boolean"
_DIM = "dimension"
_DIMS = "list of dimensions"
_MAP = "table of code = code"

#: Transform op -> {parameter: (kind, required)}. Formulas: docs/architecture.md "Indicators".
TRANSFORMS: dict[str, dict[str, tuple[str, bool]]] = {
    "filter": {d: (_STRS, False) for d in DIMS},
    "sum": {"over": (_DIMS, True), "label": (_STR, False)},
    "regroup": {"dim": (_DIM, True), "map": (_MAP, True)},
    "annual": {"how": (_STR, False), "complete": (_BOOL, False)},
    "half": {"how": (_STR, False), "complete": (_BOOL, False)},
    "ytd": {},
    "rolling": {"months": (_INT, False), "how": (_STR, False)},
    "yoy": {"kind": (_STR, False)},
    "pop": {"annualize": (_BOOL, False)},
    "share": {"dim": (_DIM, True), "total": (_STR, False)},
    "rank": {"dim": (_DIM, True), "order": (_STR, False)},
    "top": {"dim": (_DIM, True), "n": (_INT, True)},
    "balance": {},
    "total": {},
    "tdr": {},
    "cagr": {"years": (_INT, True)},
    "index": {"base": (_STR, True)},
    "hhi": {"dim": (_DIM, True)},
    "availability_share": {},
    "scale": {"factor": (_NUM, True)},
    "fill": {"dim": (_DIM, True), "value": (_STR, True)},
    "gap": {"dim": (_DIM, True), "ref": (_STR, True)},
    "spread": {"dim": (_DIM, True), "label": (_STR, False)},
}
_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("annual", "how"): ("sum", "mean"),
    ("half", "how"): ("sum", "mean"),
    ("rolling", "how"): ("sum", "mean"),
    ("yoy", "kind"): ("pct", "abs"),
    ("rank", "order"): ("desc", "asc"),
}
#: Ops that combine rows across a dimension: a partner-templated indicator may not use them
#: on ``partner`` (each instance must depend on its own partner's rows only, or on a total).
_CROSS = ("sum", "regroup", "hhi", "spread")

_TOP_FIELDS = {
    "id": (_STR, True),
    "title": ("table of en/es/fr text", True),
    "description": ("table of en/es/fr text", True),
    "goal": ("integer 1-4", True),
    "unit": (_STR, True),
    "direction": (_STR, True),
    "partners": ("list of partner codes", False),
    "series": ("table of filters", True),
    "transforms": ("list of transform tables", True),
    "caveats": ("table of en/es/fr text", False),
    "mirror": ("table of filters", False),
}
#: Filters both series of a mirror indicator must set to one value: whose figure of which flow
#: with whom (the reporter guard: two reporters' series are compared, never added).
MIRROR_KEYS = ("reporter", "partner", "flow")


class CatalogError(NorteError):
    """A catalog file that does not follow the schema; names the file, indicator and field."""

    exit_code = EXIT_INPUT
    kind = "input"

    def __init__(self, path: str, indicator: str, field_name: str, problem: str) -> None:
        self.path = path
        self.indicator = indicator
        self.field = field_name
        super().__init__(f"{path}: indicator {indicator!r}: field {field_name}: {problem}")


@dataclass(frozen=True)
class Transform:
    op: str
    params: Mapping[str, Any]
