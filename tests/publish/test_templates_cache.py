"""Compiled page templates are kept between processes (``templates`` under the cache root),
and a cache that cannot be written or made costs only the compiling."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest

from norte.publish import context
from norte.publish.context import SiteContext


def _env(tmp_path: Path) -> jinja2.Environment:
    return SiteContext(store=None, out=tmp_path, mode="official").env  # type: ignore[arg-type]


@pytest.fixture
def cache_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "cache"
    monkeypatch.setenv("NORTE_CACHE_DIR", str(root))
    context._bytecode_cache.cache_clear()
    yield root
    context._bytecode_cache.cache_clear()


def test_a_template_compiled_once_is_loaded_compiled(
    cache_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(tmp_path).get_template("findings.html")
    assert list((cache_root / "templates").glob("*.cache"))  # written by the first compile

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("compiled again")

    monkeypatch.setattr(jinja2.Environment, "compile", refuse)
    # a new environment (no template in memory): loaded from the cache, or compile() raises
    assert _env(tmp_path).get_template("findings.html").name == "findings.html"


def test_a_cache_that_cannot_be_written_only_compiles(
    cache_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_a: object, **_k: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", full)
    assert _env(tmp_path).get_template("base.html") is not None
    assert not list((cache_root / "templates").glob("*.cache"))


def test_a_cache_folder_that_cannot_be_made_means_no_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("NORTE_CACHE_DIR", str(blocker))
    context._bytecode_cache.cache_clear()
    try:
        env = _env(tmp_path)
        assert env.bytecode_cache is None
        assert env.get_template("base.html") is not None
    finally:
        context._bytecode_cache.cache_clear()
