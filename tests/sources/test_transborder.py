"""BTS TransBorder source, on the real monthly zips in ../shared/data/transborder/raw.

Raw figures are recomputed here independently with the csv module straight from the zips.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import zipfile
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from norte import cli
from norte.errors import InputError, NorteError, UnknownCodeError
from norte.ingest import ingest
from norte.sources import transborder, transborder_layout, transborder_sql
from norte.store import Store

# Independent decoding for the checks (the BTS code list, not the module's tables).
PARTNER = {"1220": "CAN", "2010": "MEX"}
FLOW = {"1": "export", "2": "import"}
MODE = {
    "1": "vessel",
    "3": "air",
    "4": "mail",
    "5": "truck",
    "6": "rail",
    "7": "pipeline",
    "8": "other",
    "9": "ftz",
}
MEASURES = {"VALUE": "value", "SHIPWT": "shipping_weight", "FREIGHT_CHARGES": "freight_charges"}


def raw_dir(shared: Path) -> Path:
    return shared / "transborder" / "raw"


def inner_rows(zip_path: Path, name: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(zip_path) as z, z.open(name) as f:
        return list(csv.DictReader(io.TextIOWrapper(f, encoding="utf-8")))


def counts(store: Store) -> tuple[int, int]:
    return store.count("observations"), store.count("loads")


def rewrite_zip(src: Path, dst: Path, name: str, edit) -> None:  # type: ignore[no-untyped-def]
    """Copy a real zip, passing the text of inner file ``name`` through ``edit``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == name:
                data = edit(data.decode("utf-8")).encode("utf-8")
            zout.writestr(info.filename, data)


def edit_field(text: str, line: int, column: str, value: str) -> str:
    lines = text.splitlines(keepends=True)
    header = lines[0].strip().split(",")
    fields = lines[line - 1].rstrip("\r\n").split(",")
    fields[header.index(column)] = value
    lines[line - 1] = ",".join(fields) + "\r\n"
    return "".join(lines)


# -- totals ---------------------------------------------------------------------------------


