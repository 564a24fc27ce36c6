"""Benchmark: the whole indicator catalog, norte (Ibis on DuckDB) vs a pandas implementation.

In one process, over every shared input (or a prebuilt store: ``--store PATH``, copied):
  (a) norte, cold: ``compute(store, force=True)`` with an empty compiled-SQL cache (every
      definition built and compiled by Ibis), then ``--repeat`` warm pairs of
  (b) norte, warm: ``compute(store, force=True)`` with the SQL from the disk cache — input
      hashes, the input slice, one UNION ALL query over all definitions, one INSERT — and
  (c) pandas: read the same observation rows from the store, keep the newest vintage of each
      key (sort + drop_duplicates), attach the partner kind, then run the same catalog with
      straightforward pandas code per transform (groupby / shift / rolling / rank).
The ratio reported is the median of pandas / norte (warm) over the pairs.
Every pandas value is checked against norte's (relative difference < 1e-9). Peak RSS of each
part is the process high-water mark, reset before the part (Linux ``/proc/self/clear_refs``).
Rewrites the "Indicators" section of docs/benchmarks.md.  Command: ``make bench-indicators``.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
from _bench import SHARED, machine, write_section  # noqa: E402

from norte.indicators import compute, load_catalog  # noqa: E402
from norte.indicators.catalog import DIMS, Definition, base_date  # noqa: E402
from norte.indicators.engine import clear_sql_cache  # noqa: E402
from norte.indicators.inputs import series_where  # noqa: E402
from norte.ingest import ingest  # noqa: E402
from norte.store import Store  # noqa: E402
from norte.store.schema import KEY_COLUMNS  # noqa: E402

PER_YEAR = {"M": 12, "Q": 4, "H": 2, "A": 1}
KEYS = [*DIMS, "period"]


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- the pandas implementation ----------------------------------------------------------------
def _pi(period: pd.Series, freq: str) -> pd.Series:
    y, m = period.dt.year, period.dt.month - 1
    return {"M": y * 12 + m, "Q": y * 4 + m // 3, "H": y * 2 + m // 6, "A": y}[freq]


def _norm(df: pd.DataFrame) -> pd.DataFrame:
    return df.groupby(KEYS, dropna=False, sort=False)["value"].sum().reset_index()


def _others(*drop: str) -> list[str]:
    return [d for d in DIMS if d not in drop]


def _lag(df: pd.DataFrame, freq: str, n: int) -> pd.Series:
    """The value exactly ``n`` periods earlier (NaN when that period is missing): a merge on
    the period index, so gaps in a series never pair the wrong periods."""
    pi = _pi(df["period"], freq)
    keys = df[list(DIMS)].astype(object).fillna("\0")
    left = keys.assign(_pi=pi - n)
    right = keys.assign(_pi=pi, _prev=df["value"])
    m = left.merge(right, on=[*DIMS, "_pi"], how="left")
    return pd.Series(m["_prev"].to_numpy(), index=df.index)


def pandas_indicator(data: pd.DataFrame, d: Definition) -> pd.DataFrame:
    df = data
    for k, vals in d.resolved_series().items():
        df = df[df[k].isin(vals)]
    df = _norm(df[[*KEYS, "value"]])
    freq = str(d.series["freq"])
    for t in d.transforms:
        p = dict(t.params)
        if t.op == "filter":
            for k, v in p.items():
                df = df[df[k].isin([v] if isinstance(v, str) else v)]
        elif t.op in ("sum", "regroup"):
            df = df.copy()
            if t.op == "sum":
                for dim in p["over"]:
                    df[dim] = p.get("label")
            else:
                df[p["dim"]] = df[p["dim"]].replace(p["map"])
            df = _norm(df)
        elif t.op in ("annual", "half"):
            parts = 1 if t.op == "annual" else 2
            df = df.copy()
            mp = 12 // parts
            month = (df["period"].dt.month - 1) // mp * mp + 1
            df["period"] = pd.to_datetime({"year": df["period"].dt.year, "month": month, "day": 1})
            agg = df.groupby(KEYS, dropna=False)["value"].agg(["sum", "mean", "count"])
            agg = agg[agg["count"] == PER_YEAR[freq] // parts] if p.get("complete", True) else agg
            df = agg[p.get("how", "sum")].rename("value").reset_index()
            freq = "A" if parts == 1 else "H"
        elif t.op == "ytd":
            df = df.sort_values(KEYS).copy()
            year = df["period"].dt.year
            g = df.groupby([*(df[x] for x in DIMS), year], dropna=False, sort=False)["value"]
            pos = _pi(df["period"], freq) - year * PER_YEAR[freq] + 1
            df["value"] = g.cumsum().where(g.cumcount() + 1 == pos)
        elif t.op == "rolling":
            n = p.get("months", 12)
            df = df.sort_values(KEYS).copy()
            pi = _pi(df["period"], freq)
            g = df.groupby(list(DIMS), dropna=False, sort=False)
            r = g["value"].rolling(n, min_periods=n)
            v = (r.sum() if p.get("how", "sum") == "sum" else r.mean()).reset_index(
                level=list(range(len(DIMS))), drop=True
            )
            first = pi.groupby([df[x] for x in DIMS], dropna=False, sort=False).shift(n - 1)
            df["value"] = v.where(pi - first == n - 1)
        elif t.op == "yoy":
            df = df.sort_values(KEYS).copy()
            prev = _lag(df, freq, PER_YEAR[freq])
            df["value"] = (
                df["value"] - prev
                if p.get("kind", "pct") == "abs"
                else (df["value"] - prev) / prev.abs().replace(0, np.nan) * 100
            )
        elif t.op == "cagr":
            df = df.sort_values(KEYS).copy()
            ratio = df["value"] / _lag(df, freq, PER_YEAR[freq] * p["years"]).replace(0, np.nan)
            df["value"] = ((ratio ** (1.0 / p["years"]) - 1) * 100).where(ratio > 0)
        elif t.op == "share":
            part = [*_others(p["dim"]), "period"]
            df = df.copy()
            g = df.groupby(part, dropna=False)
            if "total" in p:
                tot = df["value"].where(df[p["dim"]] == p["total"])
                denom = tot.groupby([df[x] for x in part], dropna=False).transform("max")
            else:
                denom = g["value"].transform("sum")
            df["value"] = df["value"] / denom.replace(0, np.nan) * 100
            if "total" in p:
                df = df[df[p["dim"]] != p["total"]]
        elif t.op == "rank":
            df = df[df["value"].notna()].copy()
            part = [*_others(p["dim"]), "period"]
            asc = p.get("order", "desc") == "asc"
            df["value"] = df.groupby(part, dropna=False)["value"].rank(method="min", ascending=asc)
        elif t.op == "top":
            df = df.copy()
            tot = df.groupby([*_others("flow"), "period"], dropna=False)["value"].transform("sum")
            part = [*_others("flow", p["dim"]), "period"]
            r = tot.groupby([df[x] for x in part], dropna=False).rank(
                method="dense", ascending=False
            )
            df = df[r <= p["n"]]
        elif t.op in ("balance", "total", "tdr", "availability_share"):
            keys = [*_others("flow"), "period"]
            w = df.assign(
                ex=df["value"].where(df["flow"] == "export"),
                im=df["value"].where(df["flow"] == "import"),
                pr=df["value"].where(df["flow"] == "production"),
            )
            g = w.groupby(keys, dropna=False)[["ex", "im", "pr"]].sum(min_count=1).reset_index()
            ex, im, pr = g["ex"], g["im"], g["pr"]
            if t.op == "balance":
                g["value"] = ex - im
            elif t.op == "total":
                g["value"] = ex + im
            elif t.op == "tdr":
                g["value"] = (im - ex) / ex.replace(0, np.nan)
            else:
                g["value"] = im / (pr - ex + im).replace(0, np.nan) * 100
            g["flow"] = t.op
            df = g[[*KEYS, "value"]]
        elif t.op == "index":
            df = df.copy()
            at = df["value"].where(df["period"] == pd.Timestamp(base_date(p["base"])))
            base = at.groupby([df[x] for x in DIMS], dropna=False).transform("max")
            df["value"] = df["value"] / base.replace(0, np.nan) * 100
        elif t.op == "hhi":
            part = [*_others(p["dim"]), "period"]
            df = df.copy()
            s = df["value"] / df.groupby(part, dropna=False)["value"].transform("sum") * 100
            df = (s * s).groupby([df[x] for x in part], dropna=False).sum().rename("value")
            df = df.reset_index()
            df[p["dim"]] = None
        elif t.op == "scale":
            df = df.assign(value=df["value"] * p["factor"])
        elif t.op == "fill":
            df = _norm(df.assign(**{p["dim"]: df[p["dim"]].fillna(p["value"])}))
        elif t.op == "gap":
            part = [*_others(p["dim"]), "period"]
            ref = df["value"].where(df[p["dim"]] == p["ref"])
            at = ref.groupby([df[x] for x in part], dropna=False).transform("max")
            df = df.assign(value=df["value"] - at)
            df = df[df[p["dim"]].notna() & (df[p["dim"]] != p["ref"])]
        elif t.op == "spread":
            part = [*_others(p["dim"]), "period"]
            g = df.groupby(part, dropna=False)["value"]
            df = (g.max() - g.min()).rename("value").reset_index()
            df[p["dim"]] = p.get("label")
        else:
            raise ValueError(f"the pandas baseline has no {t.op!r} transform: add it here")
    if d.partners:
        df = df[df["partner"].isin(d.partners)]
    return df[df["value"].notna()][[*KEYS, "value"]]


def pandas_catalog(store: Store, defs: list[Definition]) -> tuple[dict[str, pd.DataFrame], int]:
    # the rows the definitions' series filters select (every vintage): the same rows norte reads
    cond, params = series_where(defs)
    obs = store.con.execute(f"SELECT * FROM observations WHERE {cond}", params).df()  # noqa: S608
    obs = obs.sort_values(["vintage", "load_id"]).drop_duplicates(list(KEY_COLUMNS), keep="last")
    codes = store.con.sql(
        "SELECT code AS partner, kind AS partner_kind FROM codes WHERE scheme = 'partner'"
    ).df()
    obs = obs.merge(codes, on="partner", how="left")
    obs["period"] = pd.to_datetime(obs["period"])
    return {d.id: pandas_indicator(obs, d) for d in defs}, len(obs)


def _compare(store: Store, results: dict[str, pd.DataFrame]) -> tuple[int, int]:
    """(values compared, values differing by more than 1e-9 relative)."""
    mine = store.con.sql(
        "SELECT base_id, flow, partner, product_code, mode, geo_code, detail, measure, "
        "period, value FROM indicator_values_latest"
    ).df()
    mine["period"] = pd.to_datetime(mine["period"])
    n = bad = 0
    for ident, df in results.items():
        a = mine[mine["base_id"] == ident].drop(columns="base_id")
        key = [*DIMS, "period"]
        a, df = a.astype({k: object for k in DIMS}), df.astype({k: object for k in DIMS})
        m = a.fillna({k: "" for k in DIMS}).merge(
            df.fillna({k: "" for k in DIMS}), on=key, how="outer", suffixes=("_n", "_p")
        )
        diff = (m["value_n"] - m["value_p"]).abs() > 1e-9 * np.maximum(
            m["value_n"].abs(), m["value_p"].abs()
        )
        missing = m["value_n"].isna() | m["value_p"].isna()
        bad += int((diff | missing).sum())
        n += len(m)
        if (diff | missing).any():
            print(f"  mismatch in {ident}: {int((diff | missing).sum())} of {len(m)}")
    return n, bad


INPUTS = (
    "census",
    "transborder/raw",
    "bts",
    "inegi",
    "spi/mexico-states/00_IPS_COMPLETE_LONG.xlsx",
)


def _phases(r: Any) -> str:
    return ", ".join(f"{k} {v:.2f} s" for k, v in r.phases.items())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", type=Path, help="a store already holding the inputs (copied)")
    ap.add_argument("--repeat", type=int, default=3, help="warm norte + pandas pairs (median)")
    args = ap.parse_args()
    defs = load_catalog()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["NORTE_CACHE_DIR"] = str(Path(tmp) / "cache")  # starts empty: a cold run
        db = Path(tmp) / "norte.duckdb"
        if args.store:
            shutil.copy(args.store, db)
        with Store(db) as store:
            if not args.store:
                ingest(store, [SHARED / x for x in INPUTS], out=io.StringIO())
            n_obs = store.count()
            _reset_peak()
            t0 = time.perf_counter()
            cold = compute(store, force=True)
            cold_s = time.perf_counter() - t0
            cold_peak = _peak_mb()
            runs: list[tuple[float, float, float, float, Any]] = []
            for _ in range(args.repeat):
                clear_sql_cache()  # memory only: the SQL comes from the disk cache, as in a new process
                _reset_peak()
                t0 = time.perf_counter()
                report = compute(store, force=True)
                norte_s = time.perf_counter() - t0
                norte_peak = _peak_mb()
                _reset_peak()
                t0 = time.perf_counter()
                results, n_input = pandas_catalog(store, defs)
                pandas_s = time.perf_counter() - t0
                pandas_peak = _peak_mb()
                runs.append((norte_s, pandas_s, norte_peak, pandas_peak, report))
                print(
                    f"norte {norte_s:.2f}s ({_phases(report)}), pandas {pandas_s:.2f}s, "
                    f"ratio {pandas_s / norte_s:.2f}"
                )
            compared, bad = _compare(store, results)
    ratios = sorted(p / n for n, p, *_ in runs)
    ratio = statistics.median(ratios)
    norte_s, pandas_s, norte_peak, pandas_peak, report = sorted(runs, key=lambda r: r[1] / r[0])[
        len(runs) // 2
    ]
    print(
        f"cold norte {cold_s:.2f}s ({_phases(cold)}); median ratio {ratio:.2f} "
        f"({', '.join(f'{r:.2f}' for r in ratios)}); {compared:,} values, {bad} differ"
    )
    rows = "\n".join(
        f"| {i} | {n:.2f} | {p:.2f} | {p / n:.2f} |" for i, (n, p, *_) in enumerate(runs, 1)
    )
    body = f"""Command: `make bench-indicators` (`python benchmarks/bench_indicators.py`). {machine()}

