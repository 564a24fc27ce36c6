"""Level-series detectors: records, large year-over-year moves (``moves.py``), streaks.

Breaks (:mod:`norte.findings.breaks`) and gaps are part of every story: a record names the
gaps and the break inside its window, a streak never runs across a break and is "at least N"
across a gap (missing periods are unknown, not a restart).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from norte.findings.breaks import Break, crossing, gaps, inside, missing_count
from norte.findings.data import Series
from norte.findings.model import Finding, Value, period_label
from norte.findings.util import STEP_MONTHS, add_months
from norte.findings.util import iso as _iso
from norte.findings.util import months_between as _months_between


def _yoy(s: Series) -> list[tuple[int, float]]:
    """(index, percent change on the same period a year earlier) for every point that has one."""
    lag = 12 // STEP_MONTHS.get(s.freq, 1)
    by_date = {p: i for i, (p, _) in enumerate(s.points)}
    out: list[tuple[int, float]] = []
    for i, (p, v) in enumerate(s.points):
        j = by_date.get(dt.date(p.year - 1, p.month, 1))
        if j is None or lag <= 0:
            continue
        prev = s.points[j][1]
        if prev > 0 and v >= 0:
            out.append((i, (v / prev - 1.0) * 100.0))
    return out


def _base_values(s: Series, i: int) -> dict[str, Value]:
    return {
        "period_start": _iso(s.points[i][0]),
        "freq": s.freq,
        "unit": s.unit,
        "value": s.points[i][1],
        "series_start": _iso(s.points[0][0]),
    }


def _subject(s: Series) -> dict[str, str]:
    return {k: str(v) for k, v in s.dims.items() if v is not None and k != "measure"}


def break_values(b: Break) -> dict[str, Value]:
    """A break as finding data (``values.break_*``; ``docs/findings.md``, "Breaks")."""
    out: dict[str, Value] = {"break_kind": b.kind, "break_start": _iso(b.start)}
    if b.other:
        out["break_other"] = b.other
    if b.note:
        out["break_documented"] = True
        out |= {f"break_note_{lang}": text for lang, text in b.note.items()}
    if b.other_value is not None and b.other_period is not None:
        out |= {"break_other_value": b.other_value, "break_other_period": _iso(b.other_period)}
    return out


def gap_values(s: Series, start: dt.date, end: dt.date) -> dict[str, Value]:
    """The gaps (missing periods) inside ``start..end``: count, first and second gap."""
    found = gaps(s, start, end)
    out: dict[str, Value] = {"has_gap": bool(found)}
    if not found:
        return out
    out["gaps_n"] = missing_count(found, s.freq)
    for k, (a, b) in enumerate(found[:2], 1):
        out |= {f"gap_{k}_start": _iso(a), f"gap_{k}_end": _iso(b)}
    return out


def records(
    s: Series,
    recent: int,
    min_gap_years: float,
    weight_all: float = 0.6,
    brks: Sequence[Break] = (),
    edged_pct: float = 1.0,
) -> list[Finding]:
    """The highest and lowest value of the newest ``recent`` periods, when it is the highest
    (lowest) for at least ``min_gap_years`` — a series record counts only when the series
    itself is that long (a record in three years of data is not news). A record beating the
    previous one by less than ``edged_pct`` percent "edged past" it (``_edged``)."""
    out: list[Finding] = []
    n = len(s.points)
    if n < 3:
        return out
    window = range(max(1, n - recent), n)
    for kind in ("high", "low"):
        pick = max if kind == "high" else min
        i = pick(window, key=lambda k: s.points[k][1])
        v = s.points[i][1]
        j = next(
            (
                k
                for k in range(i - 1, -1, -1)
                if (s.points[k][1] >= v if kind == "high" else s.points[k][1] <= v)
            ),
            None,
        )
        values = _base_values(s, i)
        edged = False
        if j is None:
            gap_years = _months_between(s.points[0][0], s.points[i][0]) / 12
            if gap_years < min_gap_years:
                continue
            prev = pick(range(i), key=lambda k: s.points[k][1])
            old = s.points[prev][1]
            margin = (v / old - 1.0) * 100 if kind == "high" else (1.0 - v / old) * 100
            edged = 0 <= margin < edged_pct and old > 0
            variant = f"record_{kind}_all" + ("_edged" if edged else "")
            values |= {
                "record": kind,
                "all_time": True,
                "prev_record": old,
                "prev_record_period": _iso(s.points[prev][0]),
                "margin_pct": round(margin, 6),
            }
            window_start = s.points[0][0]
        else:
            gap_years = _months_between(s.points[j][0], s.points[i][0]) / 12
            if gap_years < min_gap_years:
                continue
            variant = f"record_{kind}"
            values |= {
                "record": kind,
                "all_time": False,
                "since": _iso(s.points[j][0]),
                "since_value": s.points[j][1],
            }
            window_start = s.points[j][0]
        values["years"] = round(gap_years, 1)
        values |= gap_values(s, window_start, s.points[i][0])
        brk = inside(brks, window_start, s.points[i][0])
        if brk is not None:
            values |= break_values(brk)
        f = Finding(
            type="record",
            subject=_subject(s) | {"record": kind},
            period=period_label(s.points[i][0], s.freq),
            period_start=s.points[i][0],
            freq=s.freq,
            values=values,
            indicators=[s.indicator_id],
        )
        # a record in a growing nominal series is common: weigh it below a ranking change,
        # and by how many years it reaches back; a record by a hair weighs half
        f.score_parts["magnitude"] = weight_all * min(1.0, gap_years / 10) * (0.5 if edged else 1)
        f.score_parts["rarity"] = 1.0
        f.newest = s.points[-1][0]
        f.values = {"variant": variant, **f.values}
        out.append(f)
    return out


def _runs(
    s: Series, changes: list[tuple[int, float]], hard: set[int]
) -> list[tuple[int, int, int, int]]:
    """(start k, end k, sign, start k of the last unbroken segment) of the runs of same-sign
    year-over-year changes. Adjacent changes continue a run; changes separated by missing
    periods (a gap) continue it too — the run is then "at least" its last unbroken segment —
    unless a break lies between them (``hard``: k of a change right after a break)."""
    step = STEP_MONTHS.get(s.freq, 1)
    runs: list[tuple[int, int, int, int]] = []
    k0 = seg = 0
    for k in range(1, len(changes) + 1):
        brk = k == len(changes)
        if not brk:
            same = math.copysign(1, changes[k][1]) == math.copysign(1, changes[k0][1])
            gap = _months_between(s.points[changes[k - 1][0]][0], s.points[changes[k][0]][0])
            brk = not (same and changes[k][1] != 0) or (gap != step and k in hard)
            if not brk and gap != step:
                seg = k
        if brk:
            runs.append((k0, k - 1, 1 if changes[k0][1] > 0 else -1, seg))
            k0 = seg = k
    return runs


def _change_gaps(s: Series, run: list[tuple[int, float]]) -> dict[str, Value]:
    """The periods without a year-over-year change inside a run (a missing month, or a missing
    month a year earlier): count, first and second gap."""
    step = STEP_MONTHS.get(s.freq, 1)
    found: list[tuple[dt.date, dt.date]] = []
    for (i, _), (j, _) in zip(run, run[1:], strict=False):
        a, b = s.points[i][0], s.points[j][0]
        if _months_between(a, b) > step:
            found.append((add_months(a, step), add_months(b, -step)))
    out: dict[str, Value] = {"has_gap": bool(found)}
    if found:
        out["gaps_n"] = missing_count(found, s.freq)
        for k, (a, b) in enumerate(found[:2], 1):
            out |= {f"gap_{k}_start": _iso(a), f"gap_{k}_end": _iso(b)}
    return out


def streaks(s: Series, min_len: int, brks: Sequence[Break] = ()) -> list[Finding]:
    """The series' latest run of >= ``min_len`` consecutive year-over-year rises (or falls) —
    one story per series, not one per run: the current run when it is long enough, else the
    most recent one that was; its values say whether it is the longest in the series (and
    if not, which was). The id hashes the run's first period (``Finding.id_period``).

    A change that crosses a break is no change (left out, and the run stops there); missing
    periods inside a run are unknown: ``length`` counts the changes with figures, ``run`` the
    last unbroken stretch ("at least ``run`` months in a row"), ``gap_*`` the missing ones."""
    lag = 12 // STEP_MONTHS.get(s.freq, 1)
    all_changes = _yoy(s)
    changes: list[tuple[int, float]] = []
    hard: set[int] = set()
    for i, c in all_changes:
        p = s.points[i][0]
        prev = dt.date(p.year - 1, p.month, 1)
        if lag and crossing(brks, prev, p, s.freq) is not None:
            hard.add(len(changes))
            continue
        changes.append((i, c))
    if not changes:
        return []
    runs = _runs(s, changes, hard)

    def known(r: tuple[int, int, int, int]) -> int:
        return r[1] - r[0] + 1

    long_runs = [
        (idx, r) for idx, r in enumerate(runs) if known(r) >= min_len and changes[r[0]][1] != 0
    ]
    if not long_runs:
        return []
    idx, run = long_runs[-1]
    a, b, sign, seg = run
    length = known(run)
    i = changes[b][0]
    direction = "up" if sign > 0 else "down"
    start = s.points[changes[a][0]][0]
    at_least = seg > a or (a == 0 and 0 not in hard)
    values = _base_values(s, i) | {
        "length": length,
        "run": b - seg + 1,
        "at_least": at_least,
        "from_first": a == 0 and 0 not in hard and seg == a,
        "start": _iso(start),
        "direction": direction,
        "ongoing": b == len(changes) - 1,
        "last_change_pct": round(changes[b][1], 6),
        "changes_start": _iso(s.points[changes[0][0]][0]),
    }
    values |= _change_gaps(s, changes[a : b + 1])
    same_dir = [r for r in runs if r[2] == sign and r != runs[idx]]
    longest = max(same_dir, key=lambda r: (known(r), r[0]), default=None)
    if longest is None or known(longest) < length:
        values["is_longest"] = True
    else:
        values |= {
            "is_longest": False,
            "longest_length": known(longest),
            "longest_start": _iso(s.points[changes[longest[0]][0]][0]),
            "longest_end": _iso(s.points[changes[longest[1]][0]][0]),
        }
    values["variant"] = f"streak_{direction}" + ("_gap" if values["has_gap"] else "")
    f = Finding(
        type="streak",
        subject=_subject(s) | {"direction": direction},
        period=period_label(s.points[i][0], s.freq),
        period_start=s.points[i][0],
        freq=s.freq,
        values=values,
        indicators=[s.indicator_id],
    )
    prior = [r for r in runs[:idx] if r[2] == sign]
    longer = sum(1 for r in prior if known(r) >= length)
    f.score_parts["magnitude"] = min(1.0, length / (2 * min_len))
    # rare when few earlier runs were as long — and only as rare as the history before it is
    # long (a streak in the third year of a series is not a long-run record)
    before = _months_between(s.points[changes[0][0]][0], start) / 12
    rarity = 1.0 - longer / len(prior) if prior else 1.0
    f.score_parts["rarity"] = min(rarity, 0.5 + before / 10)
    f.newest = s.points[-1][0]
    return [f]
