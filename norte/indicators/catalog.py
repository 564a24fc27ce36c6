"""The indicator catalog: definitions as TOML data files, validated by the schema below.

Each file in ``norte/indicators/catalog/*.toml`` holds ``[[indicator]]`` tables. An indicator
names its input series (filters on the ``observations`` dimensions) and a chain of transforms
(:data:`TRANSFORMS`); an optional ``partners = [...]`` list templates it: one definition yields
``<id>.<partner>`` instances (``us-exports.mex``) with titles formatted per partner in en/es/fr.

Everything a catalog author can write is declared here once — the fields, their types, the
transform ops and their parameters — and every mistake is reported with the file, the indicator
id and the field (``CatalogError``). ``docs/architecture.md`` ("Indicators") documents the format.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from norte.errors import EXIT_INPUT, NorteError
from norte.store.schema import KEY_COLUMNS

if TYPE_CHECKING:
    from norte.indicators.bridging import Bridge

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


@dataclass(frozen=True)
class Definition:
    """One ``[[indicator]]`` table: computed once, instantiated per partner if templated."""

    id: str
    title: Mapping[str, str]
    description: Mapping[str, str]
    goal: int
    unit: str
    direction: str
    series: Mapping[str, str | tuple[str, ...]]
    transforms: tuple[Transform, ...]
    partners: tuple[str, ...] = ()
    caveats: Mapping[str, str] = field(default_factory=dict)
    file: str = ""
    #: side B of a mirror indicator: another reporter's series of the same flow, seen from the
    #: other end; the transforms apply to each side, then ``(A − B) / A × 100`` per period
    mirror: Mapping[str, str | tuple[str, ...]] | None = None
    #: what the engine does across a classification edition change (set by the engine from
    #: the store: :func:`norte.indicators.bridging.plan`); None: one edition, nothing to do
    bridge: Bridge | None = None

    @property
    def freq(self) -> str:
        """The frequency of the output (``M``, ``Q``, ``H`` or ``A``)."""
        f = str(self.series["freq"])
        for t in self.transforms:
            if t.op == "annual":
                f = "A"
            elif t.op == "half":
                f = "H"
        return f

    def resolved_series(self) -> dict[str, tuple[str, ...]]:
        """Series filters with ``{partner}`` replaced by every template partner."""
        out: dict[str, tuple[str, ...]] = {}
        for k, v in self.series.items():
            vals = (v,) if isinstance(v, str) else tuple(v)
            expanded: list[str] = []
            for x in vals:
                expanded.extend(self.partners if x == "{partner}" else (x,))
            out[k] = tuple(dict.fromkeys(expanded))
        return out

    def inputs(self) -> list[dict[str, tuple[str, ...]]]:
        """The series filters the definition reads: its series, and side B of a mirror."""
        out = [self.resolved_series()]
        if self.bridge is not None and "product_code" in out[0]:
            # the old codes the bridge converts are read too (relabelled first)
            old = [c for seg in self.bridge.segments for c, _ in seg.codes]
            out[0]["product_code"] = tuple(dict.fromkeys([*out[0]["product_code"], *old]))
        if self.mirror is not None:
            out.append(
                {k: (v,) if isinstance(v, str) else tuple(v) for k, v in self.mirror.items()}
            )
        return out

    def digest(self) -> str:
        """A checksum of the definition (part of the inputs hash: an edit recomputes)."""
        body = {
            "series": {k: list(v) for k, v in self.resolved_series().items()},
            "mirror": {k: list(v) for k, v in self.inputs()[1].items()} if self.mirror else None,
            "transforms": [[t.op, dict(t.params)] for t in self.transforms],
            "partners": list(self.partners),
            "unit": self.unit,
        }
        if self.bridge is not None:
            body["bridge"] = self.bridge.digest()
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()

    def instances(self) -> list[Indicator]:
        if not self.partners:
            return [Indicator(self.id, self, None)]
        return [Indicator(f"{self.id}.{p.lower()}", self, p) for p in self.partners]


@dataclass(frozen=True)
class Indicator:
    """One published indicator: a definition, for one partner if the definition is templated."""

    id: str
    definition: Definition
    partner: str | None

    def title(self, lang: str = "en") -> str:
        return _fill(self.definition.title[lang], self.partner, lang)

    def description(self, lang: str = "en") -> str:
        return _fill(self.definition.description[lang], self.partner, lang)


def _partner_labels() -> dict[str, dict[str, str]]:
    path = resources.files("norte") / "data" / "codes" / "partner.csv"
    out: dict[str, dict[str, str]] = {}
    for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")):
        out[r["code"]] = {lang: r.get(f"label_{lang}") or r["code"] for lang in LANGS}
    return out


_LABELS: dict[str, dict[str, str]] = {}


def partner_label(code: str, lang: str = "en") -> str:
    if not _LABELS:
        _LABELS.update(_partner_labels())
    return _LABELS.get(code, {}).get(lang, code)


def _fill(text: str, partner: str | None, lang: str) -> str:
    if partner is None:
        return text
    return text.replace("{partner_name}", partner_label(partner, lang)).replace(
        "{partner}", partner
    )


# -- validation -------------------------------------------------------------------------------
def _kind_ok(kind: str, v: Any) -> bool:
    if kind in (_STR, _DIM):
        return isinstance(v, str) and bool(v)
    if kind == _STRS:
        return (isinstance(v, str) and bool(v)) or (
            isinstance(v, list) and bool(v) and all(isinstance(x, str) and x for x in v)
        )
    if kind == _INT:
        return isinstance(v, int) and not isinstance(v, bool) and v > 0
    if kind == _NUM:
        return isinstance(v, int | float) and not isinstance(v, bool)
    if kind == _BOOL:
        return isinstance(v, bool)
    if kind == _DIMS:
        return isinstance(v, list) and bool(v) and all(isinstance(x, str) for x in v)
    if kind == _MAP:
        return isinstance(v, dict) and bool(v) and all(isinstance(x, str) for x in v.values())
    raise AssertionError(kind)


def _texts(path: str, iid: str, name: str, v: Any, need_partner: bool) -> dict[str, str]:
    if not isinstance(v, dict):
        raise CatalogError(path, iid, name, "expected a table with en, es and fr text")
    missing = [lang for lang in LANGS if not isinstance(v.get(lang), str) or not v[lang].strip()]
    if missing:
        raise CatalogError(path, iid, name, f"missing or empty text for {', '.join(missing)}")
    extra = sorted(set(v) - set(LANGS))
    if extra:
        raise CatalogError(path, iid, name, f"unknown language(s) {', '.join(extra)}")
    if need_partner:
        for lang in LANGS:
            if "{partner" not in v[lang]:
                raise CatalogError(
                    path,
                    iid,
                    f"{name}.{lang}",
                    "a partner-templated indicator must name the partner "
                    "({partner_name} or {partner})",
                )
    return {lang: v[lang] for lang in LANGS}


def parse_definition(raw: Any, path: str, index: int) -> Definition:
    """Validate one ``[[indicator]]`` table; raise :class:`CatalogError` on the first problem."""
    iid = raw.get("id") if isinstance(raw, dict) else None
    iid = iid if isinstance(iid, str) and iid else f"#{index + 1}"
    if not isinstance(raw, dict):
        raise CatalogError(path, iid, "indicator", "expected a table")
    for name, (kind, required) in _TOP_FIELDS.items():
        if required and name not in raw:
            raise CatalogError(path, iid, name, f"required ({kind})")
    unknown = sorted(set(raw) - set(_TOP_FIELDS))
    if unknown:
        raise CatalogError(
            path, iid, unknown[0], f"unknown field (allowed: {', '.join(_TOP_FIELDS)})"
        )
    ident = raw["id"]
    if not isinstance(ident, str) or not ident or not all(c.isalnum() or c in "-_" for c in ident):
        raise CatalogError(path, iid, "id", "expected letters, digits, '-' or '_'")
    partners = raw.get("partners", [])
    if not isinstance(partners, list) or not all(isinstance(p, str) and p for p in partners):
        raise CatalogError(path, iid, "partners", "expected a list of partner codes")
    if len(set(partners)) != len(partners):
        raise CatalogError(path, iid, "partners", "repeated partner code")
    title = _texts(path, iid, "title", raw["title"], bool(partners))
    desc = _texts(path, iid, "description", raw["description"], False)
    caveats = _texts(path, iid, "caveats", raw["caveats"], False) if "caveats" in raw else {}
    goal = raw["goal"]
    if not isinstance(goal, int) or isinstance(goal, bool) or goal not in GOALS:
        raise CatalogError(path, iid, "goal", f"expected 1, 2, 3 or 4, got {goal!r}")
    if not isinstance(raw["unit"], str) or not raw["unit"]:
        raise CatalogError(path, iid, "unit", "expected a unit such as USD, percent, rank")
    if raw["direction"] not in DIRECTIONS:
        raise CatalogError(
            path,
            iid,
            "direction",
            f"expected one of {', '.join(DIRECTIONS)}, got {raw['direction']!r}",
        )
    series = _series(path, iid, raw["series"], partners)
    transforms = _transforms(path, iid, raw["transforms"], partners)
    mirror = _mirror(path, iid, raw["mirror"], series, partners) if "mirror" in raw else None
    if mirror is not None and _out_freq(mirror, transforms) != _out_freq(series, transforms):
        raise CatalogError(
            path, iid, "mirror.freq", "the two sides must have one frequency after the transforms"
        )
    return Definition(
        id=ident,
        title=title,
        description=desc,
        goal=goal,
        unit=raw["unit"],
        direction=raw["direction"],
        series=series,
        transforms=transforms,
        partners=tuple(partners),
        caveats=caveats,
        file=path,
        mirror=mirror,
    )


def _out_freq(series: Mapping[str, Any], transforms: tuple[Transform, ...]) -> str:
    f = str(series["freq"])
    for t in transforms:
        f = {"annual": "A", "half": "H"}.get(t.op, f)
    return f


def _mirror(
    path: str,
    iid: str,
    raw: Any,
    series: dict[str, str | tuple[str, ...]],
    partners: list[str],
) -> dict[str, str | tuple[str, ...]]:
    """Side B of a mirror indicator: each side names one reporter, partner and flow, side B is
    side A seen from the partner (its reporter is A's partner), and both have one frequency."""
    if partners:
        raise CatalogError(path, iid, "mirror", "a mirror indicator compares one pair: no partners")
    out = _series(path, iid, raw, [])
    for name, side in (("series", series), ("mirror", out)):
        for k in MIRROR_KEYS:
            if not isinstance(side.get(k), str):
                raise CatalogError(
                    path,
                    iid,
                    f"{name}.{k}",
                    "a mirror indicator's two series each select one reporter, partner and "
                    f'flow (e.g. {k} = "USA")',
                )
    if out["reporter"] != series["partner"] or out["partner"] != series["reporter"]:
        raise CatalogError(
            path,
            iid,
            "mirror.reporter",
            f"side B must be the partner's own figure: reporter = {series['partner']!r}, "
            f"partner = {series['reporter']!r}",
        )
    return out


def _series(path: str, iid: str, raw: Any, partners: list[str]) -> dict[str, str | tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise CatalogError(path, iid, "series", "expected a table of filters")
    out: dict[str, str | tuple[str, ...]] = {}
    for k, v in raw.items():
        if k not in SERIES_FIELDS:
            raise CatalogError(
                path, iid, f"series.{k}", f"unknown filter (allowed: {', '.join(SERIES_FIELDS)})"
            )
        if not _kind_ok(_STRS, v):
            raise CatalogError(path, iid, f"series.{k}", "expected a string or a list of strings")
        out[k] = v if isinstance(v, str) else tuple(v)
    for need in ("source", "dataset", "freq"):
        if need not in out:
            raise CatalogError(path, iid, f"series.{need}", "required")
    if out["freq"] not in FREQS:
        raise CatalogError(path, iid, "series.freq", f"expected one of {', '.join(FREQS)}")
    uses = any("{partner}" in ((v,) if isinstance(v, str) else v) for v in out.values())
    p = out.get("partner", ())
    if partners and "{partner}" not in ((p,) if isinstance(p, str) else p):
        raise CatalogError(
            path, iid, "series.partner", 'a templated indicator must filter partner = "{partner}"'
        )
    if uses and not partners:
        raise CatalogError(path, iid, "series.partner", '"{partner}" needs a partners list')
    return out


def _transforms(path: str, iid: str, raw: Any, partners: list[str]) -> tuple[Transform, ...]:
    if not isinstance(raw, list):
        raise CatalogError(path, iid, "transforms", "expected a list of tables ([] for none)")
    out = []
    for i, t in enumerate(raw):
        where = f"transforms[{i}]"
        if not isinstance(t, dict) or "op" not in t:
            raise CatalogError(path, iid, where, "expected a table with op = ...")
        op = t["op"]
        if op not in TRANSFORMS:
            raise CatalogError(
                path, iid, f"{where}.op", f"unknown op {op!r} (known: {', '.join(TRANSFORMS)})"
            )
        spec = TRANSFORMS[op]
        params = {k: v for k, v in t.items() if k != "op"}
        for k, v in params.items():
            if k not in spec:
                allowed = ", ".join(spec) or "none"
                raise CatalogError(
                    path, iid, f"{where}.{k}", f"unknown parameter of {op} (allowed: {allowed})"
                )
            kind = spec[k][0]
            if not _kind_ok(kind, v):
                raise CatalogError(path, iid, f"{where}.{k}", f"expected a {kind}, got {v!r}")
            if kind == _DIM and v not in DIMS:
                raise CatalogError(
                    path, iid, f"{where}.{k}", f"expected one of {', '.join(DIMS)}, got {v!r}"
                )
            if kind == _DIMS and any(x not in DIMS for x in v):
                raise CatalogError(
                    path, iid, f"{where}.{k}", f"expected dimensions among {', '.join(DIMS)}"
                )
            choices = _CHOICES.get((op, k))
            if choices and v not in choices:
                raise CatalogError(
                    path, iid, f"{where}.{k}", f"expected one of {', '.join(choices)}, got {v!r}"
                )
        for k, (kind, required) in spec.items():
            if required and k not in params:
                raise CatalogError(path, iid, f"{where}.{k}", f"required by {op} ({kind})")
        if partners and op in _CROSS:
            over = params.get("over", [params.get("dim")])
            if "partner" in over:
                raise CatalogError(
                    path,
                    iid,
                    where,
                    f"{op} over partner would mix the partners of a templated indicator",
                )
        if op == "index":
            _base_date(path, iid, f"{where}.base", params["base"])
        out.append(Transform(op, params))
    return tuple(out)


def _base_date(path: str, iid: str, where: str, text: str) -> str:
    parts = text.split("-")
    ok = (
        1 <= len(parts) <= 2
        and all(p.isdigit() for p in parts)
        and len(parts[0]) == 4
        and (len(parts) == 1 or 1 <= int(parts[1]) <= 12)
    )
    if not ok:
        raise CatalogError(path, iid, where, f"expected YYYY or YYYY-MM, got {text!r}")
    return base_date(text)


def base_date(text: str) -> str:
    """``2019`` -> ``2019-01-01``; ``2019-07`` -> ``2019-07-01``."""
    parts = text.split("-")
    return f"{parts[0]}-{(parts[1] if len(parts) > 1 else '1').zfill(2)}-01"


# -- loading ----------------------------------------------------------------------------------
def catalog_dir() -> Path:
    return Path(str(resources.files("norte") / "indicators" / "catalog"))


def parse_file(path: Path) -> list[Definition]:
    """Every definition in one TOML file."""
    name = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise CatalogError(name, "-", "toml", f"not valid TOML ({e})") from e
    unknown = sorted(set(data) - {"indicator"})
    if unknown:
        raise CatalogError(name, "-", unknown[0], "unknown top-level key (expected [[indicator]])")
    items = data.get("indicator", [])
    if not isinstance(items, list):
        raise CatalogError(name, "-", "indicator", "expected [[indicator]] tables")
    return [parse_definition(raw, name, i) for i, raw in enumerate(items)]


def load_catalog(paths: Iterable[Path] | None = None) -> list[Definition]:
    """All definitions of the shipped catalog (or of ``paths``), validated; ids are unique."""
    files = sorted(catalog_dir().glob("*.toml")) if paths is None else list(paths)
    out: list[Definition] = []
    seen: dict[str, str] = {}
    for f in files:
        for d in parse_file(f):
            for ind in d.instances():
                if ind.id in seen:
                    raise CatalogError(
                        str(f), d.id, "id", f"{ind.id!r} is already defined in {seen[ind.id]}"
                    )
                seen[ind.id] = str(f)
            out.append(d)
    return out


def indicators(definitions: Iterable[Definition]) -> list[Indicator]:
    return [ind for d in definitions for ind in d.instances()]
