"""Every number in every sentence, in en/es/fr, is one of the finding's values as displayed."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from babel.numbers import parse_decimal

from norte.findings import Finding
from norte.findings.model import LANGS
from norte.findings.text import LOCALES, fmt
from tests.findings.conftest import Built, Subset

NUMBER = re.compile(r"\d[\d.,\u00a0\u202f]*\d|\d")


def numbers(text: str, lang: str) -> list[tuple[str, Decimal]]:
    """(token, value) of every number in ``text``, parsed in the language's locale."""
    out = []
    for m in NUMBER.finditer(text):
        token = m.group(0)
        out.append((token, parse_decimal(token, locale=LOCALES[lang], strict=False)))
    return out


def supported(x: Decimal, token: str, lang: str, f: Finding) -> bool:
    """Is ``x`` a value of ``f`` (absolute, in units, millions, billions or trillions, rounded to
    the decimals shown), or a year/day of a date in its values?"""
    sep = "." if lang == "en" else ","
    shown = len(token.rsplit(sep, 1)[1]) if sep in token else 0
    for v in f.values.values():
        if isinstance(v, bool) or v is None:
            continue
        if isinstance(v, int | float):
            for scale in (1, 1e6, 1e9, 1e12):
                if round(Decimal(abs(v) / scale), shown) == x:
                    return True
        elif isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            d = dt.date.fromisoformat(v)
            if x in (d.year, d.day):
                return True
    return False


def test_parse_locale_numbers() -> None:
    assert numbers("US$1,234.5 billion", "en") == [("1,234.5", Decimal("1234.5"))]
    assert numbers("1\u00a0234,5 milliards", "fr") == [("1\u00a0234,5", Decimal("1234.5"))]
    assert numbers("26,5 mil millones", "es") == [("26,5", Decimal("26.5"))]


def test_an_unsupported_number_is_caught(built: Built) -> None:
    """The checker fails a sentence whose number is not in values (so the main test can fail)."""
    f = next(x for x in built.latest if "value" in x.values)
    assert not supported(Decimal("123.4"), "123.4", "en", f)
    bad = f.text["en"].replace(fmt(f.values, "value", "amount", "en"), "US$1.1 billion")
    assert bad != f.text["en"]
    assert not all(supported(x, t, "en", f) for t, x in numbers(bad, "en"))


def _check_all(findings: list[Finding]) -> int:
    checked = 0
    for f in findings:
        for lang in LANGS:
            for text in (f.headline[lang], f.text[lang]):
                for token, x in numbers(text, lang):
                    assert supported(x, token, lang, f), (f.id, lang, token, text, f.values)
                    checked += 1
    return checked


def test_every_number_in_every_sentence(built: Built) -> None:
    assert _check_all(built.latest + built.first) > 1000


def test_every_number_in_every_sentence_all_sources(subset: Subset) -> None:
    """The same over every source's findings: ports, modes, INEGI, months ahead."""
    types = {f.type for f in subset.findings}
    assert {"lead_months", "yoy_move", "streak", "record", "rank_change"} <= types
    assert any("geo_code" in f.subject for f in subset.findings)
    assert any(f.indicators[0].startswith("mx-vehicle") for f in subset.findings)
    assert _check_all(subset.findings) > 1000


