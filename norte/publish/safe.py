"""Safe publishing: a site or PDF is written beside its target and swapped in by rename.

Nothing of the target is touched until the new output is complete:

- :func:`publishing_dir` yields a fresh temporary folder ``.NAME.norte-tmp-PID-XXXX`` next to
  the target folder (same filesystem). When the block ends normally the marker file
  :data:`MARKER` is written into it and it is swapped in: the previous site is renamed to
  ``.NAME.norte-old-PID-XXXX``, the new folder to ``NAME``, then the old one is deleted. When
  the block raises (a page renderer failing, Ctrl-C) the temporary folder is deleted and the
  target is exactly as it was.
- :func:`publishing_file` does the same for one file (the PDF): a temporary
  ``.NAME.norte-tmp-PID-XXXX.pdf`` beside it, then :func:`os.replace`.

A folder is replaced only when norte wrote it: it is missing or empty, it has the marker
(``.norte-site``: JSON with the norte version, the build time and every file written), or it is
a site of a norte from before the marker (``index.html`` and ``findings.atom`` at the top, and
only the names a build writes). Any other entry (an ``important.txt``, a folder of one's own,
even inside a norte site) makes :func:`check_site` raise :class:`~norte.errors.PublishError`
naming it, unless ``force``: then the whole previous contents are moved, not deleted, to a
visible ``NAME.norte-backup-YYYYMMDD-HHMMSS`` beside the target, named in a notice. Some
targets are refused even with ``force`` (they are never moved): the filesystem root, the home
folder, the current folder or one of its parents, a folder holding the store, a project folder
(holding ``.git``, ``pyproject.toml`` or ``norte.toml``) and a mount point.

A run killed outright (kill -9) can leave its temporary or old folder behind; the next publish
to the same target removes those of processes no longer alive, and puts an old folder back when
the kill came between the two renames (the target missing).

The fault point ``publish`` (:mod:`norte.faults`) pauses after the new output is complete and
before the swap, for the Ctrl-C test.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TextIO

from norte import faults
from norte.errors import PublishError

MARKER = ".norte-site"
#: the incremental-publish manifest (:mod:`norte.publish.incremental`): norte's, like the marker
MANIFEST = ".norte-publish.json"
#: files of a site written before the marker existed (relative, '/'-separated)
LEGACY_FILE = re.compile(
    r"((es|fr)/)?([^/]+\.(html|atom)|charts/[^/]+\.(svg|png))|data/[^/]+\.csv", re.ASCII
)
LEGACY_DIRS = frozenset({"es", "fr", "data", "charts", "es/charts", "fr/charts"})
#: a folder holding one of these is a project, never a site
PROJECT_FILES = (".git", "pyproject.toml", "norte.toml")


@dataclass(frozen=True)
class Target:
    """What is at a publish target now."""

    path: Path
    owner: str  # "missing", "empty", "norte" (marker), "legacy" (no marker), "foreign"
    foreign: tuple[str, ...] = ()  # entries norte did not write (a folder ends with "/")

    @property
    def replaceable(self) -> bool:
        return not self.foreign


def _version() -> str:
    try:
        return metadata.version("norte")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def _walk_foreign(root: Path, file_ok: set[str] | re.Pattern[str], dirs_ok: set[str]) -> list[str]:
    """Entries under ``root`` not allowed by ``file_ok``/``dirs_ok``; a foreign folder is one
    entry (not descended into)."""
    foreign: list[str] = []
    for here, dirs, files in os.walk(root):
        rel = Path(here).relative_to(root).as_posix()
        prefix = "" if rel == "." else rel + "/"
        for d in list(dirs):
            if prefix + d not in dirs_ok or (Path(here) / d).is_symlink():
                foreign.append(prefix + d + "/")
                dirs.remove(d)
        for f in files:
            name = prefix + f
            if name in (MARKER, MANIFEST):  # norte's own: the marker, the incremental manifest
                continue
            ok = file_ok.fullmatch(name) if isinstance(file_ok, re.Pattern) else name in file_ok
            if not ok:
                foreign.append(name)
    return sorted(foreign)


def read_marker(folder: Path) -> dict[str, object] | None:
    """The marker of a norte site, or None (no marker, or one norte cannot read)."""
    try:
        got = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(got, dict) or got.get("generator") != "norte":
        return None
    if not isinstance(got.get("files"), list):
        return None
    return got


def inspect(path: Path) -> Target:
    """Classify what is at ``path`` (a site folder target)."""
    if not path.exists() and not path.is_symlink():
        return Target(path, "missing")
    if not path.is_dir() or path.is_symlink():
        return Target(path, "foreign", (path.name,))
    names = sorted(os.listdir(path))
    if not names:
        return Target(path, "empty")
    marker = read_marker(path)
    if marker is not None:
        listed = marker["files"]
        assert isinstance(listed, list)  # read_marker checked it
        files = {str(f) for f in listed}
        dirs = {p for f in files for p in _parents(f)}
        return Target(path, "norte", tuple(_walk_foreign(path, files, dirs)))
    if (path / "index.html").is_file() and (path / "findings.atom").is_file():
        return Target(path, "legacy", tuple(_walk_foreign(path, LEGACY_FILE, set(LEGACY_DIRS))))
    return Target(path, "foreign", tuple(n + "/" if (path / n).is_dir() else n for n in names))


def _parents(rel: str) -> list[str]:
    parts = rel.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _unsafe(target: Path, store: Path | None) -> str | None:
    """Why ``target`` must never be replaced or moved (even with --force), or None."""
    if target == Path(target.anchor):
        return "it is the root of the filesystem"
    if target == Path.home().resolve():
        return "it is your home folder"
    cwd = Path.cwd().resolve()
    if target == cwd or target in cwd.parents:
        return "it is the current folder or one of its parents"
    if store is not None:
        db = Path(os.path.realpath(store))
        if target == db or target in db.parents:
            return f"it holds the store {db}"
    if target.is_dir() and not target.is_symlink():
        for name in PROJECT_FILES:
            if (target / name).exists():
                return f"it looks like a project folder (it holds {name})"
        if os.path.ismount(target):
            return (
                "it is a mount point, and norte swaps a finished site in with a rename, which a "
                f"mount point does not allow — publish into a folder inside it ({target}/site)"
            )
    return None


def _listing(foreign: tuple[str, ...]) -> str:
    shown = " and ".join(foreign[:2])
    more = f", {len(foreign)} entries norte did not write" if len(foreign) > 2 else ""
    return f"{shown}{more}"


def backup_name(target: Path, now: dt.datetime | None = None) -> Path:
    """A free ``NAME.norte-backup-YYYYMMDD-HHMMSS`` beside ``target``."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = target.with_name(f"{target.name}.norte-backup-{stamp}")
    found, n = base, 2
    while found.exists() or found.is_symlink():
        found, n = base.with_name(f"{base.name}-{n}"), n + 1
    return found


