"""``norte codes map`` and ``norte codes search``: questions to the crosswalk tables.

A map uses the newest edition (vintage; then the later load) of the crosswalk between the two schemes, in the direction it was
loaded or read backwards (relations swap: 1:n <-> n:1); when no file links the two schemes
directly, a path through one intermediate scheme is used and named (``via``). Nothing is
split or weighted: every target is listed with its relation and the file it comes from.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from norte.classify.relation import describe, reverse
from norte.classify.schemes import scheme
from norte.errors import UsageError

#: The files that give each crosswalk, for the "load it" hint.
FILES = {
    "scheduleb": "the Census export concordance (exp-code.txt or expconcord*.xls)",
    "naics": "the Census NAICS concordance (e.g. 2022_to_2017_NAICS.xlsx)",
    "hs": "the UN HS correlation tables (e.g. HS2022toHS2017ConversionAndCorrelationTables.xlsx)",
    "bea": "the BEA industry codes and NAICS concordance workbook",
    "scian": "INEGI's SCIAN workbook (scian_2023_categorias_y_productos.xlsx)",
}


@dataclass
class Source:
    file: str
    load_id: int
    sha256: str


@dataclass
class Target:
    code: str
    label: str | None
    relation: str
    meaning: str
    source: list[Source]
    via: str | None = None
    note: str | None = None
    agency_relation: str | None = None


@dataclass
class Mapping:
    code: str
    from_scheme: str
    to_scheme: str
    label: str | None
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_LATEST = """
SELECT p.*, l.location, l.sha256 FROM crosswalk_pairs p JOIN loads l USING (load_id)
WHERE p.from_scheme = ? AND p.to_scheme = ?
  AND p.load_id = (SELECT arg_max(k.load_id, (k.vintage, k.load_id)) FROM loads k
                   WHERE k.load_id IN (SELECT load_id FROM crosswalk_pairs
                                       WHERE from_scheme = ? AND to_scheme = ?))
"""


def _normal(code: str) -> str:
    return code.replace(".", "").replace(" ", "").strip().upper()


def _links(
    con: duckdb.DuckDBPyConnection, frm: str, to: str, code: str | None
) -> list[tuple[str, str, str, Source, str | None, str | None]] | None:
    """(from code, to code, relation, source, note, agency relation) of the newest crosswalk
    between two schemes, either direction; None when no file links them."""
    for a, b, backwards in ((frm, to, False), (to, frm, True)):
        where = "" if code is None else f" AND p.{'to_code' if backwards else 'from_code'} = ?"
        rows = con.execute(
            f"SELECT * FROM ({_LATEST}) p WHERE true{where} ORDER BY from_code, to_code",  # noqa: S608
            [a, b, a, b, *([] if code is None else [code])],
        ).fetchall()
        if rows or _loaded(con, a, b):
            out = []
            for r in rows:
                src = Source(r[8], int(r[0]), r[9])
                fc, tc = (r[4], r[2]) if backwards else (r[2], r[4])
                rel = reverse(r[5]) if backwards else r[5]
                agency = (reverse(r[6]) if backwards else r[6]) if r[6] else None
                out.append((fc, tc, rel, src, r[7], agency))
            return out
    return None


def _loaded(con: duckdb.DuckDBPyConnection, a: str, b: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM (SELECT 1 FROM crosswalk_pairs WHERE from_scheme = ? "
        "AND to_scheme = ? LIMIT 1)",
        [a, b],
    ).fetchall()
    return bool(row[0][0])


def label(con: duckdb.DuckDBPyConnection, scheme_name: str, code: str) -> str | None:
    """The code's label (English, else Spanish, else French) from the newest load giving
    it, else from norte's shipped code tables."""
    rows = con.execute(
        "SELECT coalesce(label_en, label_es, label_fr) FROM classification_codes "
        "WHERE scheme = ? AND code = ? ORDER BY load_id DESC LIMIT 1",
        [scheme_name, code],
    ).fetchall()
    if not rows:
        rows = con.execute(
            "SELECT coalesce(label_en, label_es, label_fr) FROM codes WHERE scheme = ? AND code = ?",
            [scheme_name, code],
        ).fetchall()
    return str(rows[0][0]) if rows and rows[0][0] is not None else None


