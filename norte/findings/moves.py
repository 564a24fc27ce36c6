"""Large year-over-year moves: a z-score outlier, or the largest rise (fall) in years.

Two rules keep a move honest:

- **breaks**: a change that crosses a break (:mod:`norte.findings.breaks`) is not compared
  with the series' history (it would inflate it) and, if it stands out, is told as what it is
  (``yoy_move_break``: "part of the traffic is counted at another port from March 2020");
- **base effects**: a change on a year-earlier period inside the pandemic trough
  (``[detect] base_effect``) is also compared with the same period of the reference year
  (2019): ``yoy_move_base`` says both ("1,259.3% above May 2020, a pandemic low; 3.2% above
  May 2019"), and its magnitude is the one against the reference year.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

from norte.findings.breaks import Break, crossing
from norte.findings.data import Series
from norte.findings.levels import _base_values, _subject, _yoy, break_values
from norte.findings.model import Finding, period_end, period_label
from norte.findings.util import iso as _iso
from norte.findings.util import months_between as _months_between


def _in_trough(p: dt.date, freq: str, base: Mapping[str, Any] | None) -> bool:
    """Whether period ``p`` overlaps the trough ``base['from']..base['to']``."""
    if not base:
        return False
    lo, hi = dt.date.fromisoformat(str(base["from"])), dt.date.fromisoformat(str(base["to"]))
    return p <= hi and period_end(p, freq) >= lo


def yoy_moves(
    s: Series,
    z_min: float,
    min_history: int,
    recent: int = 0,
    since_min_years: float = 3.0,
    since_min_pct: float = 5.0,
    brks: Sequence[Break] = (),
    base: Mapping[str, Any] | None = None,
) -> list[Finding]:
    """Year-over-year changes that stand out, in either of two ways:

    - ``|z| >= z_min`` against the series' earlier changes (mean and sd of the earlier changes
      that cross no break);
    - in the newest ``recent`` periods: the largest rise (fall) for at least ``since_min_years``
      (``since`` = the last earlier change at least as large in the same direction), of at
      least ``since_min_pct`` percent — "the steepest drop since November 2021", which a
      volatile history (2020) hides from the z-score."""
    out: list[Finding] = []
    changes = _yoy(s)
    own = dict(s.points)
    n_points = len(s.points)
    total = sumsq = 0.0
    hist: list[float] = []
    prev_cross = False
    for k in range(len(changes)):
        i, c = changes[k]
        if k > 0 and not prev_cross:
            total += changes[k - 1][1]
            sumsq += changes[k - 1][1] ** 2
            hist.append(changes[k - 1][1])
        p = s.points[i][0]
        prev_p = dt.date(p.year - 1, p.month, 1)
        brk = crossing(brks, prev_p, p, s.freq)
        prev_cross = brk is not None
        m = len(hist)
        z: float | None = None
        if m >= min_history and m > 0:
            mean = total / m
            sd = math.sqrt(max(0.0, sumsq / m - mean * mean))  # population sd
            if sd > 0:
                z = (c - mean) / sd
        z_hit = z is not None and abs(z) >= z_min
        since_hit = False
        since: tuple[dt.date, float] | None = None
        gap_years = 0.0
        if recent and i >= n_points - recent and abs(c) >= since_min_pct and k > 0:
            prior = next(
                (
                    (s.points[j][0], x)
                    for j, x in reversed(changes[:k])
                    if (x >= c if c > 0 else x <= c)
                ),
                None,
            )
            if prior is None:
                gap_years = _months_between(s.points[changes[0][0]][0], p) / 12
            else:
                since = prior
                gap_years = _months_between(prior[0], p) / 12
            since_hit = gap_years >= since_min_years
        if not (z_hit or since_hit):
            continue
        values = _base_values(s, i) | {
            "previous": own[prev_p],
            "previous_period": _iso(prev_p),
            "change_pct": round(c, 6),
            "history_n": m,
        }
        direction = "up" if c > 0 else "down"
        if z_hit and z is not None:
            mean = total / m
            values |= {
                "z": round(z, 6),
                "mean_pct": round(mean, 6),
                "sd_pct": round(math.sqrt(max(0.0, sumsq / m - mean * mean)), 6),
            }
        if since_hit:
            values["since_years"] = round(gap_years, 1)
            if since is not None:
                values |= {"since": _iso(since[0]), "since_change_pct": round(since[1], 6)}
            else:
                values["largest_in_series"] = True
        suffix = ("_since" if since is not None else "_top") if since_hit else ""
        values["variant"] = f"yoy_move_{direction}{suffix}"
        magnitude = rarity = 0.0
        if z_hit and z is not None:
            sd = float(values["sd_pct"])  # type: ignore[arg-type]
            mean = float(values["mean_pct"])  # type: ignore[arg-type]
            bigger = sum(1 for x in hist if abs((x - mean) / sd) >= abs(z))
            magnitude = min(1.0, abs(z) / 4.0)
            rarity = 1.0 - bigger / len(hist)
        if since_hit:  # size of the move (20% = full) and how far back it reaches
            magnitude = max(magnitude, min(1.0, abs(c) / 20.0))
            rarity = max(rarity, min(1.0, 0.5 + gap_years / 10.0))
        ref_year = int(base.get("reference_year", 2019)) if base else 0
        ref_p = dt.date(ref_year, p.month, 1) if ref_year else None
        if brk is not None:
            values |= break_values(brk)
            values["variant"] = "yoy_move_break"
            values["direction"] = direction
        elif _in_trough(prev_p, s.freq, base) and ref_p is not None and own.get(ref_p, 0) > 0:
            ref = own[ref_p]
            ref_change = (s.points[i][1] / ref - 1.0) * 100
            values |= {
                "variant": "yoy_move_base",
                "direction": direction,
                "base_effect": True,
                "reference_period": _iso(ref_p),
                "reference_value": ref,
                "reference_change_pct": round(ref_change, 6),
                "reference_up": ref_change >= 0,
            }
            # the news is the change on the normal year, not the rebound from the trough
            magnitude = min(1.0, abs(ref_change) / 20.0)
            rarity = min(rarity, 0.5)
        f = Finding(
            type="yoy_move",
            subject=_subject(s),
            period=period_label(p, s.freq),
            period_start=p,
            freq=s.freq,
            values=values,
            indicators=[s.indicator_id],
        )
        f.score_parts["magnitude"] = magnitude
        f.score_parts["rarity"] = rarity
        f.newest = s.points[-1][0]
        out.append(f)
    return out
