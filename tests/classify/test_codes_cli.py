"""``norte codes map`` and ``norte codes search`` on the agencies' files (the issue's
must-show answers), and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from norte import cli


def _run(db: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    rc = cli.main(["--db", str(db), "codes", *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def _map(db: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    rc, out, err = _run(db, capsys, "map", *args, "--json")
    assert rc == 0, err
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


def test_naics_2022_merge_maps_to_both_2017_industries(
    crosswalk_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    m = _map(crosswalk_db, capsys, "336110", "--from", "naics2022", "--to", "naics2017")
    targets = m["targets"]
    assert isinstance(targets, list)
    assert [(t["code"], t["relation"]) for t in targets] == [("336111", "1:n"), ("336112", "1:n")]
    assert all(t["source"][0]["file"].endswith("2022_to_2017_NAICS.xlsx") for t in targets)
    assert any("no weights" in str(n) for n in m["notes"])  # type: ignore[attr-defined]
    # Read backwards, the same file says 336111 merged into 336110.
    back = _map(crosswalk_db, capsys, "336111", "--from", "naics2017", "--to", "naics2022")
    assert [(t["code"], t["relation"]) for t in back["targets"]] == [("336110", "n:1")]  # type: ignore[attr-defined]


def test_schedule_b_code_to_atp_group_and_naics(
    crosswalk_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    m = _map(crosswalk_db, capsys, "8542310000", "--from", "scheduleb2019", "--to", "atp")
    (t,) = m["targets"]  # type: ignore[misc]
    assert (t["code"], t["label"]) == ("05", "Electronics")
    assert t["source"][0]["file"].endswith("exp-code-2019.txt")
    m = _map(crosswalk_db, capsys, "8542.31.0000", "--from", "scheduleb2019", "--to", "naics2017")
    (t,) = m["targets"]  # type: ignore[misc]
    assert (t["code"], t["label"]) == ("334413", "Semiconductor and Related Device Manufacturing")


def test_a_path_through_another_scheme_is_named(
    crosswalk_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Schedule B 2019 gives NAICS 2017; NAICS 2022 is reached through the NAICS concordance."""
    code = "8703230160"  # passenger vehicles, 4-6 cylinders, 1,500-3,000 cc: NAICS 2017 336111
    m = _map(crosswalk_db, capsys, code, "--from", "scheduleb2019", "--to", "naics2022")
    (t,) = m["targets"]  # type: ignore[misc]
    assert t["code"] == "336110" and t["via"] == "naics2017 336111"
    assert [s["file"].rsplit("/", 1)[1] for s in t["source"]] == [
        "exp-code-2019.txt",
        "2022_to_2017_NAICS.xlsx",
    ]


def test_text_output_and_errors(crosswalk_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = _run(
        crosswalk_db, capsys, "map", "336110", "--from", "naics2022", "--to", "naics2017"
    )
    assert rc == 0 and "336111" in out and "split" in out and "2022_to_2017_NAICS.xlsx" in out
    rc, _, err = _run(
        crosswalk_db, capsys, "map", "999999", "--from", "naics2022", "--to", "naics2017"
    )
    assert rc == 2 and "999999 is not in the naics2022 -> naics2017 crosswalk" in err
    rc, _, err = _run(crosswalk_db, capsys, "map", "1", "--from", "naics1997", "--to", "naics2017")
    assert rc == 2 and "unknown classification scheme 'naics1997'" in err and "scheduleb2019" in err
    rc, _, err = _run(crosswalk_db, capsys, "map", "1", "--from", "sitc", "--to", "bea")
    assert rc == 2 and "no crosswalk links sitc and bea" in err


def test_search_by_description_in_spanish_and_english(
    crosswalk_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out, _ = _run(
        crosswalk_db,
        capsys,
        "search",
        "vehiculos",
        "automotores",
        "--scheme",
        "scian2023",
        "--json",
    )
    hits = json.loads(out)
    assert rc == 0 and hits
    by_code = {h["code"]: h for h in hits}
    assert by_code["3363"]["label_es"] == "Fabricación de partes para vehículos automotores"
    assert by_code["3363"]["trinational"] is True  # the trailing T, taken off the title
    assert by_code["336320"]["trinational"] is False
    rc, out, _ = _run(crosswalk_db, capsys, "search", "semiconductor", "device")
    assert rc == 0 and "334413" in out and "naics2017" in out