def check_site(out: Path, force: bool = False, store: Path | None = None) -> Target:
    """Raise :class:`PublishError` unless a site may be published to ``out``."""
    target = Path(os.path.realpath(out))
    why = _unsafe(target, store)
    if why:
        raise PublishError(
            f"refusing to publish the site to {target}: {why}. Choose another --out "
            "(a new folder, or one norte wrote); --force does not change this"
        )
    try:
        found = inspect(target)
    except OSError as e:
        raise PublishError(f"cannot read {target} ({e.strerror}): choose another --out") from e
    if found.foreign and not force:
        what = (
            "is a file, not a folder"
            if found.foreign == (target.name,) and not target.is_dir()
            else f"is not a norte site (it holds {_listing(found.foreign)})"
            if found.owner == "foreign"
            else f"is a norte site but holds what norte did not write: {_listing(found.foreign)}"
        )
        raise PublishError(
            f"{target} {what}. norte replaces only what it wrote: choose another --out, or pass "
            f"--force to move the present contents aside to {target.name}.norte-backup-DATE-TIME "
            "(nothing is deleted) and publish there"
        )
    return found


def check_file(out: Path, force: bool = False, store: Path | None = None) -> Path:
    """Raise :class:`PublishError` unless the PDF may be written to ``out``; its real path."""
    target = Path(os.path.realpath(out))
    if store is not None and target == Path(os.path.realpath(store)):
        raise PublishError(
            f"refusing to write the PDF over the store {target}: choose another --out"
        )
    if target.is_dir():
        raise PublishError(f"{target} is a folder: give --out a file name such as report.pdf")
    if target.exists() and not force and not _is_pdf(target):
        raise PublishError(
            f"{target} exists and is not a PDF: choose another --out, or pass --force to move "
            f"it aside to {target.name}.norte-backup-DATE-TIME (nothing is deleted) and write the "
            "PDF there"
        )
    return target


