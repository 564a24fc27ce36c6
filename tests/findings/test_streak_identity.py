"""A streak is one story per series, and a still-running streak keeps its id as it extends."""

from __future__ import annotations

import datetime as dt

from norte.findings.data import Series
from norte.findings.detectors import streaks


def _series(values: list[float]) -> Series:
    points = [(dt.date(2000 + i, 1, 1), v) for i, v in enumerate(values)]
    return Series("x-annual.mex", "x-annual", {"partner": "MEX"}, "USD", "A", points)


def test_running_streak_keeps_its_id_and_a_new_run_gets_a_new_one() -> None:
    base = [10, 9, 8, 9, 10, 11, 12, 13]  # rises from 2003 (5 years to 2007)
    (a,) = streaks(_series(base), 5)
    (b,) = streaks(_series([*base, 14]), 5)  # one more year up: the same story, extended
    assert a.values["ongoing"] is True and b.values["ongoing"] is True
    assert (a.values["length"], b.values["length"]) == (5, 6)
    assert a.period != b.period and a.id == b.id
    assert a.id_period == b.id_period == "2003"
    # the run breaks: still the same story (the finished run) ...
    (c,) = streaks(_series([*base, 14, 13]), 5)
    assert c.id == a.id and c.values["ongoing"] is False
    # ... and a later run long enough is reported instead, under a new id, once
    later = [*base, 14, 13, 14, 15, 16, 17, 18, 19]
    found = streaks(_series(later), 5)
    assert len(found) == 1 and found[0].id != a.id
    assert found[0].values["length"] == 6 and found[0].values["is_longest"] is False
    # the earlier run was as long (2003-2008): the text names it rather than claim a record
    assert found[0].values["longest_length"] == 6
    assert (found[0].values["longest_start"], found[0].values["longest_end"]) == (
        "2003-01-01",
        "2008-01-01",
    )
