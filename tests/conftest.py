"""Shared fixtures: the real data in ../shared/data (read in place) and fresh stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from norte.store import Store

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO.parent / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def shared() -> Path:
    """The shared official data folder; tests that need it fail loudly if it is missing."""
    if not SHARED.exists():
        pytest.fail(
            f"the shared data folder {SHARED} is missing: CI must have ../shared beside the checkout"
        )
    return SHARED


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty store in a temporary folder."""
    s = Store(tmp_path / "norte.duckdb")
    yield s
    s.close()