def _is_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(5) == b"%PDF-"
    except OSError:
        return False


def _notice(progress: TextIO | None, message: str) -> None:
    print(f"norte: {message}", file=progress or sys.stderr)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(target: Path) -> None:
    """Remove what killed runs left beside ``target``; put back a site lost between renames."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.norte-(tmp|old)-(\d+)-.*")
    try:
        names = sorted(os.listdir(target.parent))
    except OSError:
        return
    for name in names:
        m = pattern.fullmatch(name)
        if not m or int(m.group(2)) == os.getpid() or _alive(int(m.group(2))):
            continue
        path = target.parent / name
        if m.group(1) == "old" and not target.exists() and not target.is_symlink():
            os.rename(path, target)  # killed between the renames: the previous site is back
        elif path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _mode(kind: str) -> int:
    mask = os.umask(0)
    os.umask(mask)
    return (0o777 if kind == "dir" else 0o666) & ~mask


def _tmp_prefix(target: Path, kind: str) -> str:
    return f".{target.name}.norte-{kind}-{os.getpid()}-"


def _manifest(folder: Path) -> list[str]:
    return sorted(
        (Path(here) / f).relative_to(folder).as_posix()
        for here, _dirs, files in os.walk(folder)
        for f in files
    )


def write_marker(folder: Path) -> None:
    """Mark ``folder`` as a norte site: version, build time (UTC) and every file in it."""
    body = {
        "generator": "norte",
        "version": _version(),
        "built": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "files": _manifest(folder),
    }
    (folder / MARKER).write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")


@contextmanager
def publishing_dir(
    out: Path, force: bool = False, store: Path | None = None, progress: TextIO | None = None
) -> Iterator[Path]:
    """Yield an empty folder to write a site into; swap it in at ``out`` when the block ends.

    Refuses (:class:`PublishError`) before yielding when ``out`` may not be replaced (see
    :func:`check_site`), and checks again before the swap.
    """
    target = check_site(out, force, store).path
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        recover(target)
        tmp = Path(tempfile.mkdtemp(prefix=_tmp_prefix(target, "tmp"), dir=target.parent))
    except OSError as e:
        raise PublishError(
            f"cannot write beside {target} ({e.strerror}): choose another --out"
        ) from e
    try:
        os.chmod(tmp, _mode("dir"))  # as mkdir would make it, not mkdtemp's 0700
        yield tmp
        write_marker(tmp)
        faults.point("publish")
        _swap(tmp, check_site(out, force, store), progress)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap(tmp: Path, found: Target, progress: TextIO | None) -> None:
    target = found.path
    if found.owner == "missing":
        _rename(tmp, target)
        return
    if found.foreign:  # only with --force (check_site refused otherwise)
        aside = backup_name(target)
    else:
        aside = target.with_name(_tmp_prefix(target, "old") + secrets.token_hex(4))
    _rename(target, aside)
    try:
        _rename(tmp, target)
    except BaseException:
        os.rename(aside, target)
        raise
    if found.foreign:
        _notice(
            progress,
            f"{target} was not a site norte wrote: its previous contents are now in {aside}",
        )
    else:
        shutil.rmtree(aside, ignore_errors=True)


def _rename(src: Path, dst: Path) -> None:
    try:
        os.rename(src, dst)
    except OSError as e:
        raise PublishError(
            f"cannot move {src} to {dst} ({e.strerror}): the target is unchanged"
        ) from e


@contextmanager
def publishing_file(
    out: Path, force: bool = False, store: Path | None = None, progress: TextIO | None = None
) -> Iterator[Path]:
    """Yield a temporary path beside ``out``; put it in place with :func:`os.replace` when the
    block ends (a failure leaves ``out`` as it was and no temporary file)."""
    target = check_file(out, force, store)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        recover(target)
        fd, name = tempfile.mkstemp(
            prefix=_tmp_prefix(target, "tmp"), suffix=target.suffix, dir=target.parent
        )
    except OSError as e:
        raise PublishError(
            f"cannot write beside {target} ({e.strerror}): choose another --out"
        ) from e
    os.close(fd)
    tmp = Path(name)
    try:
        os.chmod(tmp, _mode("file"))
        yield tmp
        check_file(out, force, store)
        faults.point("publish")
        if target.exists() and not _is_pdf(target):  # --force: keep it, beside
            aside = backup_name(target)
            _rename(target, aside)
            _notice(progress, f"{target} was not a PDF: it is now {aside}")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
