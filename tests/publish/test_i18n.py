"""The translation catalogs are complete and consistent; numbers and dates follow the locale."""

from __future__ import annotations

import datetime as dt
import string

import pytest

from norte.publish.i18n import LANGUAGES, Translator, catalog


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_catalog_has_every_key_and_placeholder_of_english(lang: str) -> None:
    en, other = catalog("en"), catalog(lang)
    assert set(other) == set(en), set(en) ^ set(other)
    for key, text in en.items():
        assert _fields(other[key]) == _fields(text), key
        if len(text) > 12 and key not in ("chart_png", "chart_svg", "csv"):
            # a translation identical to English is an untranslated string (names excepted)
            assert other[key] != text or key in {
                "nav_sources",
                "chart_sources",
                "col_source",
                "col_format",
                "chart_rows",
                "chart_rows_one",
                "col_document",
            }, key


def test_numbers_and_dates_are_locale_formatted() -> None:
    assert Translator("en").num(1234.5, 1) == "1,234.5"
    assert Translator("es").num(1234.5, 1) == "1.234,5"
    assert Translator("fr").num(1234.5, 1).replace("\u202f", " ").replace("\xa0", " ") == "1 234,5"
    assert Translator("en").usd(226.4e9) == "$226.4 bn"
    assert Translator("es").month(dt.date(2024, 1, 1)) == "enero 2024"
    assert Translator("fr").month(dt.date(2024, 1, 1)) == "janvier 2024"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(KeyError, match="no translation catalog"):
        catalog("de")
