"""The indicator catalog: definitions as TOML data files, validated by the schema in
:mod:`norte.indicators.spec` (fields checked by :mod:`norte.indicators.fields`, a mirror
indicator's two sides by :mod:`norte.indicators.mirror_checks`).

Each file in ``norte/indicators/catalog/*.toml`` holds ``[[indicator]]`` tables. An indicator
names its input series (filters on the ``observations`` dimensions) and a chain of transforms
(:data:`TRANSFORMS`); an optional ``partners = [...]`` list templates it: one definition yields
``<id>.<partner>`` instances (``us-exports.mex``) with titles formatted per partner in en/es/fr.

Everything a catalog author can write is declared once (``spec.py``) — the fields, their types, the
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

from norte.indicators.fields import _series, _texts, _transforms, base_date
from norte.indicators.mirror_checks import _mirror, _out_freq
from norte.indicators.spec import (  # re-exported: the catalog's public names
    _TOP_FIELDS,
    DIMS,
    DIRECTIONS,
    ENGINES,
    FREQS,
    GOALS,
    LANGS,
    MIRROR_KEYS,
    SERIES_FIELDS,
    TRANSFORMS,
    CatalogError,
    Transform,
)

if TYPE_CHECKING:
    from norte.indicators.bridging import Bridge

__all__ = [
    "DIMS",
    "DIRECTIONS",
    "ENGINES",
    "FREQS",
    "GOALS",
    "LANGS",
    "MIRROR_KEYS",
    "SERIES_FIELDS",
    "TRANSFORMS",
    "CatalogError",
    "Definition",
    "Indicator",
    "Transform",
    "base_date",
    "catalog_dir",
    "indicators",
    "load_catalog",
    "parse_definition",
    "parse_file",
    "partner_label",
]


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


# -- loading ----------------------------------------------------------------------------------
def catalog_dir() -> Path:
    return Path(str(resources.files("norte") / "indicators" / "catalog"))


#: parsed files by (path, sha256 of the text): a refresh loads the catalog about 14 times
#: (0.04 s each, nearly all of it TOML parsing and validation)
_PARSED: dict[tuple[str, str], list[Definition]] = {}


def parse_file(path: Path) -> list[Definition]:
    """Every definition in one TOML file. A file is parsed again only when its text changed
    (the definitions are frozen; share, don't mutate their tables)."""
    text = path.read_text(encoding="utf-8")
    key = (str(path), hashlib.sha256(text.encode()).hexdigest())
    if key not in _PARSED:
        _PARSED[key] = _parse_text(path, text)
    return list(_PARSED[key])


def _parse_text(path: Path, text: str) -> list[Definition]:
    name = str(path)
    try:
        data = tomllib.loads(text)
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
