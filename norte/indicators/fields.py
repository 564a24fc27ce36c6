"""Validation of one catalog field at a time (texts, series filters, transforms, base dates):
each problem is a :class:`CatalogError` naming the file, the indicator and the field."""

from __future__ import annotations

from typing import Any

from norte.indicators.spec import (
    _BOOL,
    _CHOICES,
    _CROSS,
    _DIM,
    _DIMS,
    _INT,
    _MAP,
    _NUM,
    _STR,
    _STRS,
    DIMS,
    FREQS,
    LANGS,
    SERIES_FIELDS,
    TRANSFORMS,
    CatalogError,
    Transform,
)


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
