"""Map geometry for the site, offline.

Where geometry comes from (first found wins, per layer):

1. a folder passed as ``write_site(..., geo_dir=...)`` or in ``NORTE_GEO_DIR``, holding any
   of ``us_states.geojson`` (features with FIPS ``id``), ``mexican_states.geojson`` (features
   with ISO 3166-2 ``id`` such as ``MX-JAL``) — e.g. made from the Natural Earth admin-1 states
   and provinces file (public domain, https://www.naturalearthdata.com/, "Admin 1 – States,
   Provinces"), filtered to ``iso_a2`` US / MX and with ``iso_3166_2`` as ``id``;
2. the files vendored in ``norte/publish/static/geo/`` from npm registry packages by
   ``python -m norte.publish.geo vendor`` (``make geo``): ``us-atlas`` 3.0.1 (U.S. states,
   Census boundaries) and ``world-atlas`` 2.0.2 (country outlines, Natural Earth), both ISC.

No registry package ships Mexican *state* boundaries under a licence we can vendor, so without
a ``mexican_states.geojson`` (1.) maps that need them fall back to a **tile grid** (one square per
state, U.S. above, Mexico below) that needs no geometry: never a broken map. The product never
reads the project's test data folder; tests pass it explicitly as ``geo_dir``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

VENDORED = {
    # file in static/geo: (npm package, file inside the package)
    "us-states-10m.topo.json": ("us-atlas@3.0.1", "states-10m.json"),
    "countries-110m.topo.json": ("world-atlas@2.0.2", "countries-110m.json"),
}

#: FIPS state code -> USPS abbreviation (50 states + DC; PR for completeness)
US_FIPS = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT",
    "10": "DE", "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL",
    "18": "IN", "19": "IA", "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD",
    "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT", "31": "NE",
    "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND",
    "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD",
    "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA", "54": "WV",
    "55": "WI", "56": "WY", "72": "PR",
}  # fmt: skip
#: not drawn on the North America maps (they would shrink the contiguous states to a strip)
US_OFF_MAP = {"02", "15", "72"}

#: tile grid (row, column): U.S. states above, Mexican states (ISO 3166-2) below
US_TILES = {
    "AK": (0, 0), "ME": (0, 11), "VT": (1, 10), "NH": (1, 11),
    "WA": (2, 1), "ID": (2, 2), "MT": (2, 3), "ND": (2, 4), "MN": (2, 5), "IL": (2, 6),
    "WI": (2, 7), "MI": (2, 8), "NY": (2, 9), "RI": (2, 10), "MA": (2, 11),
    "OR": (3, 1), "NV": (3, 2), "WY": (3, 3), "SD": (3, 4), "IA": (3, 5), "IN": (3, 6),
    "OH": (3, 7), "PA": (3, 8), "NJ": (3, 9), "CT": (3, 10),
    "CA": (4, 1), "UT": (4, 2), "CO": (4, 3), "NE": (4, 4), "MO": (4, 5), "KY": (4, 6),
    "WV": (4, 7), "VA": (4, 8), "MD": (4, 9), "DE": (4, 10),
    "AZ": (5, 2), "NM": (5, 3), "KS": (5, 4), "AR": (5, 5), "TN": (5, 6), "NC": (5, 7),
    "SC": (5, 8), "DC": (5, 9),
    "OK": (6, 4), "LA": (6, 5), "MS": (6, 6), "AL": (6, 7), "GA": (6, 8),
    "HI": (7, 0), "TX": (7, 4), "FL": (7, 9),
}  # fmt: skip
MX_TILES = {
    "MX-BCN": (8, 1), "MX-SON": (8, 2), "MX-CHH": (8, 3), "MX-COA": (8, 4), "MX-NLE": (8, 5),
    "MX-TAM": (8, 6),
    "MX-BCS": (9, 1), "MX-SIN": (9, 2), "MX-DUR": (9, 3), "MX-ZAC": (9, 4), "MX-SLP": (9, 5),
    "MX-NAY": (10, 3), "MX-AGU": (10, 4), "MX-GUA": (10, 5), "MX-QUE": (10, 6), "MX-HID": (10, 7),
    "MX-JAL": (11, 3), "MX-MIC": (11, 4), "MX-MEX": (11, 5), "MX-CMX": (11, 6), "MX-TLA": (11, 7),
    "MX-VER": (11, 8),
    "MX-COL": (12, 3), "MX-GRO": (12, 5), "MX-MOR": (12, 6), "MX-PUE": (12, 7), "MX-OAX": (12, 8),
    "MX-TAB": (12, 9), "MX-CAM": (12, 10), "MX-YUC": (12, 11),
    "MX-CHP": (13, 9), "MX-ROO": (13, 11),
}  # fmt: skip

FeatureCollection = dict[str, Any]


def topo_features(topo: dict[str, Any], obj: str) -> FeatureCollection:
    """Decode one object of a (quantized) TopoJSON file into a GeoJSON FeatureCollection."""
    tf = topo.get("transform")
    arcs: list[list[list[float]]] = []
    for arc in topo["arcs"]:
        pts: list[list[float]] = []
        x = y = 0.0
        for p in arc:
            if tf:
                x, y = x + p[0], y + p[1]
                pts.append(
                    [
                        x * tf["scale"][0] + tf["translate"][0],
                        y * tf["scale"][1] + tf["translate"][1],
                    ]
                )
            else:
                pts.append([float(p[0]), float(p[1])])
        arcs.append(pts)

    def ring(idx: list[int]) -> list[list[float]]:
        out: list[list[float]] = []
        for i in idx:
            a = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(a if not out else a[1:])
        return out

    feats = []
    for g in topo["objects"][obj]["geometries"]:
        if g["type"] == "Polygon":
            geom = {"type": "Polygon", "coordinates": [ring(r) for r in g["arcs"]]}
        elif g["type"] == "MultiPolygon":
            geom = {
                "type": "MultiPolygon",
                "coordinates": [[ring(r) for r in poly] for poly in g["arcs"]],
            }
        else:
            continue
        feats.append(
            {
                "type": "Feature",
                "id": g.get("id"),
                "properties": g.get("properties", {}),
                "geometry": geom,
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def _area(ring: list[list[float]]) -> float:
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:] + ring[:1], strict=True))


def _wind(rings: list[list[list[float]]]) -> list[list[list[float]]]:
    # d3-geo (Vega) draws spherical polygons: a ring that runs counter-clockwise (positive
    # planar area in lon/lat) means "the whole globe but this", which fills the map. GeoJSON
    # (RFC 7946) files run counter-clockwise, and some put islands as extra rings of one
    # Polygon, so every ring is made clockwise (a rare lake hole is drawn filled; the map is
    # never inverted). Degenerate rings (no area: collinear points) have no winding and are
    # dropped.
    return [r if _area(r) < 0 else r[::-1] for r in rings if len(r) >= 4 and _area(r) != 0]


def d3_winding(fc: FeatureCollection) -> FeatureCollection:
    """The same features with rings wound the way d3-geo expects (see :func:`_wind`)."""
    feats = []
    for f in fc["features"]:
        g = f.get("geometry") or {}
        if g.get("type") == "Polygon":
            g = {"type": "Polygon", "coordinates": _wind(g["coordinates"])}
        elif g.get("type") == "MultiPolygon":
            polys = [w for w in (_wind(p) for p in g["coordinates"]) if w]
            g = {"type": "MultiPolygon", "coordinates": polys}
        feats.append({**f, "geometry": g})
    return {"type": "FeatureCollection", "features": feats}


def _dirs(geo_dir: Path | None) -> list[Path]:
    out = [geo_dir] if geo_dir else []
    env = os.environ.get("NORTE_GEO_DIR")
    if env:
        out.append(Path(env))
    return out


def _static(name: str) -> dict[str, Any] | None:
    f = resources.files("norte.publish").joinpath(f"static/geo/{name}")
    if not f.is_file():
        return None
    data: dict[str, Any] = json.loads(f.read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class Geometry:
    """The layers found: each a GeoJSON FeatureCollection or None; ``origin`` for notes."""

    us_states: FeatureCollection | None
    mx_states: FeatureCollection | None
    countries: FeatureCollection | None
    origin: dict[str, str]


@cache
def _load(dirs: tuple[Path, ...]) -> Geometry:
    origin: dict[str, str] = {}
    us = mx = None
    for d in dirs:
        if us is None and (d / "us_states.geojson").is_file():
            us = json.loads((d / "us_states.geojson").read_text(encoding="utf-8"))
            origin["us_states"] = "us_states.geojson (local file)"
        if mx is None and (d / "mexican_states.geojson").is_file():
            mx = json.loads((d / "mexican_states.geojson").read_text(encoding="utf-8"))
            origin["mx_states"] = "mexican_states.geojson (local file)"
    if us is None and (topo := _static("us-states-10m.topo.json")) is not None:
        us = topo_features(topo, "states")
        us["features"] = [f for f in us["features"] if str(f.get("id")) in US_FIPS]
        origin["us_states"] = "us-atlas 3.0.1"
    countries = None
    if (topo := _static("countries-110m.topo.json")) is not None:
        countries = topo_features(topo, "countries")
        origin["countries"] = "world-atlas 2.0.2"
    return Geometry(
        d3_winding(us) if us else None,
        d3_winding(mx) if mx else None,
        d3_winding(countries) if countries else None,
        origin,
    )


def load(geo_dir: Path | None = None) -> Geometry:
    """The geometry available for this build (cached)."""
    return _load(tuple(_dirs(geo_dir)))


def vendor(dest: Path | None = None) -> list[Path]:
    """Fetch the vendored geometry from the npm registry (``npm pack``) into ``static/geo``."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to vendor map geometry (apt-get install npm)")
    dest = dest or Path(str(resources.files("norte.publish").joinpath("static/geo")))
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (pkg, inner) in VENDORED.items():
            got = (
                subprocess.run(
                    [npm, "pack", pkg, "--silent"],
                    cwd=tmp,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            with tarfile.open(Path(tmp) / got) as tar:
                member = tar.extractfile(f"package/{inner}")
                lic = tar.extractfile("package/LICENSE")
                assert member is not None and lic is not None
                (dest / name).write_bytes(member.read())
                (dest / f"{name}.LICENSE").write_bytes(lic.read())
            written.append(dest / name)
    return written


if __name__ == "__main__":
    if sys.argv[1:] != ["vendor"]:
        raise SystemExit("usage: python -m norte.publish.geo vendor")
    for p in vendor():
        print(p)