The whole catalog ({len(defs)} definitions, {sum(len(d.instances()) for d in defs)} indicators)
over a store holding the Census files, the TransBorder zips, the BTS crossings file, the INEGI
RAIAVL zip and the SPI México workbook of `../shared/data` ({n_obs:,} observations; the
definitions' series filters pick {n_input:,} of them, every vintage). norte =
`compute(store, force=True)`: one grouped scan for the inputs hashes, the input slice
(newest vintage, dimensions every reader sums away summed away), every definition's compiled
SQL in one `UNION ALL` query on DuckDB, one `INSERT` into `indicator_values`. pandas = the same
definitions interpreted with straightforward pandas: read the same observation rows, keep the
newest vintage with sort + drop_duplicates, groupby / shift / rolling / rank per transform, in
the same process, writing nothing. Each warm pair runs norte then pandas; peak RSS is the
process high-water mark reset before each part.

| run | norte (s) | pandas (s) | pandas / norte |
|---|---:|---:|---:|
{rows}

Ratio pandas / norte, median of {len(runs)} runs: **{ratio:.2f}** (target >= 5). Values
compared (last run): {compared:,}; differing by more than 1e-9 relative: {bad}. Peak RSS
(median run): norte {norte_peak:,.0f} MB, pandas {pandas_peak:,.0f} MB (a warm norte run
follows a pandas run in the same process, so its peak includes memory the process kept from
it; the cold run below comes first).

Where norte's time goes (median run, {norte_s:.2f} s): {_phases(report)}. The compiled SQL
comes from the cache (`$NORTE_CACHE_DIR/indicator-sql`, keyed by dialect, definition checksum
and the engine/transform code). A **cold** run — the first after the catalog or the engine
changed, with every definition built and compiled by Ibis — took {cold_s:.2f} s
({_phases(cold)}; ratio {pandas_s / cold_s:.2f} against the median pandas time), peak RSS
{cold_peak:,.0f} MB: Ibis expression building and SQLGlot compilation cost about
{cold.phases.get("compile", 0.0) / max(len(defs), 1):.2f} s per definition. The machine is shared with other jobs (2 cores): times vary by run.
"""
    write_section("Indicators", body)


if __name__ == "__main__":
    main()
