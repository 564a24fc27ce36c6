"""The input checks of a mirror indicator (issue #12): both sides select one reporter,
partner and flow; side B is side A seen from the partner (its reporter is A's partner, its
partner A's reporter); both have one frequency after the transforms. Two reporters' figures
are compared, never added."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from norte.indicators.fields import _series
from norte.indicators.spec import MIRROR_KEYS, CatalogError, Transform


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
