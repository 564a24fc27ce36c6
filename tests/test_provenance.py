"""Provenance manifests: lookup (beside the file, provenance folders), validation, template,
the setting that names the folders, and the CLI passing it to sources."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from norte import provenance, settings
from norte.errors import InputError

REPO = Path(__file__).resolve().parents[1]


def _data(folder: Path, name: str = "GDPC1.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text("date,value\n2024-01-01,1.0\n")
    return p


def test_manifest_beside_the_file_wins(tmp_path: Path) -> None:
    data = _data(tmp_path / "data" / "fred")
    beside = data.with_name("GDPC1.csv.norte.toml")
    beside.write_text('agency = "A"\n')
    other = tmp_path / "prov"
    (other / "fred").mkdir(parents=True)
    (other / "fred" / "GDPC1.csv.norte.toml").write_text('agency = "B"\n')
    assert provenance.find(data, [other]) == beside


def test_folder_lookup_matches_sub_folders_and_refuses_other_places(tmp_path: Path) -> None:
    data = _data(tmp_path / "data" / "fred")
    prov = tmp_path / "prov"
    (prov / "fred").mkdir(parents=True)
    (prov / "statcan").mkdir()
    good = prov / "fred" / "GDPC1.csv.norte.toml"
    good.write_text("")
    (prov / "statcan" / "GDPC1.csv.norte.toml").write_text("")  # names another folder
    assert provenance.find(data, [prov]) == good
    elsewhere = _data(tmp_path / "downloads")
    assert provenance.find(elsewhere, [prov]) is None
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "GDPC1.csv.norte.toml").write_text("")
    assert provenance.find(elsewhere, [prov, flat]) == flat / "GDPC1.csv.norte.toml"


def test_the_deepest_matching_manifest_wins(tmp_path: Path) -> None:
    data = _data(tmp_path / "data")
    prov = tmp_path / "prov"
    for sub in ("a", "b"):
        (prov / sub).mkdir(parents=True)
    (prov / "GDPC1.csv.norte.toml").write_text("")
    assert provenance.find(data, [prov]) == prov / "GDPC1.csv.norte.toml"
    (prov / "data").mkdir()
    (prov / "data" / "GDPC1.csv.norte.toml").write_text("")
    assert provenance.find(data, [prov]) == prov / "data" / "GDPC1.csv.norte.toml"


def _manifest(tmp_path: Path, text: str) -> tuple[Path, Path]:
    data = _data(tmp_path)
    m = tmp_path / "GDPC1.csv.norte.toml"
    m.write_text(text)
    return data, m


def test_unknown_key_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    data, m = _manifest(tmp_path, 'agency = "BEA"\nrelase_date = 2026-07-30\n')
    with pytest.raises(InputError) as e:
        provenance.read(m, data)
    assert str(m) in str(e.value) and "'release_date'" in str(e.value)


def test_missing_required_key_names_the_manifest_and_the_key(tmp_path: Path) -> None:
    data, m = _manifest(tmp_path, 'agency = "BEA"\nid = "GDPC1"\nurl = "u"\nscale = 1e9\n')
    with pytest.raises(InputError) as e:
        provenance.read(m, data, ["agency", "id", "url", "unit", "scale"])
    assert e.value.path == str(m) and e.value.place == "key 'unit'"
    assert "add the line" in str(e.value)


def test_release_date_must_be_a_full_date(tmp_path: Path) -> None:
    data, m = _manifest(tmp_path, 'release_date = "2026-08"\n')
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        provenance.read(m, data)
    data, m = _manifest(tmp_path, "release_date = 2026-08-01\n")
    man = provenance.read(m, data)
    got = provenance.vintage(man, dt.date(2000, 1, 1), "estimated: x")
    assert got[:2] == (dt.date(2026, 8, 1), "manifest")
    assert provenance.vintage(None, dt.date(2000, 1, 1), "estimated: x")[:2] == (
        dt.date(2000, 1, 1),
        "estimated: x",
    )


def test_sha256_ties_a_manifest_to_its_bytes(tmp_path: Path) -> None:
    data, m = _manifest(tmp_path, 'sha256 = "' + "0" * 64 + '"\n')
    with pytest.raises(InputError, match="describes other bytes"):
        provenance.read(m, data)


def test_template_is_valid_toml_once_filled(tmp_path: Path) -> None:
    data = _data(tmp_path)
    text = provenance.template(data, ["agency", "id", "url", "unit", "scale"], {"id": '"GDPC1"'})
    parsed = tomllib.loads(text)
    assert parsed["id"] == "GDPC1" and parsed["scale"] == 1 and parsed["unit"] == ""


def test_setting_paths_are_relative_to_norte_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NORTE_PROVENANCE_DIRS", raising=False)
    cfg = tmp_path / "norte.toml"
    cfg.write_text('[provenance]\ndirs = ["provenance"]\n')
    config, path = settings.load_toml(cfg)
    assert settings.resolve("provenance_dirs", None, config, path) == [str(tmp_path / "provenance")]
    monkeypatch.setenv("NORTE_PROVENANCE_DIRS", os.pathsep.join(["/a", "/b"]))
    assert settings.resolve("provenance_dirs", None, config, path) == ["/a", "/b"]


def test_cli_reads_manifests_from_norte_provenance_dirs(shared: Path, tmp_path: Path) -> None:
    """The env var reaches the FRED source: without it the copy is refused (exit 2, the
    template in the message); with it the shipped manifest is found."""
    db = tmp_path / "s.duckdb"
    f = str(shared / "fred/GDPC1.csv")
    env = {**os.environ, "PYTHONPATH": str(REPO), "NORTE_PROVENANCE_DIRS": ""}
    cmd = [sys.executable, "-m", "norte.cli", "--db", str(db), "ingest", f]
    r = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and 'id = "GDPC1"' in r.stderr, r.stderr
    env["NORTE_PROVENANCE_DIRS"] = str(REPO / "provenance")
    r = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "226 rows added" in r.stderr


@pytest.mark.parametrize(
    "name", ["census/api/exports-country-2013-2024.json.gz", "census/country.xlsx"]
)
def test_census_release_date_from_a_manifest_replaces_the_estimate(
    shared: Path, tmp_path: Path, name: str
) -> None:
    """The Census files carry no release date: their vintage is estimated from the newest
    month unless a provenance manifest states the release (issue 12)."""
    import io

    from norte.ingest import ingest
    from norte.store import Store

    data = shared / name
    with Store(tmp_path / "est.duckdb") as s:
        ingest(s, [data], out=io.StringIO())
        ((estimated, how),) = s.con.execute("SELECT vintage, vintage_from FROM loads").fetchall()
    assert how.startswith("estimated")
    prov = tmp_path / "prov"
    prov.mkdir()
    (prov / (data.name + provenance.SUFFIX)).write_text(
        'agency = "U.S. Census Bureau"\nrelease_date = 2025-02-05\n', encoding="utf-8"
    )
    with Store(tmp_path / "known.duckdb") as s:
        ingest(s, [data], options={"provenance_dirs": [str(prov)]}, out=io.StringIO())
        ((vintage, how),) = s.con.execute("SELECT vintage, vintage_from FROM loads").fetchall()
        (n,) = s.con.execute(
            "SELECT count(DISTINCT vintage) FROM observations WHERE vintage = ?", [vintage]
        ).fetchone() or (0,)
    assert (vintage, how) == (dt.date(2025, 2, 5), "manifest") and vintage != estimated
    assert n == 1  # the observations carry the stated release
