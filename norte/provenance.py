"""Provenance manifests: where a file's numbers come from, when the file does not say.

A derived copy (a file a third party reduced, e.g. FRED's ``date,value`` copies or a StatCan
series cut down to ``date,geography,indicator,value``) carries no agency, unit, series id or
release date. A small TOML file, the **manifest**, states them::

    # GDPC1.csv.norte.toml
    agency = "U.S. Bureau of Economic Analysis"
    publisher = "FRED, Federal Reserve Bank of St. Louis"
    id = "GDPC1"
    url = "https://fred.stlouisfed.org/series/GDPC1"
    measure = "gdp_real"
    unit = "USD_chained_2017"
    scale = 1e9
    freq = "Q"
    adj = "saar"
    release_date = 2026-07-30     # only when known

Where norte looks for the manifest of ``X.csv`` (first match wins):

1. ``X.csv.norte.toml`` next to the file;
2. a file named ``X.csv.norte.toml`` anywhere under the *provenance folders*: ``[provenance]
   dirs`` in ``norte.toml`` or ``NORTE_PROVENANCE_DIRS`` (``os.pathsep``-separated), passed to
   sources as ``ctx.options["provenance_dirs"]``. When several folders hold one, the one whose
   sub-folders repeat most of the file's own parent folders wins (``provenance/fred/GDPC1.csv
   .norte.toml`` for ``.../fred/GDPC1.csv``); one under sub-folders naming other folders
   (``provenance/statcan/GDPC1.csv.norte.toml``) does not match; the first folder with a match
   wins.

A manifest with ``sha256`` describes those bytes only: another file of the same name is
refused. A known ``release_date`` replaces the source's estimated vintage (``loads.vintage_from``
= ``manifest``); without it the vintage stays estimated and says so.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from norte.errors import InputError

SUFFIX = ".norte.toml"
FREQS = ("M", "Q", "A")
ADJS = ("sa", "saar", "nsa", "trend")

#: Every key a manifest may hold: (type, what it means). Unknown keys are refused (typos).
KEYS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "agency": (str, "who published the numbers, e.g. 'Statistics Canada'"),
    "publisher": (str, "who distributed the copy, when not the agency (e.g. 'FRED')"),
    "id": (str, "the agency's table or series id, e.g. 'GDPC1' or '36-10-0104-01'"),
    "dataset": (str, "the norte dataset name, when the agency's id cannot be established"),
    "vector": (str, "a StatCan vector id, e.g. 'v62305752'"),
    "url": (str, "the page the numbers come from"),
    "title": (str, "the series or table title as the agency writes it"),
    "reporter": (str, "ISO alpha-3 of the country the numbers describe, e.g. 'USA'"),
    "indicator": (str, "the indicator text the file repeats on every row (checked)"),
    "measure": (str, "norte measure: gdp_real, employment, trade_balance, ..."),
    "unit": (str, "norte unit of the stored values: USD, CAD_chained_2017, jobs, ..."),
    "scale": ((int, float), "factor from the file's numbers to base units (1e3, 1e6, ...)"),
    "freq": (str, "M, Q or A"),
    "adj": (str, "seasonal adjustment: sa, saar, nsa or trend"),
    "price_basis": (str, "e.g. 'chained_2017', 'current'"),
    "release_date": ((dt.date, str), "the release the numbers come from (YYYY-MM-DD)"),
    "retrieved": ((dt.date, str), "when the copy was taken, as precisely as known"),
    "derived": (str, "what the third party changed"),
    "note": (str, "anything else a reader should know"),
    "sha256": (str, "the sha256 of the file the manifest describes"),
}


@dataclass(frozen=True)
class Manifest:
    """A validated manifest (``path`` is the manifest file, ``data`` the raw keys)."""

    path: Path
    data: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def text(self, key: str) -> str | None:
        v = self.data.get(key)
        return None if v is None else str(v)

    @property
    def release_date(self) -> dt.date | None:
        v = self.data.get("release_date")
        return v if isinstance(v, dt.date) else None

    @property
    def scale(self) -> float:
        return float(self.data.get("scale", 1))

    def describe(self) -> str:
        """One line for the load's notes."""
        parts = [f"provenance: {self.path}"]
        for k in ("agency", "publisher", "id", "dataset", "url"):
            if k in self.data:
                parts.append(f"{k} {self.data[k]}")
        if "retrieved" in self.data:
            parts.append(f"retrieved {self.data['retrieved']}")
        return "; ".join(parts)


def dirs_of(options: dict[str, Any]) -> list[Path]:
    """The provenance folders named by the settings (``ctx.options['provenance_dirs']``)."""
    raw = options.get("provenance_dirs") or []
    if isinstance(raw, str | Path):
        raw = [raw]
    return [Path(p) for p in raw]


