"""Every bad file of a command is reported, not only the first; the store ends as before."""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb
import pytest

from norte import cli
from norte.errors import EXIT_INPUT, InputError, ManyInputErrors
from norte.sources import census_api, transborder
from norte.store import Store


def _fingerprint(db: Path) -> list[object]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [
            con.execute("SELECT count(*), sum(value) FROM observations").fetchall(),
            con.execute("SELECT * FROM loads ORDER BY load_id").fetchall(),
            con.execute("SELECT count(*) FROM transborder_wide").fetchall(),
        ]
    finally:
        con.close()


def _bad_zips(shared: Path, tmp_path: Path) -> tuple[Path, Path]:
    year = shared / "transborder" / "raw" / "year_2023"
    truncated = tmp_path / "Jan2023.zip"
    data = (year / "Jan2023.zip").read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    bad_value = tmp_path / "Feb2023.zip"
    with (
        zipfile.ZipFile(year / "Feb2023.zip") as zin,
        zipfile.ZipFile(bad_value, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            raw = zin.read(info.filename)
            if info.filename == "dot2_0223.csv":
                lines = raw.decode("utf-8").splitlines(keepends=True)
                header = lines[0].strip().split(",")
                fields = lines[99].rstrip("\r\n").split(",")
                fields[header.index("VALUE")] = "12a45"
                lines[99] = ",".join(fields) + "\r\n"
                raw = "".join(lines).encode("utf-8")
            zout.writestr(info.filename, raw)
    return truncated, bad_value


def test_two_bad_zips_and_a_good_one_in_one_ingest(
    shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "norte.duckdb"
    year = shared / "transborder" / "raw" / "year_2023"
    with Store(db) as s:
        s.load_file(year / "March2023.zip", transborder)  # a store that already holds a month
    before = _fingerprint(db)
    truncated, bad_value = _bad_zips(shared, tmp_path)
    good = year / "Nov2023.zip"
    code = cli.main(["--db", str(db), "ingest", str(truncated), str(good), str(bad_value)])
    err = capsys.readouterr().err
    assert code == EXIT_INPUT, err
    assert "2 file(s) could not be loaded" in err
    assert f"{truncated}" in err and "truncated or damaged zip" in err
    assert f"{bad_value}" in err and "line 100, column VALUE" in err and "'12a45'" in err
    assert "Nov2023.zip" not in err.split("2 file(s) could not be loaded")[1]
    assert "Traceback" not in err
    assert _fingerprint(db) == before
    # the good file alone still loads, and after it the store is as a clean load leaves it
    assert cli.main(["--db", str(db), "ingest", str(good)]) == 0


class _Broken:
    """A source that fails on every file, after an SQL error that aborts the transaction."""

    SOURCE = "census"

    @staticmethod
    def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: object) -> object:
        try:
            con.execute("SELECT 'not a number'::INTEGER").fetchall()
        except duckdb.Error as e:
            raise InputError(path, "row 1", "a value is not a number", hint=str(e)) from e
        raise AssertionError("unreachable")


def test_every_bad_file_is_reported_and_nothing_is_stored(shared: Path, tmp_path: Path) -> None:
    db = tmp_path / "norte.duckdb"
    good = shared / "census/api/exports-country-2013-2024.json.gz"
    other = shared / "census/api/imports-country-2013-2024.json.gz"
    bad1, bad2 = tmp_path / "bad1.json", tmp_path / "bad2.json"
    bad1.write_text("[]")
    bad2.write_text("[[]]")
    with Store(db) as s:
        s.load_file(other, census_api)
        before = (s.count(), s.count("loads"))
        reported: list[str] = []
        with pytest.raises(ManyInputErrors) as e:
            s.load_many(
                [(bad1, _Broken), (good, census_api), (bad2, _Broken)],
                report=lambda r: reported.append(r.location),
            )
        assert [str(x).split(":")[0] for x in e.value.errors] == [str(bad1), str(bad2)]
        assert reported == []  # nothing after the first bad file is said to be loaded
        assert (s.count(), s.count("loads")) == before
        # one bad file: its own error, unchanged
        with pytest.raises(InputError) as one:
            s.load_many([(good, census_api), (bad2, _Broken)])
        assert not isinstance(one.value, ManyInputErrors) and str(bad2) in str(one.value)
        assert (s.count(), s.count("loads")) == before
        # and the store still loads afterwards
        assert s.load_many([(good, census_api)])[0].outcome == "loaded"
