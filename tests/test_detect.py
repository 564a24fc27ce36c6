"""Detection that says the truth (issue 11, part 5): an empty file, a truncated workbook, zip
or gzip, and a file of a known agency's format norte does not read each get their own
message; every bad file of a command is reported; a command in which nothing is readable
fails. Real files from ../shared/data, truncated or copied into tmp_path (never modified)."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import duckdb
import pytest

from norte import sources
from norte.errors import EXIT_INPUT
from norte.ingest import survey
from norte.sources import census_api, integrity, known
from norte.store import Store

API = "census/api/exports-country-2013-2024.json.gz"


def norte(db: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "norte.cli", "--db", str(db), *map(str, args)],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )


def fingerprint(db: Path) -> tuple[object, ...]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return (
            con.execute("SELECT count(*), sum(value) FROM observations").fetchall(),
            con.execute("SELECT load_id, sha256, location, rows FROM loads ORDER BY 1").fetchall(),
        )
    finally:
        con.close()


@pytest.fixture(scope="module")
def base(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding one real load (the Census API exports file)."""
    db = tmp_path_factory.mktemp("detect") / "base.duckdb"
    with Store(db) as s:
        s.load_file(shared / API, census_api)
    return db


@pytest.fixture
def db(base: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "norte.duckdb"
    shutil.copy(base, copy)
    if base.with_suffix(".duckdb.wal").exists():
        shutil.copy(base.with_suffix(".duckdb.wal"), copy.with_suffix(".duckdb.wal"))
    return copy


def cut(src: Path, dst: Path, fraction: float) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def fails(db: Path, *args: str | Path) -> str:
    """Run ``norte`` expecting the bad-input exit code and an unchanged store; its stderr."""
    before = fingerprint(db)
    r = norte(db, *args)
    assert r.returncode == EXIT_INPUT, r.stderr
    assert "Traceback" not in r.stderr
    assert fingerprint(db) == before
    return r.stderr


# -- empty, truncated, damaged -----------------------------------------------------------------


def test_empty_file_says_so(db: Path, tmp_path: Path) -> None:
    empty = tmp_path / "country.xlsx"
    empty.touch()
    err = fails(db, "ingest", empty)
    assert f"{empty}: the file is empty (0 bytes)" in err
    assert "was the download interrupted? download it again" in err
    assert "format not recognised" not in err and "--format" not in err
    # with --format too: the cause, not the format, is the problem
    err = fails(db, "ingest", "--format", "census-xlsx", empty)
    assert "the file is empty (0 bytes)" in err


@pytest.mark.parametrize(
    ("rel", "fraction", "kind", "why"),
    [
        ("census/country.xlsx", 0.5, "Excel workbook", "end-of-central-directory record"),
        ("census/concordance/expconcord17.xls", 0.6, "Excel workbook", "past the end"),
        ("transborder/codes_all.xls", 0.999, "Excel workbook", "the file ends before"),
        ("transborder/raw/year_2023/Jan2023.zip", 0.5, "zip archive", "end-of-central-directory"),
        ("inegi/conjunto_de_datos_raiavl_mensual_exportacion_csv.zip", 0.7, "zip archive", "end-"),
        ("bts/border_crossing_entry_data.csv.gz", 0.5, "gzip file", "ends early"),
        (API, 0.99, "gzip file", "ends early"),
    ],
)
def test_truncated_file_says_download_again(
    shared: Path, db: Path, tmp_path: Path, rel: str, fraction: float, kind: str, why: str
) -> None:
    bad = cut(shared / rel, tmp_path / Path(rel).name, fraction)
    err = fails(db, "ingest", bad)
    assert f"{bad}: truncated or damaged {kind}" in err and why in err, err
    assert "download the" in err and "again" in err
    assert "format not recognised" not in err


def test_gzip_with_a_wrong_crc_is_damaged(shared: Path, db: Path, tmp_path: Path) -> None:
    data = bytearray((shared / API).read_bytes())
    data[-8] ^= 0xFF  # the trailer's CRC-32: every byte of the data is intact
    bad = tmp_path / "exports.json.gz"
    bad.write_bytes(bytes(data))
    err = fails(db, "ingest", bad)
    assert f"{bad}: truncated or damaged gzip file" in err and "CRC" in err, err


def test_html_page_saved_as_a_workbook(shared: Path, db: Path, tmp_path: Path) -> None:
    """A server's HTML page saved under the workbook's name (a real page from SE here)."""
    bad = tmp_path / "country.xlsx"
    shutil.copy(shared / "se/bc_e/D9_CANADA.html", bad)
    err = fails(db, "ingest", bad)
    assert f"{bad}: an HTML page, not the Excel workbook its name says" in err
    assert "download the workbook again" in err


def test_no_whole_file_in_shared_data_is_called_damaged(shared: Path) -> None:
    """No false alarm: every real file is whole, whatever its format."""
    files = [f for f in shared.rglob("*") if f.is_file()]
    assert len(files) > 300
    assert [str(e) for f in files if (e := integrity.check(f))] == []


# -- formats of known agencies that norte does not read ----------------------------------------

#: (Formats norte reads now — INEGI BCMM, GDP and IGAE, the SE pages, StatCan full tables,
#: FRED CSV, FT-900 — left this list when their readers landed; tests/sources cover them.)
SCHEDULE_C = "census/concordance/country-codes-schedule-c-27JAN21.txt"
KNOWN = [
    ("census/concordance/country-codes-schedule-c-27JAN21.txt", "Census", "Schedule C country"),
    ("transborder/codes_all.xls", "Transportation Statistics", "TransBorder code lists"),
]


@pytest.mark.parametrize(("rel", "agency", "what"), KNOWN, ids=[k[0] for k in KNOWN])
def test_known_format_is_named(shared: Path, rel: str, agency: str, what: str) -> None:
    (err,) = survey([shared / rel], None).errors
    assert isinstance(err, known.NotReadYet)
    text = str(err)
    assert text.startswith(f"{shared / rel}: ") and agency in text and what in text, text
    assert "norte does not read this format yet" in text and "norte formats" in text


def test_known_by_content_not_by_name(shared: Path, tmp_path: Path) -> None:
    """Renamed files are still recognised; FRED's own download header too."""
    odd = tmp_path / "download (3).csv"
    text = (shared / "fred/GDPC1.csv").read_text()
    odd.write_text(text.replace("date,value", "observation_date,GDPC1", 1))
    m = known.identify(odd)
    assert m is not None and m.label == "a FRED series CSV (series GDPC1) from " + (
        "FRED, Federal Reserve Bank of St. Louis"
    )
    page = tmp_path / "page.txt"
    shutil.copy(shared / "se/bcm_e/D9_CANADA.html", page)
    assert (m := known.identify(page)) is not None and "Secretaría de Economía" in m.label
    plain = tmp_path / "seph.csv"
    plain.write_bytes(
        gzip.decompress((shared / "statcan/1410020101-seph-derived.csv.gz").read_bytes())
    )
    assert (m := known.identify(plain)) is not None and m.known.agency == "Statistics Canada"


def test_a_registered_reader_wins_over_the_table(
    shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When a reader for a listed format lands, the files go to it: its row becomes dead."""
    fred = types.ModuleType("fred_reader")
    fred.FORMAT = "fred-csv"  # type: ignore[attr-defined]
    fred.detect = lambda p: p.name == "GDPC1.csv"  # type: ignore[attr-defined]
    monkeypatch.setitem(sources.REGISTRY, "fred-csv", fred)
    got = survey([shared / "fred"], None)
    assert [(p.name, m) for p, m in got.todo] == [("GDPC1.csv", fred)]
    assert {m.path.name for m in got.unread} == {f.name for f in got.skipped} and got.skipped
    assert not survey([shared / "fred/GDPC1.csv"], None).errors


def test_known_formats_in_one_command_are_all_reported(shared: Path, db: Path) -> None:
    files = [shared / rel for rel, _, _ in KNOWN]
    err = fails(db, "ingest", *files)
    assert f"{len(files)} file(s) could not be loaded" in err
    for f in files:
        assert f"  - {f}: " in err
    assert err.count("norte does not read this format yet") == len(files)


def test_every_bad_file_is_reported(shared: Path, db: Path, tmp_path: Path) -> None:
    empty = tmp_path / "exports.json"
    empty.touch()
    trunc = cut(shared / "census/country.xlsx", tmp_path / "country.xlsx", 0.5)
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    good = shared / API  # already loaded, readable: the command still loads nothing
    err = fails(db, "ingest", good, empty, trunc, notes, tmp_path / "missing.csv")
    assert "4 file(s) could not be loaded" in err
    assert f"{empty}: the file is empty" in err
    assert f"{trunc}: truncated or damaged Excel workbook" in err
    assert f"{notes}: format not recognised" in err
    assert f"{tmp_path / 'missing.csv'}: no such file or folder" in err


# -- folders -------------------------------------------------------------------------------------


def test_folder_with_nothing_readable_fails(shared: Path, db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    for rel in (SCHEDULE_C, "transborder/codes_all.xls", "README.md"):
        shutil.copy(shared / rel, folder)
    err = fails(db, "ingest", folder)
    assert f"no file under {folder} is in a format norte reads; 3 file(s) skipped" in err
    assert "codes_all.xls (the TransBorder code lists" in err
    assert "not read yet" in err
    assert "norte formats" in err
    assert "0 file(s) loaded" not in err


def test_empty_folder_fails(db: Path, tmp_path: Path) -> None:
    (tmp_path / "nothing").mkdir()
    err = fails(db, "ingest", tmp_path / "nothing")
    assert f"no file under {tmp_path / 'nothing'}: the folder is empty" in err


def test_folder_with_readable_and_other_files(shared: Path, tmp_path: Path) -> None:
    """Readable files load; the rest is skipped with a count, known formats named; a second
    run, with everything already loaded, succeeds too."""
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(shared / API, folder)
    for rel in ("README.md", SCHEDULE_C, "transborder/codes_all.xls"):
        shutil.copy(shared / rel, folder)
    (folder / ".gitkeep").touch()  # an empty file that is no data file: skipped, not an error
    db = tmp_path / "fresh.duckdb"
    r = norte(db, "ingest", folder)
    assert r.returncode == 0, r.stderr
    assert "36,283 rows added" in r.stderr
    assert "skipped 4 file(s) no source reads" in r.stderr
    assert "1 × the Schedule C country code list from U.S. Census Bureau" in r.stderr
    assert "1 × the TransBorder code lists (codes_all.xls) from U.S. Bureau of Transportation" in (
        r.stderr
    )
    again = norte(db, "ingest", folder)
    assert again.returncode == 0, again.stderr
    assert "already loaded" in again.stderr and "0 file(s) loaded" in again.stderr


def test_truncated_file_in_a_folder_fails_the_command(
    shared: Path, db: Path, tmp_path: Path
) -> None:
    """A damaged download inside a folder is not skipped quietly: the command stops, and the
    readable file beside it is not loaded either (all or nothing)."""
    folder = tmp_path / "raw"
    folder.mkdir()
    shutil.copy(shared / "transborder/raw/year_2023/Feb2023.zip", folder)
    cut(shared / "transborder/raw/year_2023/Jan2023.zip", folder / "Jan2023.zip", 0.5)
    (folder / "empty.csv").touch()
    err = fails(db, "ingest", folder)
    assert "2 file(s) could not be loaded" in err
    assert f"{folder / 'Jan2023.zip'}: truncated or damaged zip archive" in err
    assert "download the zip again" in err
    assert f"{folder / 'empty.csv'}: the file is empty (0 bytes)" in err


def test_bad_input_never_creates_a_store_file(tmp_path: Path) -> None:
    """A failed ingest into a store that does not exist yet leaves no store behind."""
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    db = tmp_path / "new.duckdb"
    r = subprocess.run(
        [sys.executable, "-m", "norte.cli", "--db", str(db), "ingest", str(empty)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "is empty" in r.stderr, r.stderr
    assert not db.exists() and not Path(str(db) + ".wal").exists()
