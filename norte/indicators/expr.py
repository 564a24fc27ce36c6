"""A definition as ONE Ibis expression over the engine's input slice (``_norte_ind_input``):
its series filtered (after its classification bridge, :mod:`norte.indicators.bridging`), one row
per dimensions x period, its transforms applied; a mirror indicator's two sides compared. The
same expression compiles to DuckDB and Spark SQL (:mod:`norte.indicators.sqlcache`)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from norte.indicators import bridging
from norte.indicators.bridging import Bridge
from norte.indicators.catalog import DIMS, Definition
from norte.indicators.inputs import INPUT_COLUMNS, INPUT_TABLE
from norte.indicators.spec import DIALECTS as DIALECTS  # re-exported
from norte.indicators.spec import RESULT_COLUMNS as RESULT_COLUMNS  # re-exported
from norte.indicators.transforms import OPS, Frame, op_mirror_gap

#: The input slice's schema (strings but ``period`` and ``value``).
INPUT_SCHEMA = ibis.schema(
    {
        c: ("date" if c == "period" else "float64" if c == "value" else "string")
        for c in INPUT_COLUMNS
    }
)


def input_table() -> ir.Table:
    """The input slice as an unbound Ibis table (compiles to SQL reading ``_norte_ind_input``)."""
    return ibis.table(INPUT_SCHEMA, name=INPUT_TABLE)


def expression(defn: Definition, table: ir.Table) -> ir.Table:
    """The Ibis expression computing ``defn`` over the input slice ``table``.

    Returns the dimensions, ``period``, ``freq`` and ``value`` (NULL values dropped)."""
    sides = [
        _side(defn, inp, table, defn.bridge if i == 0 else None)
        for i, inp in enumerate(defn.inputs())
    ]
    frame = sides[0] if len(sides) == 1 else op_mirror_gap(sides[0], sides[1])
    out = frame.table
    if defn.partners:
        out = out.filter(out.partner.isin(list(defn.partners)))
    out = out.filter(out.value.notnull())
    return out.select(*DIMS, "period", freq=ibis.literal(frame.freq, "string"), value=out.value)


def _side(
    defn: Definition,
    series: dict[str, tuple[str, ...]],
    table: ir.Table,
    bridge: Bridge | None = None,
) -> Frame:
    """One input series filtered from the slice, one row per dimensions x period, with the
    definition's transforms applied (after its classification bridge, if any)."""
    t = table if bridge is None else bridging.apply(table, bridge)
    for k, vals in series.items():
        t = t.filter(t[k] == vals[0]) if len(vals) == 1 else t.filter(t[k].isin(list(vals)))
    t = t.group_by([*DIMS, "period"]).aggregate(value=t.value.sum())
    frame = Frame(t, series["freq"][0])
    for step in defn.transforms:
        frame = OPS[step.op](frame, **dict(step.params))
    return frame
