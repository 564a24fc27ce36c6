"""Safe publish (issue 11, part 2): the site and the PDF are written beside their target and
swapped in by rename; a folder norte did not write is refused (exit 8) unless ``--force``, which
moves its contents aside; a failed or interrupted build leaves the previous site (or PDF) byte
for byte and no temporary folder; sites of the landed code (no marker) are recognised.

The stores hold the real Census ``country.xlsx`` (about a second to load)."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from norte.errors import EXIT_PUBLISH, PublishError
from norte.ingest import ingest
from norte.publish import pdf, safe
from norte.publish.pages import report as report_page
from norte.publish.site import write_site
from norte.store import Store

Tree = dict[str, str]


def tree(root: Path) -> Tree:
    """Every entry under ``root`` (hidden ones too): a file's sha256, ``dir`` for folders."""
    got: Tree = {}
    for here, dirs, files in os.walk(root):
        for d in dirs:
            got[(Path(here) / d).relative_to(root).as_posix()] = "dir"
        for f in files:
            p = Path(here) / f
            got[p.relative_to(root).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return got


def leftovers(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if ".norte-tmp-" in n or ".norte-old-" in n)


def norte(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "norte.cli", *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def db(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("safe") / "norte.duckdb"
    with Store(path) as store:
        ingest(store, [shared / "census/country.xlsx"], out=io.StringIO())
    return path


@pytest.fixture(scope="module")
def built(db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete site (every language, no PNG) written once, copied by the tests."""
    out = tmp_path_factory.mktemp("built") / "site"
    with Store(db, read_only=True) as store:
        write_site(store, out, "official", png=False)
    return out


@pytest.fixture
def site(built: Path, tmp_path: Path) -> Path:
    """A copy of the built site at ``tmp_path/site`` (the previous site of a test)."""
    out = tmp_path / "site"
    shutil.copytree(built, out)
    return out


def _as_landed(site: Path) -> None:
    """Make a built site look like one of the landed code: no marker, no scripts (the landed
    code wrote none: ``js/`` came with the interactive charts)."""
    (site / safe.MARKER).unlink()
    shutil.rmtree(site / "js", ignore_errors=True)


def _publish(db: Path, out: Path, **kw: object) -> int:
    with Store(db, read_only=True) as store:
        return write_site(store, out, "official", png=False, **kw)  # type: ignore[arg-type]


# --- refusing what norte did not write -------------------------------------------------------


def test_cli_refuses_a_folder_with_a_foreign_file_and_keeps_it(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    (out / "notes").mkdir(parents=True)
    (out / "important.txt").write_text("do not lose me\n")
    (out / "notes" / "a.md").write_text("# mine\n")
    before = tree(out)
    r = norte(["--db", str(db), "build", "--no-ingest", "--out", str(out)], tmp_path)
    assert r.returncode == EXIT_PUBLISH == 8, r.stderr
    msg = r.stderr.strip().splitlines()[-1]
    assert msg.startswith(f"norte: error: {out} is not a norte site"), msg
    assert "important.txt" in msg and "notes/" in msg
    assert "choose another --out" in msg and "--force" in msg
    assert "Traceback" not in r.stderr
    assert tree(out) == before
    assert (out / "important.txt").read_text() == "do not lose me\n"
    assert leftovers(tmp_path) == []


def test_a_norte_site_with_a_file_added_by_hand_is_refused_too(db: Path, site: Path) -> None:
    (site / "es" / "CNAME").write_text("example.org\n")
    before = tree(site)
    with pytest.raises(PublishError) as e:
        _publish(db, site)
    assert "is a norte site but holds what norte did not write: es/CNAME" in str(e.value)
    assert tree(site) == before


def test_force_moves_the_previous_contents_aside_and_names_them(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    (out / "notes").mkdir(parents=True)
    (out / "important.txt").write_text("do not lose me\n")
    (out / "notes" / "a.md").write_text("# mine\n")
    before = tree(out)
    log = io.StringIO()
    pages = _publish(db, out, force=True, progress=log)
    assert pages > 0 and (out / "index.html").is_file() and (out / safe.MARKER).is_file()
    assert not (out / "important.txt").exists()
    backups = [p for p in tmp_path.iterdir() if p.name.startswith("mine.norte-backup-")]
    assert len(backups) == 1
    assert tree(backups[0]) == before  # nothing deleted: the old contents, byte for byte
    assert f"its previous contents are now in {backups[0]}" in log.getvalue()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "where",
    ["cwd", "parent of cwd", "holds the store", "project", "home"],
)
def test_folders_that_must_never_move_are_refused_even_with_force(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    (root / "work").mkdir(parents=True)
    (root / "keep.txt").write_text("keep\n")
    store = tmp_path / "elsewhere.duckdb"
    if where == "cwd":
        monkeypatch.chdir(root)
    elif where == "parent of cwd":
        monkeypatch.chdir(root / "work")
    elif where == "holds the store":
        store = root / "work" / "norte.duckdb"
        store.write_bytes(b"")
    elif where == "project":
        (root / "pyproject.toml").write_text("[project]\n")
    else:
        monkeypatch.setenv("HOME", str(root))
    before = tree(root)
    with pytest.raises(PublishError) as e:
        safe.check_site(root, force=True, store=store)
    assert f"refusing to publish the site to {root}" in str(e.value)
    assert "--force does not change this" in str(e.value)
    assert tree(root) == before


def test_cli_out_dot_is_refused_and_the_store_survives(db: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(db, work / "norte.duckdb")
    (work / "important.txt").write_text("keep\n")
    before = tree(work)
    r = norte(["build", "--no-ingest", "--out", "."], work, NORTE_DB=str(work / "norte.duckdb"))
    assert r.returncode == 8, r.stderr
    assert f"refusing to publish the site to {work}: it is the current folder" in r.stderr
    assert tree(work) == before


# --- a failed or interrupted build leaves the previous site ----------------------------------


def _failing_report(
    monkeypatch: pytest.MonkeyPatch, exc: type[BaseException]
) -> Callable[[object], None]:
    """Make the report family (rendered last) write its first language, then fail."""
    render = report_page.FAMILY.render
    calls: list[str] = []

    def boom(ctx: object) -> None:
        render(ctx)  # type: ignore[arg-type]
        calls.append("x")
        if len(calls) == 2:
            raise exc("injected failure in the report page")

    monkeypatch.setattr(report_page, "FAMILY", dataclasses.replace(report_page.FAMILY, render=boom))
    return boom


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_a_failed_build_leaves_the_previous_site_exactly(
    exc: type[BaseException], db: Path, site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (site / "index.html").write_text("<p>the previous site</p>")  # unlike what a build writes
    safe.write_marker(site)
    before = tree(site)
    _failing_report(monkeypatch, exc)
    with pytest.raises(exc, match="injected failure"):
        _publish(db, site)
    assert tree(site) == before
    assert leftovers(site.parent) == []


def test_ctrl_c_before_the_swap_leaves_the_previous_site(
    db: Path, site: Path, tmp_path: Path
) -> None:
    """A real SIGINT to ``norte build`` paused after rendering (fault point ``publish``)."""
    _as_landed(site)
    before = tree(site)
    p = subprocess.Popen(
        [sys.executable, "-m", "norte.cli", "--db", str(db), "build", "--no-ingest"]
        + ["--out", str(site)],
        cwd=tmp_path,
        env={**os.environ, "NORTE_FAULT_POINT": "publish", "NORTE_FAULT_SLEEP": "120"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert p.stdout is not None
    line = p.stdout.readline()
    assert line.strip() == "norte: fault injection: publish", line
    (staged,) = leftovers(tmp_path)  # the new site, complete, waiting beside the old one
    assert (tmp_path / staged / safe.MARKER).is_file()
    p.send_signal(signal.SIGINT)
    _out, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert tree(site) == before
    assert leftovers(tmp_path) == []


def test_runs_killed_outright_are_cleaned_up_by_the_next_publish(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    target = tmp_path / "site"
    # killed between the two renames: the previous site is in .site.norte-old-*, no site
    old = tmp_path / f".site.norte-old-{dead.pid}-abcd"
    old.mkdir()
    (old / "index.html").write_text("previous")
    half = tmp_path / f".site.norte-tmp-{dead.pid}-efgh"
    (half / "es").mkdir(parents=True)
    pdf_part = tmp_path / f".site.norte-tmp-{dead.pid}-ijkl.pdf"
    pdf_part.write_bytes(b"%PDF-")
    alive = tmp_path / f".site.norte-tmp-{os.getppid()}-mnop"  # another build, still running
    alive.mkdir()
    safe.recover(target)
    assert (target / "index.html").read_text() == "previous"
    assert leftovers(tmp_path) == [alive.name]


# --- what is accepted -----------------------------------------------------------------------


def test_a_site_of_the_landed_code_is_replaced_without_force(db: Path, site: Path) -> None:
    _as_landed(site)
    stale = site / "charts" / "a-chart-no-longer-made.svg"
    stale.write_text("<svg/>")
    assert safe.inspect(site).owner == "legacy" and safe.inspect(site).replaceable
    _publish(db, site)
    assert not stale.exists()  # replaced, not merged
    marker = safe.read_marker(site)
    assert marker is not None and marker["version"] and marker["built"]
    files = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert set(marker["files"]) == files - {safe.MARKER}  # type: ignore[call-overload]
    # a landed-code site someone added a file to is not its own any more
    (site / safe.MARKER).unlink()
    (site / "important.txt").write_text("mine")
    with pytest.raises(PublishError, match="important.txt"):
        _publish(db, site)


def test_a_new_site_has_the_permissions_mkdir_gives(db: Path, tmp_path: Path) -> None:
    mask = os.umask(0o022)
    os.umask(mask)
    _publish(db, tmp_path / "fresh" / "site")
    mode = stat.S_IMODE((tmp_path / "fresh" / "site").stat().st_mode)
    assert mode == 0o777 & ~mask  # not mkdtemp's 0700: a web server can read it
    assert leftovers(tmp_path / "fresh") == []


# --- the PDF ------------------------------------------------------------------------------------

FAKE_CHROMIUM = textwrap.dedent(
    """\
    #!{python}
    import os, sys
    out = next(a.split("=", 1)[1] for a in sys.argv if a.startswith("--print-to-pdf="))
    with open(out, "wb") as f:
        f.write(b"%PDF-1.4 half a pdf" if os.environ.get("FAKE_FAIL") else b"%PDF-1.4 new")
    sys.exit(1 if os.environ.get("FAKE_FAIL") else 0)
    """
)


@pytest.fixture
def fake_chromium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    exe = tmp_path / "bin" / "chromium"
    exe.parent.mkdir()
    exe.write_text(FAKE_CHROMIUM.format(python=sys.executable))
    exe.chmod(0o755)
    monkeypatch.setenv("NORTE_CHROMIUM", str(exe))
    yield exe


@pytest.fixture
def tiny_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip building the site: a one-line ``report.html`` is what gets printed."""

    def render(store: object, out: Path, *args: object, **kw: object) -> int:
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.html").write_text("<h1>report</h1>")
        return 1

    monkeypatch.setattr(pdf, "render_site", render)


def test_a_failed_print_leaves_the_previous_pdf(
    db: Path,
    tmp_path: Path,
    fake_chromium: Path,
    tiny_report: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "out" / "report.pdf"
    out.parent.mkdir()
    out.write_bytes(b"%PDF-1.4 the previous report")
    monkeypatch.setenv("FAKE_FAIL", "1")
    with pytest.raises(pdf.ReportError, match="could not print"):
        pdf.report_pdf(db, out)
    assert out.read_bytes() == b"%PDF-1.4 the previous report"
    assert os.listdir(out.parent) == ["report.pdf"]
    monkeypatch.delenv("FAKE_FAIL")
    assert pdf.report_pdf(db, out) == out
    assert out.read_bytes() == b"%PDF-1.4 new"
    assert os.listdir(out.parent) == ["report.pdf"]


def test_ctrl_c_while_printing_leaves_the_previous_pdf(
    db: Path,
    tmp_path: Path,
    fake_chromium: Path,
    tiny_report: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "report.pdf"
    out.write_bytes(b"%PDF-1.4 the previous report")

    def interrupted(html: Path, part: Path, timeout: float = 120) -> Path:
        part.write_bytes(b"%PDF-1.4 half")
        raise KeyboardInterrupt

    monkeypatch.setattr(pdf, "print_pdf", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pdf.report_pdf(db, out)
    assert out.read_bytes() == b"%PDF-1.4 the previous report"
    assert sorted(os.listdir(tmp_path)) == ["bin", "report.pdf"]


def test_cli_report_refuses_a_file_that_is_not_a_pdf_unless_force(
    db: Path, tmp_path: Path, fake_chromium: Path
) -> None:
    out = tmp_path / "notes.txt"
    out.write_text("my notes\n")
    args = ["--db", str(db), "report", "--pdf", "--out", str(out)]
    r = norte(args, tmp_path)
    assert r.returncode == 8, r.stderr
    assert f"norte: error: {out} exists and is not a PDF" in r.stderr and "--force" in r.stderr
    assert out.read_text() == "my notes\n"
    r = norte([*args, "--force"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == b"%PDF-1.4 new"
    (backup,) = [p for p in tmp_path.iterdir() if p.name.startswith("notes.txt.norte-backup-")]
    assert backup.read_text() == "my notes\n"
    assert f"it is now {backup}" in r.stderr
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs /usr/bin/chromium")
def test_real_chromium_prints_into_the_temporary_file_then_replaces(tmp_path: Path) -> None:
    html = tmp_path / "r.html"
    html.write_text("<!doctype html><title>r</title><h1>A new report</h1>")
    out = tmp_path / "report.pdf"
    out.write_bytes(b"%PDF-1.4 the previous report")
    with safe.publishing_file(out) as part:
        assert part.parent == tmp_path and part.name.startswith(".report.pdf.norte-tmp-")
        pdf.print_pdf(html, part)
        assert out.read_bytes() == b"%PDF-1.4 the previous report"  # untouched until the end
    body = out.read_bytes()
    assert body.startswith(b"%PDF-") and len(body) > 500
    assert sorted(os.listdir(tmp_path)) == ["r.html", "report.pdf"]
