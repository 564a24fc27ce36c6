"""The ``norte`` command skips pyarrow's import of pandas (:mod:`norte.lean`), which norte never
uses: on the real Census exports, ``indicators compute`` writes its values without it, as a
program calling :func:`norte.cli.main` (left as it is) does with it."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from norte.ingest import ingest
from norte.store import Store

#: a line of ``-X importtime`` for a module of pandas (a blocked ``import pandas`` imports none)
PANDAS_MODULE = re.compile(r"\|\s+pandas\.\w", re.M)


@pytest.fixture(scope="module")
def exports_store(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("lean") / "exports.duckdb"
    with Store(db) as store:
        ingest(store, [shared / "census/api/exports-country-2013-2024.json.gz"], out=io.StringIO())
    return db


def _compute(db: Path, tmp: Path, code: list[str]) -> str:
    mine = tmp / db.name
    shutil.copyfile(db, mine)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *code, "--db", str(mine), "indicators", "compute"],
        capture_output=True,
        text=True,
        env={**os.environ, "NORTE_CACHE_DIR": str(tmp / "cache")},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "computed" in done.stdout
    return done.stderr


def test_the_command_computes_without_importing_pandas(exports_store: Path, tmp_path: Path) -> None:
    err = _compute(exports_store, tmp_path, ["-m", "norte.cli"])
    assert not PANDAS_MODULE.search(err)


def test_main_called_by_a_program_is_left_as_it_is(exports_store: Path, tmp_path: Path) -> None:
    call = "import sys; from norte.cli import main; sys.exit(main(sys.argv[1:]))"
    err = _compute(exports_store, tmp_path, ["-c", call])
    assert PANDAS_MODULE.search(err)  # pyarrow imported it to convert the indicator runs


def test_what_asks_for_pandas_still_gets_it() -> None:
    code = (
        "import sys, duckdb, pyarrow as pa\n"
        "from norte.lean import skip_pandas_detection\n"
        "assert skip_pandas_detection()\n"
        "t = pa.table({'a': ['x', None], 'n': [1.5, 2.0]})\n"
        "con = duckdb.connect(); con.register('t', t)\n"
        "assert con.execute('SELECT count(*) FROM t').fetchall() == [(2,)]\n"
        "assert 'pandas' not in sys.modules\n"
        "df = t.to_pandas(); assert list(df['n']) == [1.5, 2.0]\n"
        "import pandas as pd\n"
        "assert pa.Table.from_pandas(pd.DataFrame({'b': [1]})).num_rows == 1\n"
        "assert not skip_pandas_detection()  # pandas is imported now: nothing to do\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
