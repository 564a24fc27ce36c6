"""The command line end to end: ingest errors and exit codes, and `norte build` both ways."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from norte.cli import main


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "norte.cli", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ingest_bad_file_exits_nonzero_store_unchanged(shared: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    ok = run(
        ["--db", str(db), "ingest", str(shared / "census/api/exports-country-2013-2024.json.gz")],
        tmp_path,
    )
    assert ok.returncode == 0, ok.stderr
    assert "36,283 rows added" in ok.stderr and str(db) in ok.stderr
    bad = tmp_path / "imports.json"
    bad.write_text("<html><title>Invalid Key</title></html>")
    r = run(["--db", str(db), "ingest", str(bad)], tmp_path)
    assert r.returncode == 2
    assert f"norte: error: {bad}: body: HTML page instead of JSON" in r.stderr
    q = run(
        ["--db", str(db), "query", "SELECT count(*) AS n FROM observations", "--json"], tmp_path
    )
    assert '"n": 36283' in q.stdout


def test_unrecognised_file_names_formats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("hello")
    code = main(["--db", str(tmp_path / "s.duckdb"), "ingest", str(f)])
    assert code == 2
    err = capsys.readouterr().err
    assert "format not recognised" in err and "census-xlsx" in err


def _no_network_refs(html: str) -> None:
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), (
        "page references the network"
    )


def test_build_from_seed_on_empty_store(tmp_path: Path) -> None:
    r = run(["build", "--out", "site"], tmp_path, env={"NORTE_DB": str(tmp_path / "s.duckdb")})
    assert r.returncode == 0, r.stderr
    assert "no official data" in r.stderr and "norte ingest country.xlsx" in r.stderr
    site = tmp_path / "site"
    index = (site / "index.html").read_text()
    assert "Seed data only" in index
    # the notice's commands are HTML code elements, not escaped tags shown as text
    assert "<code>norte ingest country.xlsx</code>" in index and "&lt;code&gt;" not in index
    assert "Mexico Emerges as America" in index  # citation of a transcribed figure
    assert "$226.4 bn" in index and "$225.6 bn" in index
    for page in (
        "index.html",
        "partner-mex.html",
        "partner-can.html",
        "partner-chn.html",
        "data.html",
    ):
        _no_network_refs((site / page).read_text())
    # building again is idempotent: the seed is not loaded twice
    r2 = run(["build", "--out", "site"], tmp_path, env={"NORTE_DB": str(tmp_path / "s.duckdb")})
    assert r2.returncode == 0
    q = run(
        ["--db", str(tmp_path / "s.duckdb"), "query", "SELECT count(*) AS n FROM loads", "--json"],
        tmp_path,
    )
    assert '"n": 1' in q.stdout


def test_build_from_official_files(shared: Path, tmp_path: Path) -> None:
    paths = os.pathsep.join(
        str(p)
        for p in (
            shared / "census/country.xlsx",
            shared / "census/api/exports-country-2013-2024.json.gz",
            shared / "census/api/imports-country-2013-2024.json.gz",
            tmp_path / "not-there.xlsx",
        )
    )
    r = run(
        ["build", "--out", "site"],
        tmp_path,
        env={"NORTE_DB": str(tmp_path / "s.duckdb"), "NORTE_INGEST_PATHS": paths},
    )
    assert r.returncode == 0, r.stderr
    assert "not-there.xlsx not found — skipped" in r.stderr
    m = re.search(
        r"norte build: (\d+) pages written to site/ from [\d,]+ stored rows \(official data\)",
        r.stderr,
    )
    assert m
    site = tmp_path / "site"
    # every page in English, Spanish and French
    en_pages = sorted(p.name for p in site.glob("*.html"))
    assert int(m.group(1)) == 3 * len(en_pages)
    assert all((site / lang / p).exists() for lang in ("es", "fr") for p in en_pages)
    index = (site / "index.html").read_text()
    assert "Seed data only" not in index
    # the 2023 partner table ranks Mexico first and Canada second by total trade
    table = index[index.index('id="top-partners-2023"') :]
    table = table[: table.index("</table>")]
    names = re.findall(r"<th scope=\"row\">([A-Z][a-z]+)</th>", table)
    assert names[:2] == ["Mexico", "Canada"]
    csv = (site / "data/top-partners-2023.csv").read_text().splitlines()
    assert csv[1].startswith("1,MEX,Mexico,") and csv[2].startswith("2,CAN,Canada,")
    # every partner page has its charts inline, each with a CSV download that exists
    for code in ("mex", "can", "chn"):
        page = (site / f"partner-{code}.html").read_text()
        assert page.count("<svg") == 3
        for href in re.findall(r'href="(data/[^"]+\.csv)"', page):
            assert (site / href).stat().st_size > 100
        _no_network_refs(page)
    monthly = (site / "data/mex-exports-imports.csv").read_text().splitlines()
    assert monthly[0] == "month,flow,usd_bn"
    assert "2024-01-01,U.S. exports,26.439154" in monthly  # revised (API) figure, not first print
    data = (site / "data.html").read_text()
    assert "country.xlsx" in data and "2024-08-06" in data and "2025-02-06" in data
