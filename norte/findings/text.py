"""Trilingual wording of findings: every number in a sentence comes from ``values`` via :func:`fmt`.

Templates live in ``templates.toml`` (data, not code): ``{key:kind}`` renders ``values[key]``
with :func:`fmt` (the ONE function that turns a value into text), ``{name}`` inserts a label
(a partner or indicator name, which never holds a digit). Sentences whose keys are missing or
None are dropped, so a sentence can only say what the values hold.

Locales: ``en_US``, ``es_ES``, ``fr_CA`` (the same as the site, ``norte.publish.i18n``), through
Babel: ``format_decimal``, ``format_currency``, ``format_date`` with es/fr month names.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, format_currency, format_decimal, parse_pattern

from norte.findings.model import LANGS, Value

LOCALES = {"en": "en_US", "es": "es_ES", "fr": "fr_CA"}

_PLACEHOLDER = re.compile(r"\{(\w+)(?::(\w+))?\}")

#: Words for scaled US$ amounts, per language: (threshold, divisor, template).
#: (threshold, divisor, template) per unit and language, largest first: amounts in prose
#: (US$263.9 billion, C$618.2 billion, 21.1 million persons); below the last threshold a
#: unit is written as a grouped number and its word
_SCALES: dict[str, dict[str, tuple[tuple[float, float, str], ...]]] = {
    "USD": {
        "en": (
            (1e12, 1e12, "US${n} trillion"),
            (1e9, 1e9, "US${n} billion"),
            (1e6, 1e6, "US${n} million"),
        ),
        "es": (
            (1e12, 1e12, "{n} billones de dólares"),
            (1e9, 1e9, "{n} mil millones de dólares"),
            (1e6, 1e6, "{n} millones de dólares"),
        ),
        "fr": (
            (1e12, 1e12, "{n} billions de dollars US"),
            (1e9, 1e9, "{n} milliards de dollars US"),
            (1e6, 1e6, "{n} millions de dollars US"),
        ),
    },
    "CAD": {
        "en": (
            (1e12, 1e12, "C${n} trillion"),
            (1e9, 1e9, "C${n} billion"),
            (1e6, 1e6, "C${n} million"),
        ),
        "es": (
            (1e12, 1e12, "{n} billones de dólares canadienses"),
            (1e9, 1e9, "{n} mil millones de dólares canadienses"),
            (1e6, 1e6, "{n} millones de dólares canadienses"),
        ),
        "fr": (
            (1e12, 1e12, "{n} billions de dollars canadiens"),
            (1e9, 1e9, "{n} milliards de dollars canadiens"),
            (1e6, 1e6, "{n} millions de dollars canadiens"),
        ),
    },
    "persons": {
        "en": ((1e6, 1e6, "{n} million persons"),),
        "es": ((1e6, 1e6, "{n} millones de personas"),),
        "fr": ((1e6, 1e6, "{n} millions de personnes"),),
    },
    "jobs": {
        "en": ((1e6, 1e6, "{n} million jobs"),),
        "es": ((1e6, 1e6, "{n} millones de empleos"),),
        "fr": ((1e6, 1e6, "{n} millions d'emplois"),),
    },
}


def _scaled(x: float, unit: str, lang: str) -> str | None:
    """``x`` (absolute) in the largest scale of ``unit`` it reaches (US$263.9 billion, C$618.2
    billion, 21.1 million persons); None below the smallest or for a unit with no scales."""
    for threshold, div, tpl in _SCALES.get(unit, {}).get(lang, ()):
        if x >= threshold:
            return tpl.format(n=_num(x / div, 1, lang))
    return None


UNIT_WORDS: dict[str, dict[str, str]] = {
    "vehicles": {"en": "vehicles", "es": "vehículos", "fr": "véhicules"},
    "units": {"en": "units", "es": "unidades", "fr": "unités"},
    "trucks": {"en": "trucks", "es": "camiones", "fr": "camions"},
    "crossings": {"en": "crossings", "es": "cruces", "fr": "passages"},
    "kg": {"en": "kg", "es": "kg", "fr": "kg"},
    "count": {"en": "", "es": "", "fr": ""},
    "CAD": {"en": "Canadian dollars", "es": "dólares canadienses", "fr": "dollars canadiens"},
    "persons": {"en": "persons", "es": "personas", "fr": "personnes"},
    "jobs": {"en": "jobs", "es": "empleos", "fr": "emplois"},
}
_ESTIMATED = {"en": "estimated date", "es": "fecha estimada", "fr": "date estimée"}
_HALF = {
    "en": ("the first half of {y}", "the second half of {y}"),
    "es": ("el primer semestre de {y}", "el segundo semestre de {y}"),
    "fr": ("le premier semestre {y}", "le second semestre {y}"),
}


def _date(v: Value) -> dt.date:
    if not isinstance(v, str):
        raise TypeError(f"expected an ISO date string, got {v!r}")
    return dt.date.fromisoformat(v)


# Babel parses the pattern and looks the locale up on every call (about 0.1 ms each: 1.4 s for
# the ~14,000 numbers a detection run words, about half of them repeats), so the parsed pattern
# and locale, and each text, are kept. Babel formats a float or int through ``Decimal(str(x))``,
# so ``str(x)`` is an exact key.
@lru_cache(maxsize=1 << 16)
def _babel_date(d: dt.date, pattern: str, lang: str) -> str:
    return str(format_date(d, format=pattern, locale=LOCALES[lang]))


@cache
def _number_format(digits: int, lang: str) -> tuple[NumberPattern, Locale]:
    return parse_pattern("#,##0" + ("." + "0" * digits if digits else "")), Locale.parse(
        LOCALES[lang]
    )


@lru_cache(maxsize=1 << 16)
def _babel_num(text: str, digits: int, lang: str) -> str:
    pattern, locale = _number_format(digits, lang)
    return str(format_decimal(Decimal(text), format=pattern, locale=locale))


def _month(d: dt.date, lang: str) -> str:
    return _babel_date(d, "LLLL 'de' y" if lang == "es" else "LLLL y", lang)  # octubre de 2023


def _num(x: float, digits: int, lang: str) -> str:
    return _babel_num(str(x), digits, lang)


def fmt(values: Mapping[str, Value], key: str, kind: str, lang: str) -> str:
    """The text of ``values[key]`` as ``kind`` in ``lang`` — the only number-to-text path.

    Kinds: ``amount`` (``usd`` when ``values['unit']`` is USD; C$, persons and jobs scaled the
    same way — C$618.2 billion, 21.1 million persons —; else a grouped number and the unit's word), ``when`` (``ytd`` when ``values['period_kind']`` is ytd, else ``period``), ``usd`` (scaled, one decimal: US$263.9 billion / 263.9 mil millones de dólares /
    263,9 milliards de dollars US), ``pct`` (a value already in percent, absolute, one decimal),
    ``num`` (absolute, grouped, no decimals), ``dec1`` (one decimal), ``count`` (an integer),
    ``year``, ``month`` (October 2023 / octubre de 2023 / octobre 2023), ``day`` (a date),
    ``vday`` (a release date, followed by "(estimated date)" when ``values[key + '_estimated']``),
    ``period`` (by ``values['freq']``), ``ytd`` (January–October 2023).
    """
    v = values[key]
    loc = LOCALES[lang]
    if kind == "amount":
        unit = str(values.get("unit", "USD"))
        if unit == "USD":
            return fmt(values, key, "usd", lang)
        scaled = _scaled(abs(float(v)), unit, lang)  # type: ignore[arg-type]
        if scaled is not None:
            return scaled
        word = UNIT_WORDS.get(unit, {}).get(lang, unit)
        return f"{_num(abs(float(v)), 0, lang)} {word}".rstrip()  # type: ignore[arg-type]
    if kind == "when":
        return fmt(values, key, "ytd" if values.get("period_kind") == "ytd" else "period", lang)
    if kind == "usd":
        x = abs(float(v))  # type: ignore[arg-type]
        scaled = _scaled(x, "USD", lang)
        if scaled is not None:
            return scaled
        return str(format_currency(x, "USD", format="¤#,##0", locale=loc, currency_digits=False))
    if kind == "pct":
        return _num(abs(float(v)), 1, lang) + ("%" if lang == "en" else "\u00a0%")  # type: ignore[arg-type]
    if kind == "num":
        return _num(abs(float(v)), 0, lang)  # type: ignore[arg-type]
    if kind == "dec1":
        return _num(abs(float(v)), 1, lang)  # type: ignore[arg-type]
    if kind == "count":
        return _num(int(v), 0, lang)  # type: ignore[arg-type]
    if kind == "year":
        return str(_date(v).year)
    if kind == "month":
        return _month(_date(v), lang)
    if kind == "day":
        return _babel_date(_date(v), "long", lang)
    if kind == "vday":  # a release date: says "estimated" when norte estimated it
        day = _babel_date(_date(v), "long", lang)
        return f"{day} ({_ESTIMATED[lang]})" if values.get(f"{key}_estimated") else day
    if kind == "period":
        d, freq = _date(v), str(values.get("freq", "M"))
        if freq == "A":
            return str(d.year)
        if freq == "H":
            return _HALF[lang][0 if d.month <= 6 else 1].format(y=d.year)
        return _month(d, lang)
    if kind == "ytd":
        d = _date(v)
        first = _babel_date(dt.date(d.year, 1, 1), "LLLL", lang)
        if d.month == 1:
            return _month(d, lang)
        return f"{first}–{_month(d, lang)}"
    raise ValueError(f"unknown format kind {kind!r} for value {key!r}")


# -- country names in sentences ---------------------------------------------------------------
_FR_MASC_E = {"Mexique", "Cambodge", "Mozambique", "Zimbabwe", "Belize"}


def fr_article(name: str, case: str = "") -> str:
    """``le Mexique`` / ``la Chine`` / ``l'Allemagne`` / ``les Pays-Bas``; ``case='de'`` gives
    ``du Mexique`` / ``de la Chine`` / ``de l'Allemagne`` / ``des Pays-Bas``.

    The usual rule for country names (feminine when ending in -e, with the listed exceptions);
    groupings (``Total mondial``) take ``le``."""
    first = name.split()[0] if name else name
    if first in ("Total", "Groupe"):
        art, base = "le", name[:1].lower() + name[1:]
    elif first.endswith("s") and first not in ("Maurice", "Laos"):
        art, base = "les", name
    elif name[:1] in "AEIOUÉÈÎÔaeiouéèîô":
        art, base = "l'", name
    elif first.endswith("e") and first not in _FR_MASC_E:
        art, base = "la", name
    else:
        art, base = "le", name
    if case == "de":
        art = {"le": "du", "les": "des", "la": "de la", "l'": "de l'"}[art]
    return f"{art}{base}" if art.endswith("'") else f"{art} {base}"


#: Names that are not country names in a sentence: (plain, "of" form) per language.
NAME_FORMS: dict[str, dict[str, tuple[str, str]]] = {
    "World total": {"en": ("the world", "the world's")},
    "Total mundial": {"es": ("el mundo", "del mundo")},
    "Total mondial": {"fr": ("le monde", "du monde")},
}

#: Agreement endings by grammatical gender (ms, fs, mp, fp): French and Spanish past participles
#: ("classé{agr}" -> classée; "superad{agr}" -> superada); English has none.
AGREEMENT: dict[str, dict[str, str]] = {
    "fr": {"ms": "", "fs": "e", "mp": "s", "fp": "es"},
    "es": {"ms": "o", "fs": "a", "mp": "os", "fp": "as"},
    "en": {"ms": "", "fs": "", "mp": "", "fp": ""},
}
#: Subject pronouns by gender (French "où elles étaient"; Spanish and English need none).
PRONOUNS: dict[str, dict[str, str]] = {
    "fr": {"ms": "il", "fs": "elle", "mp": "ils", "fp": "elles"},
    "es": {"ms": "", "fs": "", "mp": "", "fp": ""},
    "en": {"ms": "it", "fs": "it", "mp": "they", "fp": "they"},
}


@cache
def partner_names() -> dict[str, dict[str, str]]:
    """``names.toml``: partner code -> French/Spanish forms and grammatical genders."""
    text = resources.files(__package__).joinpath("names.toml").read_text(encoding="utf-8")
    return {str(k): {str(a): str(b) for a, b in v.items()} for k, v in tomllib.loads(text).items()}


def _fr_gender(with_article: str, name: str) -> str:
    if with_article.startswith("les "):
        return "mp"
    if with_article.startswith("la "):
        return "fs"
    if with_article.startswith("l'"):
        first = name.split()[0] if name else name
        return "fs" if first.endswith("e") and first not in _FR_MASC_E else "ms"
    return "ms"


def name_forms(label: str, lang: str, code: str | None = None) -> dict[str, str]:
    """The forms of a partner name a template may use: ``x``, ``X`` (sentence start), ``x_de``,
    and the agreement ending ``agr`` of its grammatical gender (``names.toml``; French: else
    from the article)."""
    over = partner_names().get(code or "", {})
    special = NAME_FORMS.get(label, {}).get(lang)
    gender = "ms"
    if special is not None:
        plain, de = special
    elif lang == "fr":
        plain = over.get("fr") or fr_article(label)
        de = over.get("fr_de") or fr_article(label, "de")
        gender = over.get("fr_gender") or _fr_gender(plain, label)
    elif lang == "es":
        plain = over.get("es") or label
        de = f"de {plain}".replace("de el ", "del ")
        gender = over.get("es_gender") or "ms"
    else:
        plain, de = label, f"{label}'s"
    return {
        "": plain,
        "cap": plain[:1].upper() + plain[1:],
        "de": de,
        "agr": AGREEMENT[lang][gender],
        "gender": gender,
    }


# -- templates --------------------------------------------------------------------------------
@cache
def templates() -> dict[str, Any]:
    """``templates.toml``: ``[variant.lang]`` tables with ``headline`` and ``sentences``."""
    text = resources.files(__package__).joinpath("templates.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


#: Labels that are legitimately empty (agreement endings, English has none).
_MAY_BE_EMPTY = {"agr", "agr_subject", "agr_other", "at_least", "both"}


def _fill(
    tpl: str, values: Mapping[str, Value], labels: Mapping[str, str], lang: str
) -> str | None:
    missing = False

    def sub(m: re.Match[str]) -> str:
        nonlocal missing
        key, kind = m.group(1), m.group(2)
        if kind is None:
            if key not in labels:
                raise KeyError(f"template label {{{key}}} not provided")
            if labels[key] == "" and key not in _MAY_BE_EMPTY:
                missing = True  # a sentence naming something unnamed is dropped
            return labels[key]
        if values.get(key) is None:
            missing = True
            return ""
        return fmt(values, key, kind, lang)

    out = _PLACEHOLDER.sub(sub, tpl)
    return None if missing else out


def render(
    variant: str, values: Mapping[str, Value], labels: Mapping[str, Mapping[str, str]]
) -> tuple[dict[str, str], dict[str, str]]:
    """(headline, text) per language for a template ``variant``.

    A sentence is a list entry ``[condition, text]``: it is kept when ``values[condition]`` is
    truthy (``""`` = always), and dropped if a value it formats is missing."""
    spec = templates()[variant]
    headline: dict[str, str] = {}
    text: dict[str, str] = {}
    for lang in LANGS:
        tl = spec[lang]
        h = _fill(tl["headline"], values, labels[lang], lang)
        if h is None:
            raise ValueError(f"{variant}: headline needs a value that is missing: {dict(values)}")
        headline[lang] = h
        parts: list[str] = []
        for cond, sentence in tl["sentences"]:
            if cond and not _truthy(values, cond):
                continue
            s = _fill(sentence, values, labels[lang], lang)
            if s is not None:
                parts.append(s)
        text[lang] = " ".join(parts)
    return headline, text


def _truthy(values: Mapping[str, Value], cond: str) -> bool:
    """``key`` (truthy), ``!key`` (falsy but present), ``key=literal``."""
    if cond.startswith("!"):
        k = cond[1:]
        return k in values and values[k] is not None and not values[k]
    if "=" in cond:
        k, lit = cond.split("=", 1)
        return str(values.get(k)) == lit
    return bool(values.get(cond))