@pytest.mark.parametrize("lang", LANGS)
def test_claims_follow_flags(built: Built, lang: str) -> None:
    first_words = {"en": "the first time", "es": "la primera vez", "fr": "la première fois"}
    for f in built.latest:
        variant = str(f.values["variant"])
        if variant.startswith("rank_change_neck"):  # a close call: margin within the revision
            assert float(f.values["max_margin"]) < float(f.values["revision"])  # type: ignore[arg-type]
            continue
        if variant.startswith("flows_"):  # merged flows: every flow moved the way it says
            up = variant.endswith(("_up", "_high"))
            for flow in str(f.values["flows"]).split("+"):
                change = f.values.get(f"{flow}__change_pct")
                if isinstance(change, float):
                    assert (change > 0) == up, f.headline[lang]
            continue
        if f.type == "rank_change":
            said = first_words[lang] in f.text[lang].lower()
            assert said == bool(f.values["first_in_series"]), f.text[lang]
            assert float(f.values["value"]) != float(f.values["comparison"])  # type: ignore[arg-type]
            leader_is_subject = f.values["leader"] == f.subject["partner"]
            assert (float(f.values["value"]) > float(f.values["comparison"])) == leader_is_subject  # type: ignore[arg-type]
        if f.type == "yoy_move":
            up = variant.startswith("yoy_move_up") or f.values.get("direction") == "up"
            assert (float(f.values["change_pct"]) > 0) == up  # type: ignore[arg-type]
        if f.type == "lead_months":
            said = {"en": "first time", "es": "primera vez", "fr": "une première"}[lang] in (
                f.headline[lang]
            )
            assert said == bool(f.values["first_year"]), f.headline[lang]
            for k in range(1, int(f.values["months"]) + 1):  # type: ignore[arg-type]
                assert float(f.values[f"value_{k}"]) > float(f.values[f"comparison_{k}"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("unit", "value", "want"),
    [
        # StatCan's trade with the U.S. (C$) and LFS employment June 2026 (21,139.7 thousand)
        (
            "CAD",
            618_238_000_000.0,
            {
                "en": "C$618.2 billion",
                "es": "618,2 mil millones de dólares canadienses",
                "fr": "618,2 milliards de dollars canadiens",
            },
        ),  # noqa: E501
        (
            "persons",
            21_139_700.0,
            {
                "en": "21.1 million persons",
                "es": "21,1 millones de personas",
                "fr": "21,1 millions de personnes",
            },
        ),  # noqa: E501
        (
            "jobs",
            159_000_000.0,
            {
                "en": "159.0 million jobs",
                "es": "159,0 millones de empleos",
                "fr": "159,0 millions d'emplois",
            },
        ),  # noqa: E501
        (
            "vehicles",
            312_456.0,
            {"en": "312,456 vehicles", "es": "312.456 vehículos", "fr": "312\u00a0456 véhicules"},
        ),  # noqa: E501
    ],
)
def test_amounts_other_than_usd_read_as_people_read_them(
    unit: str, value: float, want: dict[str, str]
) -> None:
    """A finding's amount in C$, persons or jobs is scaled like US$ (not 618,238,000,000 CAD),
    and each shown number is one the number check accepts (the value in billions/millions)."""
    for lang in LANGS:
        got = fmt({"value": value, "unit": unit}, "value", "amount", lang)
        assert got == want[lang], (lang, got)
        (token, x), *_ = numbers(got, lang)
        f = Finding.__new__(Finding)
        object.__setattr__(f, "values", {"value": value})
        assert supported(x, token, lang, f), (lang, token)


@pytest.mark.parametrize("lang", LANGS)
def test_kept_number_texts_are_babels(lang: str) -> None:
    """Number and date texts are kept between calls (text._babel_num, text._babel_date): each
    text is still exactly Babel's, including values equal as numbers but not as text (-0.0 and
    0.0, 1 and 1.0), asked in both orders, and repeats are served from what was kept."""
    from babel.dates import format_date
    from babel.numbers import format_decimal

    from norte.findings import text

    values: list[float] = [0.0, -0.0, 1, 1.0, 0.1 + 0.2, 1234567.25, 1e16, 2.5, -2.5, 0.05]
    for order in (values, values[::-1]):
        for x in order:
            for digits in (0, 1, 2):
                pattern = "#,##0" + ("." + "0" * digits if digits else "")
                want = format_decimal(x, format=pattern, locale=LOCALES[lang])
                assert text._num(x, digits, lang) == want, (x, digits)
    before = text._babel_num.cache_info().hits
    text._num(1234567.25, 1, lang)
    assert text._babel_num.cache_info().hits == before + 1
    d = dt.date(2023, 10, 1)
    assert fmt({"p": "2023-10-01"}, "p", "day", lang) == format_date(
        d, format="long", locale=LOCALES[lang]
    )
    want_month = format_date(
        d, format="LLLL 'de' y" if lang == "es" else "LLLL y", locale=LOCALES[lang]
    )
    assert fmt({"p": "2023-10-01"}, "p", "month", lang) == want_month