def find(path: Path, dirs: Iterable[Path]) -> Path | None:
    """The manifest of ``path``: next to it, else the best match under ``dirs``."""
    beside = path.with_name(path.name + SUFFIX)
    if beside.is_file():
        return beside
    parents = [p.name for p in path.resolve().parents]
    best: list[tuple[int, Path]] = []
    for d in dirs:
        if not d.is_dir():
            continue
        for cand in sorted(d.rglob(path.name + SUFFIX)):
            rel = cand.relative_to(d).parent.parts[::-1]
            score = 0
            for a, b in zip(rel, parents, strict=False):
                if a != b:
                    break
                score += 1
            if len(rel) > score:
                continue  # its sub-folders name another place
            best.append((score, cand))
        if best:
            break  # the first folder holding a match wins
    if not best:
        return None
    best.sort(key=lambda t: -t[0])  # the deepest match: its folders repeat the most
    return best[0][1]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read(manifest: Path, data_path: Path, required: Iterable[str] = ()) -> Manifest:
    """Parse and validate ``manifest`` (for ``data_path``); ``required`` keys must be present."""
    try:
        with open(manifest, "rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise InputError(manifest, "", f"not valid TOML ({e})", hint="fix the manifest") from e
    except OSError as e:
        raise InputError(manifest, "", f"cannot be read ({e})") from e
    for key, value in data.items():
        if key not in KEYS:
            near = difflib.get_close_matches(key, KEYS, n=1)
            raise InputError(
                manifest,
                f"key {key!r}",
                "not a manifest key" + (f" (did you mean {near[0]!r}?)" if near else ""),
                expected="one of " + ", ".join(KEYS),
            )
        typ, what = KEYS[key]
        if isinstance(value, bool) or not isinstance(value, typ):
            raise InputError(manifest, f"key {key!r}", f"{value!r} is not valid", expected=what)
    if isinstance(data.get("release_date"), str):
        try:
            data["release_date"] = dt.date.fromisoformat(data["release_date"])
        except ValueError:
            raise InputError(
                manifest,
                "key 'release_date'",
                f"{data['release_date']!r} is not a date",
                expected="a full date YYYY-MM-DD (leave the key out when the day is not known)",
            ) from None
    if isinstance(data.get("release_date"), dt.datetime):
        data["release_date"] = data["release_date"].date()
    if "freq" in data and data["freq"] not in FREQS:
        raise InputError(manifest, "key 'freq'", f"{data['freq']!r}", expected="M, Q or A")
    if "adj" in data and data["adj"] not in ADJS:
        raise InputError(manifest, "key 'adj'", f"{data['adj']!r}", expected=", ".join(ADJS))
    if "scale" in data and not float(data["scale"]) > 0:
        raise InputError(manifest, "key 'scale'", f"{data['scale']!r}", expected="a number > 0")
    need = list(required)
    missing = [k for k in need if k not in data and not (k == "id" and "dataset" in data)]
    if missing:
        raise InputError(
            manifest,
            f"key {missing[0]!r}" if len(missing) == 1 else "keys " + ", ".join(missing),
            "missing (required to load " + data_path.name + ")",
            expected="; ".join(f"{k} = {KEYS[k][1]}" for k in missing),
            hint="add the line(s) to the manifest",
        )
    if "sha256" in data and data["sha256"].lower() != _sha256(data_path):
        raise InputError(
            manifest,
            "key 'sha256'",
            f"describes other bytes than {data_path} (sha256 {_sha256(data_path)[:12]}…)",
            hint="this manifest was written for another copy of the file: check the file, "
            "then update or remove the sha256 line",
        )
    return Manifest(path=manifest, data=data)


def lookup(path: Path, options: dict[str, Any], required: Iterable[str] = ()) -> Manifest | None:
    """The validated manifest of ``path``, or None when there is none."""
    found = find(path, dirs_of(options))
    return None if found is None else read(found, path, required)


def template(path: Path, keys: Iterable[str], prefill: dict[str, str] | None = None) -> str:
    """A ready-to-fill manifest for ``path`` with ``keys`` (prefilled where known)."""
    pre = prefill or {}
    lines = [f"# {path.name}{SUFFIX}: provenance of {path.name}"]
    for k in keys:
        typ, what = KEYS[k]
        if k in pre:
            val = pre[k]
        elif typ == (int, float):
            val = "1"
        else:
            val = '""'
        lines.append(f"{k} = {val}    # {what}")
    lines.append("# release_date = 2026-01-31    # the release the numbers come from, when known")
    return "\n".join(lines)


def refuse(
    path: Path, what: str, keys: Iterable[str], prefill: dict[str, str] | None
) -> InputError:
    """The error for a file whose provenance cannot be established."""
    return InputError(
        path,
        "provenance",
        f"{what}: norte cannot tell where its numbers come from",
        expected=f"a manifest {path.name}{SUFFIX} next to the file, or in a provenance folder "
        "([provenance] dirs in norte.toml, or NORTE_PROVENANCE_DIRS)",
        hint="write this manifest (fill in the blanks):\n" + template(path, keys, prefill),
    )


def vintage(
    manifest: Manifest | None, estimated: dt.date, how: str
) -> tuple[dt.date, str, list[str]]:
    """(vintage, vintage_from, notes): the manifest's release date when known, else the
    source's estimate (still marked estimated)."""
    notes = [manifest.describe()] if manifest is not None else []
    if manifest is not None and manifest.release_date is not None:
        return manifest.release_date, "manifest", notes
    if manifest is not None:
        how += " (the manifest gives no release_date)"
    return estimated, how, notes