def test_2023_monthly_totals_by_country_mode_flow_equal_raw_sums(
    shared: Path, store: Store
) -> None:
    year = raw_dir(shared) / "year_2023"
    summary = ingest(store, [year], out=io.StringIO())
    assert summary.loaded == 12
    expected: dict[tuple[str, str, str, str, str, str], int] = defaultdict(int)
    for z in sorted(year.glob("*.zip")):
        with zipfile.ZipFile(z) as zf:
            for name in zf.namelist():
                assert "ytd" not in name.lower()  # 2023 zips hold monthly files only
                with zf.open(name) as f:
                    df = pd.read_csv(f, dtype=str)
                for col in MEASURES:
                    df[col] = df[col].astype("int64")
                sums = df.groupby(["YEAR", "MONTH", "COUNTRY", "DISAGMOT", "TRDTYPE"])[
                    list(MEASURES)
                ].sum()
                for (y, m, country, mode, flow), row in sums.iterrows():
                    key = (
                        f"transborder_{name[:4]}",
                        f"{y}-{int(m):02d}-01",
                        PARTNER[country],
                        MODE[mode],
                        FLOW[flow],
                    )
                    for col, measure in MEASURES.items():
                        expected[(*key, measure)] += int(row[col])
    got = {
        (d, str(p), partner, mode, flow, measure): v
        for d, p, partner, mode, flow, measure, v in store.con.execute(
            "SELECT dataset, period, partner, mode, flow, measure, sum(value) FROM observations "
            "WHERE source = 'transborder' GROUP BY ALL"
        ).fetchall()
    }
    # Weight and freight rows are stored only where non-zero: a zero raw sum may be absent.
    expected_nonzero = {k: v for k, v in expected.items() if v != 0 or k[-1] == "value"}
    assert set(got) == set(expected_nonzero)
    assert all(got[k] == pytest.approx(v, abs=0.5) for k, v in expected_nonzero.items())
    # All twelve months of each of the three tables; the three tables agree on totals.
    totals = store.con.execute(
        "SELECT dataset, count(DISTINCT period), sum(value) FROM observations "
        "WHERE measure = 'value' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert [t[1] for t in totals] == [12, 12, 12]
    assert totals[0][2] == totals[1][2] == totals[2][2]


def test_decoding_of_one_real_row(shared: Path, store: Store) -> None:
    z = raw_dir(shared) / "year_2023" / "Jan2023.zip"
    store.load_file(z, transborder)
    r = next(
        r
        for r in inner_rows(z, "dot1_0123.csv")
        if r["COUNTRY"] == "2010" and r["MEXSTATE"] == "NL" and r["DEPE"] == "2304"
    )
    rows = store.con.execute(
        "SELECT flow, reporter, partner, mode, geo_scheme, geo_code, detail, measure, unit, "
        "period, freq, value FROM observations WHERE dataset = 'transborder_dot1' "
        "AND geo_code = ? AND detail = ? AND mode = ? AND flow = ? ORDER BY measure",
        [
            f"US-{r['USASTATE']}",
            f"contcode={r['CONTCODE']}"
            + (f";df={r['DF']}" if r["DF"] else "")
            + ";mexstate=MX-NLE;port=2304",
            MODE[r["DISAGMOT"]],
            FLOW[r["TRDTYPE"]],
        ],
    ).fetchall()
    values = {row[7]: row[11] for row in rows}
    assert values["value"] == float(r["VALUE"])
    for col, measure in (("SHIPWT", "shipping_weight"), ("FREIGHT_CHARGES", "freight_charges")):
        if int(r[col]):
            assert values[measure] == float(r[col])
        else:
            assert measure not in values  # zero = not collected: no row
    assert {row[:6] for row in rows} == {
        (FLOW[r["TRDTYPE"]], "USA", "MEX", MODE[r["DISAGMOT"]], "iso3166_2", f"US-{r['USASTATE']}")
    }
    assert {(row[9].isoformat(), row[10]) for row in rows} == {("2023-01-01", "M")}
    # dot3: the port is the geography; dot2: HS2 products.
    geo = store.con.execute(
        "SELECT DISTINCT dataset, geo_scheme, product_scheme FROM observations ORDER BY 1"
    ).fetchall()
    assert geo == [
        ("transborder_dot1", "iso3166_2", None),
        ("transborder_dot2", "iso3166_2", "HS2"),
        ("transborder_dot3", "us_port", "HS2"),
    ]


# -- periods from content, ytd and annual files ----------------------------------------------


def test_year_and_month_come_from_content_not_the_zip_name(
    shared: Path, store: Store, tmp_path: Path
) -> None:
    odd = tmp_path / "January2019.zip"  # misleading name, January 2023 content
    shutil.copy(raw_dir(shared) / "year_2023" / "Jan2023.zip", odd)
    store.load_file(odd, transborder)
    store.load_file(raw_dir(shared) / "year_2023" / "sept2023.zip", transborder)
    periods = store.con.execute(
        "SELECT DISTINCT period::VARCHAR, vintage::VARCHAR FROM observations ORDER BY 1"
    ).fetchall()
    # vintage: end of the newest month + 55 days (documented BTS release lag)
    assert periods == [("2023-01-01", "2023-03-27"), ("2023-09-01", "2023-11-24")]


def test_ytd_files_are_skipped_and_never_double_count(shared: Path, store: Store) -> None:
    z = raw_dir(shared) / "year_2020" / "March2020.zip"
    names = zipfile.ZipFile(z).namelist()
    assert "dot1_ytd_0320.csv" in names and "dot3_ytd_0320.csv" in names
    result = store.load_file(z, transborder)
    assert any("skipped dot1_ytd_0320.csv" in n for n in result.notes)
    for table in ("dot1", "dot2", "dot3"):
        raw = sum(int(r["VALUE"]) for r in inner_rows(z, f"{table}_0320.csv"))
        got = store.con.execute(
            "SELECT list(DISTINCT period::VARCHAR), sum(value) FROM observations "
            "WHERE dataset = ? AND measure = 'value'",
            [f"transborder_{table}"],
        ).fetchall()[0]
        assert got == (["2020-03-01"], raw)


def test_annual_files_are_stored_apart_as_freq_a(shared: Path, store: Store) -> None:
    z = raw_dir(shared) / "year_2021" / "December2021.zip"
    store.load_file(z, transborder)
    rows = store.con.execute(
        "SELECT dataset, freq, list(DISTINCT period::VARCHAR), sum(value) FROM observations "
        "WHERE measure = 'value' GROUP BY 1, 2 ORDER BY 1"
    ).fetchall()
    annual1 = sum(int(r["VALUE"]) for r in inner_rows(z, "dot1_2021.csv"))
    annual3 = sum(int(r["VALUE"]) for r in inner_rows(z, "dot3_2021.csv"))
    dec1 = sum(int(r["VALUE"]) for r in inner_rows(z, "dot1_1221.csv"))
    assert rows[0] == ("transborder_dot1", "M", ["2021-12-01"], dec1)
    assert rows[1] == ("transborder_dot1_annual", "A", ["2021-01-01"], annual1)
    assert rows[4] == ("transborder_dot3_annual", "A", ["2021-01-01"], annual3)
    assert [r[0] for r in rows] == [
        "transborder_dot1",
        "transborder_dot1_annual",
        "transborder_dot2",
        "transborder_dot3",
        "transborder_dot3_annual",
    ]


# -- idempotence ----------------------------------------------------------------------------


def test_same_zip_twice_adds_nothing(shared: Path, store: Store, tmp_path: Path) -> None:
    z = raw_dir(shared) / "year_2023" / "Feb2023.zip"
    first = store.load_file(z, transborder)
    assert first.outcome == "loaded" and first.rows > 200_000
    before = counts(store)
    again = store.load_file(z, transborder)
    renamed = tmp_path / "feb.zip"
    shutil.copy(z, renamed)
    again2 = store.load_file(renamed, transborder)
    assert (again.outcome, again2.outcome) == ("already-loaded", "already-loaded")
    assert counts(store) == before
    # The same month from other bytes (the unzipped dot3 CSV): same key and vintage, all skipped.
    csv_path = tmp_path / "dot3_0223.csv"
    csv_path.write_bytes(zipfile.ZipFile(z).read("dot3_0223.csv"))
    assert transborder.detect(csv_path)
    third = store.load_file(csv_path, transborder)
    dot3_rows = store.con.execute(
        "SELECT count(*) FROM observations WHERE dataset = 'transborder_dot3'"
    ).fetchall()[0][0]
    assert third.rows == 0 and third.rows_skipped == dot3_rows > 30_000
    assert store.count("observations") == before[0]


def test_repeated_key_in_a_file_is_an_error(shared: Path, store: Store, tmp_path: Path) -> None:
    z = raw_dir(shared) / "year_2023" / "Feb2023.zip"
    text = zipfile.ZipFile(z).read("dot3_0223.csv").decode()
    lines = text.splitlines(keepends=True)
    bad = tmp_path / "dot3_0223.csv"
    bad.write_text("".join(lines[:50] + [lines[10]] + lines[50:]))  # line 11 repeated
    with pytest.raises(NorteError, match="2 rows for the same observation"):
        store.load_file(bad, transborder)
    assert counts(store) == (0, 0)


# -- bad input --------------------------------------------------------------------------------


@pytest.fixture
def loaded(shared: Path, store: Store) -> Store:
    """A store already holding one month, to check bad loads leave it unchanged."""
    store.load_file(raw_dir(shared) / "year_2023" / "Nov2023.zip", transborder)
    return store


def _cli_fails(db: Path, path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code = cli.main(["--db", str(db), "ingest", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    return err


def test_truncated_zip(
    shared: Path, loaded: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = counts(loaded)
    data = (raw_dir(shared) / "year_2023" / "Jan2023.zip").read_bytes()
    bad = tmp_path / "Jan2023.zip"
    bad.write_bytes(data[: len(data) // 2])
    assert transborder.detect(bad)
    with pytest.raises(InputError, match="truncated or damaged zip"):
        loaded.load_file(bad, transborder)
    assert counts(loaded) == before
    loaded.close()
    err = _cli_fails(loaded.path, bad, capsys)
    assert "Jan2023.zip" in err and "truncated" in err and "download the zip again" in err
    assert counts(Store(loaded.path)) == before


def test_missing_column(
    shared: Path, loaded: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = counts(loaded)
    bad = tmp_path / "Jan2023.zip"

    def drop_freight(text: str) -> str:
        return "".join(
            ",".join(f for i, f in enumerate(line.rstrip("\r\n").split(",")) if i != 7) + "\n"
            for line in text.splitlines()
        )

    rewrite_zip(raw_dir(shared) / "year_2023" / "Jan2023.zip", bad, "dot3_0123.csv", drop_freight)
    with pytest.raises(InputError) as e:
        loaded.load_file(bad, transborder)
    msg = str(e.value)
    assert "inner file dot3_0123.csv" in msg and "line 1" in msg
    assert "missing column(s) FREIGHT_CHARGES" in msg
    assert counts(loaded) == before


def test_non_numeric_value(
    shared: Path, loaded: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = counts(loaded)
    bad = tmp_path / "Jan2023.zip"
    rewrite_zip(
        raw_dir(shared) / "year_2023" / "Jan2023.zip",
        bad,
        "dot2_0123.csv",
        lambda t: edit_field(t, 5000, "VALUE", "12a45"),
    )
    with pytest.raises(InputError) as e:
        loaded.load_file(bad, transborder)
    assert e.value.place == "line 5000, column VALUE"
    assert "inner file dot2_0123.csv" in e.value.path and "'12a45' is not a number" in str(e.value)
    assert counts(loaded) == before
    loaded.close()
    err = _cli_fails(loaded.path, bad, capsys)
    assert "dot2_0123.csv" in err and "line 5000, column VALUE" in err


def test_unknown_mode_and_port_codes_are_reported(
    shared: Path, loaded: Store, tmp_path: Path
) -> None:
    before = counts(loaded)
    src = raw_dir(shared) / "year_2023" / "Jan2023.zip"
    for name, line, column, code in (
        ("dot1_0123.csv", 10, "DISAGMOT", "2"),
        ("dot3_0123.csv", 300, "DEPE", "9999"),
        ("dot2_0123.csv", 7, "MEXSTATE", "ZZ"),
    ):
        bad = tmp_path / f"bad_{column}.zip"
        rewrite_zip(src, bad, name, lambda t, ln=line, c=column, v=code: edit_field(t, ln, c, v))
        with pytest.raises(UnknownCodeError) as e:
            loaded.load_file(bad, transborder)
        assert e.value.code == code
        assert e.value.place == f"line {line}, column {column}"
        assert f"inner file {name}" in e.value.path
        assert "codes_all.xls" in str(e.value)  # the fix
        assert counts(loaded) == before


def test_every_code_in_the_real_files_is_known_including_documented_gaps() -> None:
    maps = transborder_layout.code_maps()
    # Gaps between the data and codes_all.xls, shipped as documented codes.
    assert maps["DEPE"]["2401"] == "2401" and maps["DEPE"]["59XX"] == "59XX"
    assert maps["MEXSTATE"]["XX"] == "MX-BTS-XX" and maps["MEXSTATE"]["OT"] == "MX-UNKNOWN"
    assert maps["USASTATE"]["DU"] == "US-UNKNOWN" and maps["CANPROV"]["OT"] == "CA-UNKNOWN"
    assert maps["CONTCODE"]["1"] == "1"
    assert maps["DISAGMOT"] == MODE


def test_unknown_state_province_and_country_codes_are_reported(
    shared: Path, loaded: Store, tmp_path: Path
) -> None:
    """Codes are checked while DuckDB reads the file (ENUM types): the Python scan names the
    first bad line; nothing is stored."""
    before = counts(loaded)
    src = raw_dir(shared) / "year_2023" / "Jan2023.zip"
    for name, line, column, code in (
        ("dot1_0123.csv", 1234, "USASTATE", "QQ"),
        ("dot2_0123.csv", 40, "CANPROV", "XZ"),
        ("dot3_0123.csv", 17000, "COUNTRY", "3000"),
        ("dot2_0123.csv", 900, "COMMODITY2", "00"),
    ):
        bad = tmp_path / f"bad_{column}.zip"
        rewrite_zip(src, bad, name, lambda t, ln=line, c=column, v=code: edit_field(t, ln, c, v))
        with pytest.raises(UnknownCodeError) as e:
            loaded.load_file(bad, transborder)
        assert (e.value.code, e.value.place) == (code, f"line {line}, column {column}")
        assert f"inner file {name}" in e.value.path and "codes_all.xls" in str(e.value)
        assert counts(loaded) == before


def test_empty_required_field_and_bad_month_are_reported(
    shared: Path, loaded: Store, tmp_path: Path
) -> None:
    """An empty required field passes the read (NULL) and is caught by the load's one check
    query; a MONTH outside 1..12 fails the read. Both name the line; nothing is stored."""
    before = counts(loaded)
    src = raw_dir(shared) / "year_2023" / "Jan2023.zip"
    for name, line, column, value, message in (
        ("dot3_0123.csv", 321, "DISAGMOT", "", "empty"),
        ("dot1_0123.csv", 22, "USASTATE", "", "empty"),
        ("dot2_0123.csv", 60000, "MONTH", "13", "'13' is not a valid MONTH"),
    ):
        bad = tmp_path / f"bad_{column}.zip"
        rewrite_zip(src, bad, name, lambda t, ln=line, c=column, v=value: edit_field(t, ln, c, v))
        with pytest.raises(InputError) as e:
            loaded.load_file(bad, transborder)
        assert e.value.place == f"line {line}, column {column}"
        assert f"inner file {name}" in e.value.path and message in str(e.value)
        assert counts(loaded) == before


def test_decoding_sql_matches_the_code_lists() -> None:
    """The ENUM position lookup gives, for every code of every list, the code norte stores."""
    import duckdb

    con = duckdb.connect()
    maps = transborder_layout.code_maps()
    for col in transborder_layout.CODE_COLUMNS:
        enum = transborder_sql._enum(col)
        got = dict(
            con.execute(
                f"SELECT r.{col}::VARCHAR, {transborder_sql._lookup(col)} "  # noqa: S608
                f"FROM (SELECT unnest(enum_range(NULL::{enum}))::{enum} AS {col}) r"
            ).fetchall()
        )
        assert got == maps[col], col


# -- one command, one transaction: the batch path ------------------------------------------


def _wide_rows(store: Store) -> list[tuple[object, ...]]:
    """Every stored TransBorder row but its load id, sorted (a load-order-free fingerprint)."""
    return store.con.execute(
        "SELECT * EXCLUDE (load_id) FROM transborder_wide ORDER BY ALL"
    ).fetchall()


def test_batch_of_zips_stores_what_one_zip_at_a_time_stores(
    shared: Path, store: Store, tmp_path: Path
) -> None:
    """A folder read as one batch (multi-file reads, rows tagged with their file's load id
    and vintage) stores exactly the rows of separate loads, and one loads row per zip."""
    zips = [raw_dir(shared) / "year_2021" / n for n in ("December2021.zip", "November2021.zip")]
    zips.append(raw_dir(shared) / "year_2020" / "March2020.zip")  # holds ytd files
    folder = tmp_path / "zips"
    folder.mkdir()
    for z in zips:
        shutil.copy(z, folder / z.name)
    summary = ingest(store, [folder], out=io.StringIO())
    assert summary.loaded == 3
    batch = _wide_rows(store)
    loads = store.con.execute(
        "SELECT location, rows, vintage::VARCHAR FROM loads ORDER BY load_id"
    ).fetchall()
    per_zip = {
        Path(loc).name: (n, vintage) for loc, n, vintage in loads
    }  # one row per zip, with its own vintage and observation count
    one_by_one = Store(tmp_path / "separate.duckdb")
    try:
        for z in zips:
            r = one_by_one.load_file(z, transborder)
            assert per_zip[z.name] == (r.rows, str(r.vintage))
        assert _wide_rows(one_by_one) == batch
    finally:
        one_by_one.close()
    ids = store.con.execute(
        "SELECT l.location, count(*) FROM transborder_wide w JOIN loads l USING (load_id) "
        "WHERE w.period = DATE '2021-12-01' GROUP BY 1"
    ).fetchall()
    assert [Path(loc).name for loc, _ in ids] == ["December2021.zip"]  # rows tagged by file


def test_bad_zip_in_a_folder_rolls_back_the_whole_command(
    shared: Path, loaded: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Zips before the bad one in the same command are not kept either: the store is as it
    was before the command (earlier commands' loads stay); the error names file and line."""
    before = counts(loaded)
    folder = tmp_path / "zips"
    folder.mkdir()
    shutil.copy(raw_dir(shared) / "year_2023" / "Feb2023.zip", folder / "a_Feb2023.zip")
    rewrite_zip(
        raw_dir(shared) / "year_2023" / "March2023.zip",
        folder / "b_Mar2023.zip",
        "dot2_0323.csv",
        lambda t: edit_field(t, 777, "DISAGMOT", "2"),
    )
    shutil.copy(raw_dir(shared) / "year_2023" / "April2023.zip", folder / "c_Apr2023.zip")
    with pytest.raises(UnknownCodeError) as e:
        ingest(loaded, [folder], out=io.StringIO())
    assert (e.value.code, e.value.place) == ("2", "line 777, column DISAGMOT")
    assert "b_Mar2023.zip, inner file dot2_0323.csv" in e.value.path
    assert counts(loaded) == before
    # An empty required field is found after the insert, by the batch's check query.
    shutil.copy(raw_dir(shared) / "year_2023" / "March2023.zip", folder / "b_Mar2023.zip")
    rewrite_zip(
        raw_dir(shared) / "year_2023" / "April2023.zip",
        folder / "c_Apr2023.zip",
        "dot1_0423.csv",
        lambda t: edit_field(t, 4321, "COUNTRY", ""),
    )
    with pytest.raises(InputError) as e2:
        ingest(loaded, [folder], out=io.StringIO())
    assert e2.value.place == "line 4321, column COUNTRY"
    assert "c_Apr2023.zip, inner file dot1_0423.csv" in e2.value.path
    assert counts(loaded) == before
    loaded.close()
    err = _cli_fails(loaded.path, folder, capsys)
    assert "c_Apr2023.zip" in err and "line 4321, column COUNTRY" in err
    assert counts(Store(loaded.path)) == before


def test_overlapping_files_in_one_command_are_stored_once(
    shared: Path, store: Store, tmp_path: Path
) -> None:
    """The same month twice in one command (the zip and its unzipped dot3 CSV; the same zip
    under two names): stored once, as when loaded by separate commands."""
    z = raw_dir(shared) / "year_2023" / "Feb2023.zip"
    folder = tmp_path / "in"
    (folder / "copy").mkdir(parents=True)
    shutil.copy(z, folder / "Feb2023.zip")
    shutil.copy(z, folder / "copy" / "February.zip")
    (folder / "dot3_0223.csv").write_bytes(zipfile.ZipFile(z).read("dot3_0223.csv"))
    summary = ingest(store, [folder], out=io.StringIO())
    outcomes = sorted((Path(r.location).name, r.outcome, r.rows) for r in summary.results)
    alone = Store(tmp_path / "alone.duckdb")
    try:
        n = alone.load_file(z, transborder).rows
        assert _wide_rows(alone) == _wide_rows(store)
    finally:
        alone.close()
    assert outcomes == [
        ("Feb2023.zip", "loaded", n),
        ("February.zip", "already-loaded", 0),
        ("dot3_0223.csv", "loaded", 0),  # every key and vintage already stored
    ]


def test_damaged_member_is_reported_as_damage(shared: Path, loaded: Store, tmp_path: Path) -> None:
    """A zip whose directory is intact but whose compressed data was damaged: DuckDB reads
    members still compressed (see _deflated_as_gzip), so the diagnosis checks the member's
    CRC-32 and reports damage (not a made-up code error); nothing is stored."""
    before = counts(loaded)
    src = raw_dir(shared) / "year_2023" / "Jan2023.zip"
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as z:
        info = z.getinfo("dot2_0123.csv")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + info.compress_size // 2, start + info.compress_size // 2 + 64):
        data[i] ^= 0x5A
    bad = tmp_path / "Jan2023.zip"
    bad.write_bytes(bytes(data))
    with pytest.raises(InputError) as e:
        ingest(loaded, [bad], out=io.StringIO())
    assert "inner file dot2_0123.csv" in e.value.path
    assert "damaged" in str(e.value) and "download the zip again" in str(e.value)
    assert counts(loaded) == before


def test_paths_with_glob_characters_load(shared: Path, store: Store, tmp_path: Path) -> None:
    """Folder and file names with glob characters (``[``, ``*``, ``?``; DuckDB's read_csv
    accepts globs) load like any other: a zip and a CSV given directly."""
    folder = tmp_path / "bts [2023] *"
    folder.mkdir()
    z = raw_dir(shared) / "year_2023" / "Feb2023.zip"
    shutil.copy(z, folder / "Feb[2023]?.zip")
    (folder / "dot3_0323 [copy].csv").write_bytes(
        zipfile.ZipFile(raw_dir(shared) / "year_2023" / "March2023.zip").read("dot3_0323.csv")
    )
    summary = ingest(store, [folder], out=io.StringIO())
    assert summary.loaded == 2
    periods = store.con.execute(
        "SELECT dataset, period::VARCHAR, count(*) FROM transborder_wide GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert [(d, p) for d, p, _ in periods] == [
        ("transborder_dot1", "2023-02-01"),
        ("transborder_dot2", "2023-02-01"),
        ("transborder_dot3", "2023-02-01"),
        ("transborder_dot3", "2023-03-01"),
    ]
    assert periods[3][2] == len(
        inner_rows(raw_dir(shared) / "year_2023" / "March2023.zip", "dot3_0323.csv")
    )


def test_forced_vintage_batch_loads_together_and_repeats_across_files_are_named(
    shared: Path, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--vintage`` gives every file of a command one vintage: files of other months still
    load as one batch (no one-file-at-a-time fallback), storing what separate loads store.
    Two files that repeat each other's rows under one vintage fail, naming both files."""
    singles: list[Path] = []
    from norte.store import load as store_load

    real = store_load._load_in_transaction

    def spy(self: Store, path: Path, *args: object) -> object:
        singles.append(path)
        return real(self, path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(store_load, "_load_in_transaction", spy)
    year = raw_dir(shared) / "year_2023"
    zips = [year / "Jan2023.zip", year / "Feb2023.zip"]
    forced = dt.date(2024, 6, 1)
    ingest(store, zips, vintage=forced, out=io.StringIO())
    assert singles == []  # one batch
    assert store.con.execute("SELECT DISTINCT vintage FROM transborder_wide").fetchall() == [
        (forced,)
    ]
    separate = Store(tmp_path / "separate.duckdb")
    try:
        for z in zips:
            separate.load_file(z, transborder, vintage=forced)
        assert _wide_rows(separate) == _wide_rows(store)
    finally:
        separate.close()
    # A CSV whose first rows are March 2023 but which also repeats February's rows.
    feb = zipfile.ZipFile(year / "Feb2023.zip").read("dot3_0223.csv").decode().splitlines()
    mar = zipfile.ZipFile(year / "March2023.zip").read("dot3_0323.csv").decode().splitlines()
    mixed = tmp_path / "dot3_mixed.csv"
    mixed.write_text("\n".join(mar + feb[1:]) + "\n")
    fresh = Store(tmp_path / "fresh.duckdb")
    try:
        with pytest.raises(
            NorteError, match="hold the same observation with the same vintage"
        ) as e:
            ingest(fresh, [year / "Feb2023.zip", mixed], vintage=forced, out=io.StringIO())
        assert "Feb2023.zip" in str(e.value) and "dot3_mixed.csv" in str(e.value)
        assert counts(fresh) == (0, 0)
    finally:
        fresh.close()
