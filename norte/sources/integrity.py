"""Is a file whole? Empty files and truncated or damaged archives, told from the bytes.

:func:`check` runs before format detection (``norte ingest`` plans every file with it), so an
interrupted download gets "download it again" instead of "format not recognised". It is
cheap: a zip (and so an ``.xlsx`` workbook) is judged by its end-of-central-directory record
and central directory, an ``.xls`` (OLE2 compound file) by whether every sector its first
FAT uses lies inside the file, and a gzip file (up to :data:`GZIP_VERIFY_BYTES`) by
inflating it to the end, which checks the trailer's CRC-32 and length. Damage deeper inside a
zip member is left to the source that reads it (TransBorder and RAIAVL report it).
"""

from __future__ import annotations

import gzip
import struct
import zipfile
import zlib
from pathlib import Path

from norte.errors import InputError

#: gzip files up to this size are inflated to the end to check their CRC-32 and length.
GZIP_VERIFY_BYTES = 64 * 1024 * 1024

ZIP_SUFFIXES = (".zip", ".xlsx", ".xlsm")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EOCD = b"PK\x05\x06"
_EOCD_SEARCH = 22 + 65535  # the record and the longest possible archive comment

#: File name endings of data files: an empty one inside a folder is an error, not a skip.
DATA_SUFFIXES = (".csv", ".zip", ".xlsx", ".xlsm", ".xls", ".gz", ".json", ".txt", ".html")


def _kind(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".xlsx", ".xlsm", ".xls")):
        return "Excel workbook"
    if name.endswith(".zip"):
        return "zip archive"
    if name.endswith(".gz"):
        return "gzip file"
    return "file"


def _again(path: Path) -> str:
    kind = _kind(path)
    noun = {"Excel workbook": "workbook", "zip archive": "zip", "gzip file": "file"}.get(kind)
    return f"download the {noun or 'file'} again"


def empty(path: Path) -> InputError:
    return InputError(
        path,
        "",
        "the file is empty (0 bytes)",
        hint="was the download interrupted? download it again",
    )


def _damaged(path: Path, what: str, size: int, expected: str = "") -> InputError:
    return InputError(
        path,
        "",
        f"truncated or damaged {_kind(path)} ({size:,} bytes): {what}",
        expected=expected,
        hint=_again(path),
    )


def check(path: Path, expected: str = "") -> InputError | None:
    """The error that says why ``path`` cannot be whole (empty, truncated, damaged), or None.

    ``expected`` names what the file should be, when known (it goes into the message)."""
    size = path.stat().st_size
    if size == 0:
        return empty(path)
    with open(path, "rb") as f:
        magic = f.read(8)
    name = path.name.lower()
    if magic[:4] == b"PK\x03\x04" or (name.endswith(ZIP_SUFFIXES) and magic[:2] == b"PK"):
        problem = zip_problem(path, size)
    elif magic == OLE_MAGIC:
        problem = ole_problem(path, size)
    elif magic[:2] == b"\x1f\x8b":
        problem = gzip_problem(path, size)
    elif name.endswith(ZIP_SUFFIXES + (".xls", ".gz")) and _is_html(path):
        return InputError(
            path,
            "",
            f"an HTML page, not the {_kind(path)} its name says (an error or sign-in page "
            "saved in its place?)",
            expected=expected,
            hint=_again(path),
        )
    elif name.endswith(ZIP_SUFFIXES + (".xls",)) and size < 64:
        problem = "far too short to be one"
    else:
        return None
    return _damaged(path, problem, size, expected) if problem else None


def _is_html(path: Path) -> bool:
    with open(path, "rb") as f:
        head = f.read(1024).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<link", b"<body")) or (
        head.startswith(b"<") and b"<html" in head
    )


def zip_problem(path: Path, size: int) -> str | None:
    """Why the zip at ``path`` is not whole, or None."""
    with open(path, "rb") as f:
        f.seek(max(0, size - _EOCD_SEARCH))
        tail = f.read()
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        return (
            "the end-of-central-directory record is missing (the file ends before the archive does)"
        )
    cd_size, cd_offset = struct.unpack("<II", tail[at + 12 : at + 20])
    eocd_pos = size - (len(tail) - at)
    if cd_offset != 0xFFFFFFFF and cd_offset + cd_size > eocd_pos:
        return "its central directory points past the data the file holds"
    try:
        with zipfile.ZipFile(path) as z:
            z.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        return f"its central directory cannot be read ({e})"
    return None


_FREE = 0xFFFFFFFF
_SPECIAL = 0xFFFFFFFA  # ids from here up are markers (free, end of chain, FAT, DIFAT)


def ole_problem(path: Path, size: int) -> str | None:
    """Why the OLE2 compound file (``.xls``) at ``path`` is not whole, or None: every sector
    the FAT (its first 109 FAT sectors, listed in the header) marks as used must lie inside
    the file, and so must the FAT sectors and the directory's first sector."""
    with open(path, "rb") as f:
        header = f.read(512)
        if len(header) < 512:
            return "the 512-byte header is cut short"
        shift = struct.unpack("<H", header[30:32])[0]
        if shift not in (9, 12):
            return f"the header's sector size (2^{shift}) is not one a workbook uses"
        ssz = 1 << shift
        start = 512 if shift == 9 else ssz  # sector 0 starts after the header's sector
        sectors = (size - start) // ssz  # whole sectors only: the format has no short ones
        n_fat, first_dir = struct.unpack("<II", header[44:52])
        difat = [s for s in struct.unpack("<109I", header[76:512]) if s < _SPECIAL][:n_fat]
        if first_dir < _SPECIAL and first_dir >= sectors:
            return f"the directory starts at sector {first_dir:,}, past the end of the file"
        highest = -1
        per = ssz // 4
        for i, s in enumerate(difat):
            if s >= sectors:
                return f"FAT sector {s:,} lies past the end of the file ({sectors:,} sectors)"
            f.seek(start + s * ssz)
            block = f.read(ssz)
            if len(block) < ssz:
                return f"FAT sector {s:,} is cut short"
            for k, v in enumerate(struct.unpack(f"<{per}I", block)):
                if v != _FREE:
                    highest = max(highest, i * per + k)
    if highest >= sectors:
        return (
            f"its allocation table uses sector {highest:,} but the file holds {sectors:,} "
            "(the file ends before the workbook does)"
        )
    return None


def gzip_problem(path: Path, size: int) -> str | None:
    """Why the gzip file at ``path`` is not whole, or None (inflated to the end when at most
    :data:`GZIP_VERIFY_BYTES`, which checks the trailer's CRC-32 and length)."""
    if size < 18:
        return "shorter than a gzip header and trailer"
    if size > GZIP_VERIFY_BYTES:
        return None
    try:
        with gzip.open(path, "rb") as g:
            while g.read(1 << 20):
                pass
    except EOFError:
        return "the compressed stream ends early (the download was cut short)"
    except (gzip.BadGzipFile, zlib.error, OSError) as e:
        return f"the compressed data is damaged ({e})"
    return None
