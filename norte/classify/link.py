"""Loaded product observations mapped to another classification, each link reported.

For each product code of a slice of ``product_observations`` (a dataset, flow, partner and
year), the targets in scheme ``to`` from the concordance of the rows' own edition, with each
pair's relation. A code with one target (1:1, or n:1: several codes merge into it) adds its
whole value to that target; a code with several targets (1:n, n:n) is reported with all of
them and its value is **not** divided (no agency weights): it is counted apart as split.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from norte.classify.mapping import _links
from norte.classify.schemes import scheme


@dataclass
class Linked:
    code: str
    edition: str
    value: float
    targets: list[tuple[str, str]]  # (target code, relation)


@dataclass
class Links:
    to: str
    products: list[Linked] = field(default_factory=list)
    #: target code -> value of the codes wholly inside it (1:1 and n:1 links)
    by_target: dict[str, float] = field(default_factory=dict)
    split_value: float = 0.0
    unmapped: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def splits(self) -> list[Linked]:
        return [p for p in self.products if len(p.targets) > 1]

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["splits"] = [asdict(p) for p in self.splits]
        return d


def link_products(
    con: duckdb.DuckDBPyConnection,
    to: str,
    dataset: str,
    partner: str | None = None,
    flow: str | None = None,
    year: int | None = None,
    level: str | None = None,
) -> Links:
    target = scheme(to).name
    cond = "dataset = ? AND value IS NOT NULL"
    params: list[Any] = [dataset]
    for col, val in (("partner", partner), ("flow", flow), ("product_scheme", level)):
        if val is not None:
            cond += f" AND {col} = ?"
            params.append(val)
    if year is not None:
        cond += " AND year(period) = ?"
        params.append(year)
    rows = con.execute(
        f"""SELECT classification, product_code, sum(value) FROM (
  SELECT * FROM product_observations WHERE {cond}
  QUALIFY row_number() OVER (PARTITION BY source, dataset, flow, reporter, partner,
    product_scheme, product_code, mode, geo_scheme, geo_code, detail, measure, unit, period,
    freq ORDER BY vintage DESC, load_id DESC) = 1)
GROUP BY ALL ORDER BY 1, 2""",  # noqa: S608
        params,
    ).fetchall()
    out = Links(target)
    cache: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for ed, code, value in rows:
        if ed not in cache:
            links = _links(con, ed, target, None) or []
            goes: dict[str, list[tuple[str, str]]] = {}
            for a, b, rel, src, _n, _ag in links:
                goes.setdefault(a, []).append((b, rel))
                name = f"{src.file.rsplit('/', 1)[-1]} (load #{src.load_id}): {ed} -> {target}"
                if name not in out.sources:
                    out.sources.append(name)
            cache[ed] = goes
        targets = sorted(cache[ed].get(code, []))
        item = Linked(code, ed, float(value), targets)
        out.products.append(item)
        if not targets:
            out.unmapped.append(code)
        elif len(targets) == 1:
            t = targets[0][0]
            out.by_target[t] = out.by_target.get(t, 0.0) + float(value)
        else:
            out.split_value += float(value)
    return out
