"""A stakeholder picks a method for its own goal (validated like the rest of the file); every
light is recorded at every input vintage, and a light that changes colour between vintages
is listed by ``light_changes``; ``goals status`` reads as people read numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import pytest

from norte.goals import GoalFileError, add_file, lights, record, stakeholder_goals
from norte.goals.changes import light_changes
from norte.goals.fmt import from_to, period_text, value_text
from norte.goals.status import Status
from norte.store import Store

OWN = """
[[goals]]
id = "acme-trade-travel"
owner = "ACME Trade Association"
parent = 3
title = "U.S.–Mexico trade keeps growing"

[[goals.indicators]]
id = "us-total-trade-annual.mex"
select = { flow = "total" }
method = "direction"
direction = "higher_is_better"
window_years = 3
rationale = "our members export to Mexico"
citation = "Eurostat SDG monitoring report, methodological annex (thresholds unverified)"
"""


def write(tmp_path: Path, body: str, name: str = "own.toml") -> Path:
    p = tmp_path / name
    p.write_text(body, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ('method = "direction"', "method", "unknown method 'trend'"),
        ("window_years = 3", "window_years", "expected a whole number >= 1"),
        ('direction = "higher_is_better"', "direction", "unknown direction"),
        ('citation = "Eurostat', "citation", "missing"),
    ],
)
def test_a_bad_method_is_rejected_naming_the_field(
    real: Store, tmp_path: Path, change: str, field: str, words: str
) -> None:
    bad = {
        'method = "direction"': 'method = "trend"',
        "window_years = 3": "window_years = 0",
        'direction = "higher_is_better"': 'direction = "up"',
        'citation = "Eurostat': 'cite = "Eurostat',
    }[change]
    body = OWN.replace(change, bad)
    if field == "citation":
        body = body.replace("cite = ", "# cite = ")
    before = real.con.execute("SELECT count(*) FROM stakeholder_goals").fetchall()
    with pytest.raises(GoalFileError) as e:
        add_file(real, write(tmp_path, body))
    msg = str(e.value)
    assert f"goals[0].indicators[0].{field}" in msg and words in msg, msg
    assert real.con.execute("SELECT count(*) FROM stakeholder_goals").fetchall() == before


def test_threshold_and_benchmark_need_their_own_fields(real: Store, tmp_path: Path) -> None:
    body = OWN.replace('method = "direction"', 'method = "threshold"')
    body = body.replace("window_years = 3\n", "")
    with pytest.raises(GoalFileError, match=r"indicators\[0\]\.value: missing"):
        add_file(real, write(tmp_path, body))
    body = OWN.replace('method = "direction"', 'method = "benchmark"')
    with pytest.raises(GoalFileError, match="exactly one of benchmark or base_period"):
        add_file(real, write(tmp_path, body))
    body = body.replace("window_years = 3", 'benchmark = "us-total-trade-annual.xyz"')
    with pytest.raises(GoalFileError, match="unknown indicator id"):
        add_file(real, write(tmp_path, body))


def test_a_stakeholder_method_lights_and_a_change_of_colour_is_listed(
    real: Store, tmp_path: Path
) -> None:
    add_file(real, write(tmp_path, OWN))
    (g,) = [x for x in stakeholder_goals(real.con) if x.id == "acme-trade-travel"]
    (light,) = lights(real.con, [g])
    assert light.status.method == "direction" and light.status.reason != "no_target"
    # by hand: 3-year CAGR of the stored annual totals at the newest vintage
    rows = dict(
        real.con.execute(
            "SELECT period, value FROM indicator_values_latest WHERE indicator_id = "
            "'us-total-trade-annual.mex' AND flow = 'total'"
        ).fetchall()
    )
    p = light.status.latest_period
    assert p is not None
    cagr = (rows[p] / rows[p.replace(year=p.year - 3)]) ** (1 / 3) - 1
    assert light.status.growth == pytest.approx(cagr)
    n = record(real, [g])
    vins = real.con.execute(
        "SELECT DISTINCT input_vintage FROM indicator_values "
        "WHERE indicator_id = 'us-total-trade-annual.mex' ORDER BY 1"
    ).fetchall()
    assert n == len(vins) == 2  # one light per input vintage
    got = real.con.execute(
        "SELECT input_vintage, status, reason FROM goal_status WHERE goal_id = ? "
        "ORDER BY input_vintage",
        [g.id],
    ).fetchall()
    changes = light_changes(real.con, g.id)
    want = [(a, b) for a, b in zip(got, got[1:], strict=False) if a[1] != b[1]]
    assert [(c.from_vintage, c.to_vintage) for c in changes] == [(a[0], b[0]) for a, b in want]
    # make the colour change visible for sure: an older vintage recorded as red
    real.con.execute(
        "INSERT INTO goal_status (goal_id, owner, target_id, indicator_id, input_vintage, "
        "status, reason, method, computed_at) VALUES (?, ?, ?, ?, ?, 'off_track', "
        "'significant_away', 'direction', now())",
        [g.id, g.owner, light.id, light.indicator_id, dt.date(2020, 1, 1)],
    )
    first = light_changes(real.con, g.id)[0]
    assert (first.from_vintage, first.from_status, first.from_reason) == (
        dt.date(2020, 1, 1),
        "off_track",
        "significant_away",
    )
    assert first.to_vintage == got[0][0] and first.to_status == got[0][1]
    assert first.as_dict()["from_vintage"] == "2020-01-01"
    # same colour at two vintages is not a change
    assert all(c.from_status != c.to_status for c in light_changes(real.con))


def test_numbers_and_periods_as_people_read_them() -> None:
    assert value_text(839_555_104_875.0, "USD") == "US$839.6 bn"
    assert value_text(-171_8e8, "USD") == "−US$171.8 bn"
    assert value_text(2.102, "percent") == "2.1%"
    assert value_text(12_611_000, "jobs") == "12.6 million jobs"
    assert period_text(dt.date(2026, 4, 1), "Q") == "2026 Q2"
    assert period_text(dt.date(2024, 1, 1), "A") == "2024"
    assert period_text(dt.date(2024, 12, 1), "M") == "2024-12"
    st = Status("on_track", "significant_progress", freq="A")
    st.baseline_period, st.baseline_value = dt.date(2019, 1, 1), 612.77e9
    st.latest_period, st.latest_value = dt.date(2024, 1, 1), 839.56e9
    assert from_to(st, "USD") == "from US$612.8 bn to US$839.6 bn (2019 to 2024)"


def test_cli_status_formats(real: Store, tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    real.close()
    import shutil

    shutil.copy(Path(real.path), db)

    def run(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "norte.cli", "--db", str(db), "goals", "status", *args],
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    rows = list(csv.DictReader(io.StringIO(run("--format", "csv"))))
    by_id = {r["id"]: r for r in rows}
    r = by_id["us-total-trade-annual.mex[flow=total]~direction"]
    assert r["latest"].startswith("US$") and r["latest"].endswith(", 2024"), r
    assert r["from_to"].startswith("from US$") and "(2019 to 2024)" in r["from_to"], r
    assert r["light"].split(":")[0] in ("on track", "at risk", "off track")
    md = run("--format", "md")
    assert md.splitlines()[1].startswith("|---|") and "| US$" in md
    import json

    js = json.loads(run("--format", "json"))
    one = next(x for x in js if x["id"] == r["id"])
    assert one["latest_text"] == r["latest"] and one["ref"]["about"]["what"]["es"]


def test_spi_states_that_improved_or_worsened_by_hand(shared: Path, tmp_path: Path) -> None:
    from norte.goals.movers import MoversSpec, movers
    from norte.indicators import compute, load_catalog
    from norte.ingest import ingest

    repo = Path(__file__).resolve().parents[2]
    with Store(tmp_path / "spi.duckdb") as s:
        ingest(
            s,
            [shared / "spi" / "mexico-states"],
            options={"provenance_dirs": [str(repo / "provenance")]},
            out=io.StringIO(),
        )
        compute(s, catalog=[d for d in load_catalog() if d.id == "spi-mx-state-score"])
        obs = s.con.execute(
            "SELECT geo_code, period, value FROM observations_latest "
            "WHERE dataset = 'spi_mexico_states' AND measure = 'spi_overall'"
        ).fetchall()
        by: dict[str, dict[dt.date, float]] = {}
        for g, p, v in obs:
            by.setdefault(g, {})[p] = v
        want = {}
        for g, d in by.items():
            last = max(d)
            first = last.replace(year=last.year - 5)
            if first in d and g is not None and g.startswith("MX-"):
                want[g] = d[last] - d[first]
        spec = MoversSpec("spi-mx-state-score", "geo_code", {"measure": "spi_overall"}, 5)
        got = movers(s.con, spec)
        assert len(want) == 32  # every state, 2019 to 2024
        assert {m.member: m.change for m in got} == pytest.approx(want)
        assert [m.change for m in got] == sorted((m.change for m in got), reverse=True)
        assert all((m.verdict == "improved") == (m.change > 0) for m in got)
        down = movers(s.con, MoversSpec(spec.indicator, spec.by, spec.select, 5, "lower_is_better"))
        assert {m.member for m in down if m.verdict == "worsened"} == {
            g for g, c in want.items() if c > 0
        }


def test_add_says_how_many_indicators_are_assessed(real: Store, tmp_path: Path) -> None:
    (r,) = add_file(real, write(tmp_path, OWN))
    assert r.action == "added" and "0 target(s) and 1 assessed indicator(s)" in r.message


def test_cli_changes_lists_a_change_of_colour(real: Store, tmp_path: Path) -> None:
    import json

    add_file(real, write(tmp_path, OWN))
    (g,) = [x for x in stakeholder_goals(real.con) if x.id == "acme-trade-travel"]
    record(real, [g])
    (light,) = lights(real.con, [g])
    real.con.execute(
        "INSERT INTO goal_status (goal_id, owner, target_id, indicator_id, input_vintage, "
        "status, reason, method, computed_at) VALUES (?, ?, ?, ?, DATE '2020-01-01', "
        "'no_data', 'insufficient_trend', 'direction', now())",
        [g.id, g.owner, light.id, light.indicator_id],
    )
    path = Path(real.path)
    real.close()
    cmd = [sys.executable, "-m", "norte.cli", "--db", str(path), "goals", "changes"]
    out = subprocess.run(
        [*cmd, "--goal", g.id, "--json"], check=True, capture_output=True, text=True
    )
    got = json.loads(out.stdout)
    assert got[0]["from_vintage"] == "2020-01-01" and got[0]["from_status"] == "no_data"
    assert got[0]["to_status"] == light.status.status
    text = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    assert f"{g.id} {light.id}: no data →" in text


def test_a_parameter_of_another_method_is_rejected(real: Store, tmp_path: Path) -> None:
    body = OWN.replace("window_years = 3", "window_years = 3\nvalue = 4.5")
    with pytest.raises(GoalFileError) as e:
        add_file(real, write(tmp_path, body))
    assert "indicators[0].value: not a parameter of method 'direction'" in str(e.value)
    assert "use method 'threshold'" in str(e.value)