def _schemes_linked(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    rows = con.execute("SELECT DISTINCT from_scheme, to_scheme FROM crosswalk_pairs").fetchall()
    return {(a, b) for a, b in rows} | {(b, a) for a, b in rows}


def _combine(r1: str, r2: str) -> str:
    """The relation of a two-step path: it splits if a step splits, merges if a step merges."""
    split = r1 in ("1:n", "n:n") or r2 in ("1:n", "n:n")
    merge = r1 in ("n:1", "n:n") or r2 in ("n:1", "n:n")
    return {(False, False): "1:1", (True, False): "1:n", (False, True): "n:1"}.get(
        (split, merge), "n:n"
    )


def map_code(con: duckdb.DuckDBPyConnection, code: str, frm: str, to: str) -> Mapping:
    """Where ``code`` of scheme ``frm`` goes in scheme ``to``."""
    f, t = scheme(frm), scheme(to)
    if f.name == t.name:
        raise UsageError(f"--from and --to are the same scheme ({f.name})")
    code = _normal(code)
    m = Mapping(code, f.name, t.name, label(con, f.name, code))
    links = _links(con, f.name, t.name, code)
    if links is not None:
        if not links:
            raise UsageError(
                f"code {code} is not in the {f.name} -> {t.name} crosswalk loaded from "
                f"{_file_of(con, f.name, t.name)} — check the code (all digits, e.g. "
                "8542310000), or 'norte codes search TEXT' to find it"
            )
        for _, tc, rel, src, note, agency in links:
            m.targets.append(
                Target(tc, label(con, t.name, tc), rel, describe(rel), [src], None, note, agency)
            )
    else:
        _map_via(con, m)
    _explain(m)
    return m


def _map_via(con: duckdb.DuckDBPyConnection, m: Mapping) -> None:
    linked = _schemes_linked(con)
    middles = sorted(s for a, s in linked if a == m.from_scheme and (s, m.to_scheme) in linked)
    if not middles:
        raise UsageError(
            f"no crosswalk links {m.from_scheme} and {m.to_scheme} (directly or through one "
            f"other scheme) in this store — load {_hint(m.from_scheme, m.to_scheme)} with "
            "'norte ingest FILE'; 'norte query' on the view crosswalks lists what is loaded"
        )
    via = middles[0]
    first = _links(con, m.from_scheme, via, m.code) or []
    if not first:
        raise UsageError(
            f"code {m.code} is not in the {m.from_scheme} -> {via} crosswalk loaded from "
            f"{_file_of(con, m.from_scheme, via)} — check the code"
        )
    found: dict[str, Target] = {}
    for _, mid, r1, s1, _note, _a in first:
        for _, tc, r2, s2, note2, _a2 in _links(con, via, m.to_scheme, mid) or []:
            rel = _combine(r1, r2)
            t = found.get(tc)
            if t is None:
                found[tc] = Target(
                    tc,
                    label(con, m.to_scheme, tc),
                    rel,
                    describe(rel),
                    [s1, s2],
                    f"{via} {mid}",
                    note2,
                )
            else:
                t.via = f"{t.via}, {mid}"
                t.relation = _combine(t.relation, "1:n" if rel == "1:1" else rel)
                t.meaning = describe(t.relation)
    if not found:
        m.notes.append(f"{m.code} reaches {via} but none of those codes is in {m.to_scheme}")
    m.targets = list(found.values())
    m.notes.append(
        f"no file links {m.from_scheme} and {m.to_scheme} directly: mapped through {via} "
        "(each step from its own file; the path's relation combines the steps')"
    )


def _explain(m: Mapping) -> None:
    rels = {t.relation for t in m.targets}
    if len(m.targets) > 1:
        m.notes.append(
            f"{m.code} maps to {len(m.targets)} {m.to_scheme} codes: the files give no weights, "
            "so a value is never divided among them (an indicator that would need to split it "
            "says so and stops)"
        )
    if rels & {"n:1", "n:n"}:
        m.notes.append(
            "some targets also receive other codes (n:1 or n:n): they hold more than this code"
        )


def _file_of(con: duckdb.DuckDBPyConnection, a: str, b: str) -> str:
    rows = con.execute(
        "SELECT l.location FROM crosswalk_pairs p JOIN loads l USING (load_id) WHERE "
        "(p.from_scheme, p.to_scheme) IN ((?, ?), (?, ?)) ORDER BY p.load_id DESC LIMIT 1",
        [a, b, b, a],
    ).fetchall()
    return str(rows[0][0]) if rows else "?"


def _hint(a: str, b: str) -> str:
    families = [k for k in FILES if a.startswith(k) or b.startswith(k)]
    if (
        a.startswith("scheduleb")
        or b in ("atp", "enduse", "sitc")
        or a in ("atp", "enduse", "sitc")
    ):
        families = ["scheduleb"]
    return " or ".join(FILES[k] for k in families) or "the concordance file that links them"


@dataclass
class Hit:
    scheme: str
    code: str
    label_en: str | None
    label_es: str | None
    label_fr: str | None
    trinational: bool | None


def search(
    con: duckdb.DuckDBPyConnection, text: str, scheme_name: str | None = None, limit: int = 50
) -> list[Hit]:
    """Codes whose label (en/es/fr, accents and case ignored) contains every word of
    ``text``, or whose code starts with it; the newest load of each scheme."""
    words = [w for w in text.split() if w]
    if not words:
        raise UsageError("codes search: give some words to look for, e.g. 'motor vehicles'")
    hay = "strip_accents(lower(concat_ws(' ', code, label_en, label_es, label_fr)))"
    cond = " AND ".join(f"{hay} LIKE '%' || strip_accents(lower(?)) || '%'" for _ in words)
    params: list[Any] = list(words)
    extra = ""
    if scheme_name is not None:
        extra = " AND scheme = ?"
        params.append(scheme(scheme_name).name)
    sql = f"""
WITH c AS (
  SELECT scheme, code, label_en, label_es, label_fr, trinational FROM classification_codes
  QUALIFY load_id = max(load_id) OVER (PARTITION BY scheme)
  UNION ALL
  SELECT scheme, code, label_en, label_es, label_fr, NULL FROM codes WHERE scheme = 'atp'
)
SELECT * FROM c WHERE ({cond}){extra} ORDER BY scheme, code LIMIT {int(limit)}"""  # noqa: S608
    return [Hit(*r) for r in con.execute(sql, params).fetchall()]
