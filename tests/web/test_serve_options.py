"""``norte serve`` runs uvicorn with httptools (the C HTTP parser) and uvloop when they are
installed, in both its one-process and its workers mode, and falls back to h11 and asyncio
when they are not."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from norte.errors import UsageError
from norte.store import Store
from norte.web import cli


def _args(workers: int, **kw: Any) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers())
    argv = ["serve", "--port", "8765", "--workers", str(workers), "--no-png"]
    for k, v in kw.items():
        argv += [f"--{k}", v]
    return parser.parse_args(argv)


def _check_fast(config: uvicorn.Config) -> None:
    import uvloop
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    config.load()
    assert config.http_protocol_class is HttpToolsProtocol
    factory = config.get_loop_factory()
    assert factory is not None
    loop = factory()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "norte.duckdb"
    Store(path).close()
    return path


def test_one_process_serves_with_httptools_and_uvloop(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[uvicorn.Config] = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: seen.append(self.config))
    assert cli.run(_args(1), db) == 0
    (config,) = seen
    _check_fast(config)


def test_workers_serve_with_httptools_and_uvloop(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn.supervisors

    seen: list[uvicorn.Config] = []

    class Capture:
        def __init__(self, config: uvicorn.Config, sockets: list[Any]) -> None:
            seen.append(config)
            for s in sockets:
                s.close()

        def run(self) -> None:
            pass

    monkeypatch.setattr(uvicorn.supervisors, "Multiprocess", Capture)
    monkeypatch.delenv(cli.ENV, raising=False)
    assert cli.run(_args(2), db) == 0
    (config,) = seen
    _check_fast(config)


def test_without_httptools_and_uvloop_it_falls_back_to_h11_and_asyncio(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.server_options() == {"http": "httptools", "loop": "uvloop"}
    assert cli.server_options("h11", "asyncio") == {"http": "h11", "loop": "asyncio"}
    monkeypatch.setattr(cli, "_importable", lambda module: False)
    assert cli.server_options() == {"http": "h11", "loop": "asyncio"}
    err = capsys.readouterr().err
    assert "httptools is not installed: using h11" in err and "uvloop" in err
    with pytest.raises(UsageError, match="--http httptools: the package httptools is not"):
        cli.server_options("httptools", "auto")
