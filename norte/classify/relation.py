"""The relation of each crosswalk pair, computed from the pairs themselves.

For a pair (a, b) of a crosswalk from scheme F to scheme T: ``a`` has ``m`` targets and ``b``
has ``k`` sources. The relation is ``1:1`` (m = k = 1), ``1:n`` (a splits: m > 1, k = 1),
``n:1`` (several codes merge into b: m = 1, k > 1) or ``n:n`` (m > 1, k > 1). Read from the
other side, ``1:n`` and ``n:1`` swap (:func:`reverse`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

RELATIONS = ("1:1", "1:n", "n:1", "n:n")


def relations(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Each distinct pair of ``pairs`` (repeats count once) with its relation."""
    unique = list(dict.fromkeys(pairs))
    targets = Counter(a for a, _ in unique)
    sources = Counter(b for _, b in unique)
    out: dict[tuple[str, str], str] = {}
    for a, b in unique:
        m, k = targets[a], sources[b]
        out[(a, b)] = "1:1" if m == k == 1 else "1:n" if k == 1 else "n:1" if m == 1 else "n:n"
    return out


def reverse(relation: str) -> str:
    """The relation read from the target side (``1:n`` becomes ``n:1``)."""
    return {"1:n": "n:1", "n:1": "1:n"}.get(relation, relation)


def describe(relation: str) -> str:
    """The relation in words, for people."""
    return {
        "1:1": "one to one",
        "1:n": "split: the code maps to several codes (no weights given: not divided)",
        "n:1": "merge: several codes map to this one",
        "n:n": "many to many: parts of several codes map to parts of several codes",
    }[relation]
