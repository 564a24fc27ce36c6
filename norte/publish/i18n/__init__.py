"""UI strings in English, Spanish and French, and locale-aware number and date formatting.

The catalogs are plain TOML files, one per language (``en.toml``, ``es.toml``, ``fr.toml``),
flat ``key = "text"`` with ``{name}`` placeholders (``str.format``). TOML rather than gettext
``.po``/``.mo``: no compile step in the build, a translator edits one readable file, and a test
(``tests/publish/test_i18n.py``) checks that every language has exactly the keys of English and
the same placeholders. Numbers and dates are formatted by Babel with the language's locale
(``es``: ``1.234,5``; ``fr``: ``1 234,5``). Labels of codes (partners, datasets, measures)
come from the store's ``codes`` table (``label_en/es/fr``), not from here.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from markupsafe import Markup

LANGUAGES: tuple[str, ...] = ("en", "es", "fr")
LOCALES = {"en": "en_US", "es": "es_ES", "fr": "fr_CA"}
#: d3-format / d3-time-format locales used by vl-convert for chart axes
D3_LOCALES = {"en": "en-US", "es": "es-ES", "fr": "fr-CA"}
NATIVE_NAMES = {"en": "English", "es": "Español", "fr": "Français"}
DASH = "–"


@cache
def catalog(lang: str) -> dict[str, str]:
    """The UI strings of ``lang`` (``KeyError`` for a language norte does not ship)."""
    if lang not in LANGUAGES:
        raise KeyError(f"no translation catalog for {lang!r}; languages: {', '.join(LANGUAGES)}")
    text = resources.files(__package__).joinpath(f"{lang}.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    return {str(k): str(v) for k, v in data.items()}


@cache
def _percent_pattern(locale: str) -> str:
    pattern = str(Locale.parse(locale).percent_formats[None].pattern)
    return pattern.replace("#,##0", "#,##0.0", 1)


@dataclass(frozen=True)
class Translator:
    """Strings and formats of one language: ``t("key", name=...)``, ``num``, ``usd``, ..."""

    lang: str

    @property
    def locale(self) -> str:
        return LOCALES[self.lang]

    @property
    def d3(self) -> str:
        return D3_LOCALES[self.lang]

    def t(self, key: str, **values: object) -> str:
        """The text of ``key`` in this language, with ``{placeholders}`` filled in."""
        text = catalog(self.lang).get(key)
        if text is None:
            text = catalog("en")[key]  # a missing key in en raises KeyError: a bug
        if any(isinstance(v, Markup) for v in values.values()):
            # HTML pieces (``"<code>..</code>"|safe`` in a template): escape the catalog text
            # and the plain values, keep the pieces; the result is Markup, so Jinja's
            # autoescape does not turn the tags into text.
            return Markup.escape(text).format(**values)
        return text.format(**values) if values else text

    def num(self, v: float | int | None, digits: int | None = None) -> str:
        """A number in the locale (``digits`` decimals, or as many as needed)."""
        if v is None:
            return DASH
        fmt = None if digits is None else ("#,##0" + ("." + "0" * digits if digits else ""))
        return str(format_decimal(v, format=fmt, locale=self.locale))

    def usd(self, v: float | None, scale: str = "bn") -> str:
        """US$ in billions (``bn``) or millions (``mn``) with one decimal."""
        if v is None:
            return DASH
        div = 1e9 if scale == "bn" else 1e6
        text = self.t(f"usd_{scale}", value=self.num(abs(v) / div, 1))
        # the sign goes before the currency: "-$62.0 bn", not "$-62.0 bn"
        return "-" + text if v < 0 and round(abs(v) / div, 1) != 0 else text

    def amount(self, v: float | None, unit: str | None) -> str:
        """A value of ``unit`` as people read it, in the language: US$ and C$ in billions (or
        millions below a billion: ``C$618.2 bn``, ``618,2 mil millones de C$``), persons and
        jobs in millions from a million up (``21.1 million persons``), other units as a
        number followed by the unit's code."""
        if v is None:
            return DASH
        a = abs(v)
        if unit in ("USD", "CAD"):
            scale = "bn" if a >= 1e9 else "mn"
            if unit == "USD":
                return self.usd(v, scale)
            div = 1e9 if scale == "bn" else 1e6
            text = self.t(f"cad_{scale}", value=self.num(a / div, 1))
            return "-" + text if v < 0 and round(a / div, 1) != 0 else text
        if unit in ("persons", "jobs") and a >= 1e6:
            return self.t(f"mn_{unit}", value=self.num(v / 1e6, 1))
        return self.num(v, 2 if a < 100 else 0) + (f" {unit}" if unit else "")

    def pct(self, v: float | None) -> str:
        if v is None:
            return DASH
        # the locale's own percent pattern ("#,##0%" en, "#,##0 %" es/fr) with one decimal
        return str(format_percent(v, format=_percent_pattern(self.locale), locale=self.locale))

    def month(self, d: dt.date | None) -> str:
        """``January 2024`` / ``enero de 2024`` / ``janvier 2024``."""
        if d is None:
            return DASH
        return str(format_date(d, format="LLLL y", locale=self.locale))

    def timestamp(self, d: dt.datetime | None) -> str:
        """A moment as the locale writes it, to the minute (``Aug 6, 2024, 14:05``); naive
        datetimes are taken as UTC, as the store writes them."""
        if d is None:
            return DASH
        return f"{self.date(d)}, {d:%H:%M} UTC"

    def date(self, d: dt.date | dt.datetime | str | None) -> str:
        """A day in the locale's medium format (``Aug 6, 2024`` / ``6 ago 2024``); an ISO
        string (``2024-08-06``, as findings carry vintages) is read first."""
        if d is None:
            return DASH
        if isinstance(d, str):
            d = dt.date.fromisoformat(d[:10])
        day = d.date() if isinstance(d, dt.datetime) else d
        return str(format_date(day, format="medium", locale=self.locale))
