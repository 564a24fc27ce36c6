"""The agencies' own published schedule formats, read into release dates for ``norte calendar``.

Each parser turns the body an agency publishes into ``(release date, period)`` pairs, or raises
:class:`InputError` naming the URL and what was expected (the caller then keeps the estimate
and warns). The shapes, as the agencies publish them:

- **Census FT-900** (joint with BEA) — BEA's machine-readable release dates,
  ``https://apps.bea.gov/API/signup/release_dates.json``: ``{"U.S. International Trade in
  Goods and Services": {"release_dates": ["2026-02-05T08:30:00-05:00", ...]}, "Gross
  Domestic Product": {...}, ...}``. The file does not say which month a date covers: the
  FT-900 covers the month two months before its release month (about 35 days after the month
  ends: a release on 5 Feb covers December).
- **StatCan "The Daily"** — the "Upcoming releases" page
  (``https://www150.statcan.gc.ca/n1/dai-quo/cal2-eng.htm``): a range heading ``April 23 to
  May 3, 2019``, then day headings (``April 23``) each followed by the titles released that
  day, the period in the title (``Canadian international merchandise trade, February 2019``).
- **BTS TransBorder** — the TransBorder page (``https://www.bts.gov/transborder``): ``June
  2016 data are the most recent data. The next data release will be on Thursday, September
  22, 2016.`` (the next release adds the month after the most recent one).
- **INEGI "Calendario de difusión"** — no machine-readable shape of it could be confirmed: no
  parser; point ``[calendar.online]`` at a JSON copy in norte's own shape
  (``{"releases": [{"date": ..., "period": ...}]}``) or keep the estimate.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Callable

from norte.errors import InputError

Releases = list[tuple[dt.date, dt.date]]
_NAMES = "january february march april may june july august september october november december"
MONTHS = {m: i for i, m in enumerate(_NAMES.split(), 1)}
_MONTH = "(" + "|".join(m.capitalize() for m in MONTHS) + ")"


def _month_back(day: dt.date, n: int) -> dt.date:
    m = day.year * 12 + day.month - 1 - n
    return dt.date(m // 12, m % 12 + 1, 1)


def bea_release_dates(body: bytes, url: str, release: str) -> Releases:
    """The dates of ``release`` (matched without case, e.g. ``international trade in goods
    and services``) in BEA's ``release_dates.json``; each covers the month two months before
    its release month."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InputError(
            url, "body", "not JSON", expected='BEA\'s {"NAME": {"release_dates": [...]}}'
        ) from None
    if not isinstance(data, dict):
        raise InputError(url, "body", "not a JSON object", expected="BEA's release dates")
    names = [k for k in data if release in str(k).lower()]
    if not names:
        raise InputError(
            url,
            "body",
            f"no release named like {release!r} (found: {', '.join(sorted(data)[:8])})",
            expected="BEA's release dates with the FT-900",
        )
    out: Releases = []
    for name in names:
        item = data[name]
        dates = item.get("release_dates") if isinstance(item, dict) else None
        if not isinstance(dates, list):
            raise InputError(url, f"{name}.release_dates", "missing or not a list")
        for i, text in enumerate(dates):
            try:
                day = dt.datetime.fromisoformat(str(text)).date()
            except ValueError:
                raise InputError(
                    url,
                    f"{name}.release_dates[{i}]",
                    f"{text!r} is not a date-time",
                    expected="ISO 8601, e.g. 2026-02-05T08:30:00-05:00",
                ) from None
            out.append((day, _month_back(day, 2)))
    return sorted(set(out))


def _text_lines(body: bytes) -> list[str]:
    """The lines of an HTML page's text (tags dropped, entities decoded, blanks left out)."""
    text = body.decode("utf-8", "replace")
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
    text = re.sub(r"(?i)<(br|/p|/li|/h\d|/div|/tr|/dt|/dd)\b[^>]*>", "\n", text)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


_RANGE = re.compile(rf"^{_MONTH} (\d{{1,2}})(?:, (\d{{4}}))? to {_MONTH} (\d{{1,2}}), (\d{{4}})$")
_DAY = re.compile(rf"^{_MONTH} (\d{{1,2}})$")


def statcan_upcoming(body: bytes, url: str, title: str) -> Releases:
    """The releases titled ``title`` (e.g. ``Canadian international merchandise trade``) on
    The Daily's "Upcoming releases" page, each with the month its title names."""
    lines = _text_lines(body)
    span = next((m for m in map(_RANGE.match, lines) if m), None)
    if span is None:
        raise InputError(
            url,
            "body",
            "no date range heading",
            expected="The Daily's upcoming releases ('April 23 to May 3, 2019')",
        )
    end = dt.date(int(span[6]), MONTHS[span[4].lower()], int(span[5]))
    start_year = int(span[3]) if span[3] else end.year
    start = dt.date(start_year, MONTHS[span[1].lower()], int(span[2]))
    if start > end:  # "December 22 to January 2, 2026"
        start = start.replace(year=end.year - 1)
    named = re.compile(rf"^(?:\d+\. )?(?:\(lockup\) )?{re.escape(title)}, {_MONTH} (\d{{4}})\b")
    out: Releases = []
    day: dt.date | None = None
    for line in lines:
        d = _DAY.match(line)
        if d:
            month, dom = MONTHS[d[1].lower()], int(d[2])
            day = dt.date(start.year, month, dom)
            if day < start:
                day = day.replace(year=end.year)
            continue
        m = named.match(line)
        if m and day is not None:
            out.append((day, dt.date(int(m[2]), MONTHS[m[1].lower()], 1)))
    if not out:
        raise InputError(
            url,
            "body",
            f"no release titled {title!r} between {start} and {end}",
            expected=f"a line '{title}, MONTH YYYY' under a day heading",
        )
    return sorted(set(out))


_BTS = re.compile(
    rf"{_MONTH} (\d{{4}}) data are the most recent data\.\s*The next data release will be on"
    rf"(?: \w+,)? {_MONTH} (\d{{1,2}}), (\d{{4}})"
)


def bts_next_release(body: bytes, url: str) -> Releases:
    """The next TransBorder release the BTS page announces, with the month it adds."""
    m = _BTS.search(" ".join(_text_lines(body)))
    if m is None:
        raise InputError(
            url,
            "body",
            "no 'next data release' sentence",
            expected="'MONTH YYYY data are the most recent data. The next data release will "
            "be on WEEKDAY, MONTH D, YYYY.'",
        )
    latest = dt.date(int(m[2]), MONTHS[m[1].lower()], 1)
    day = dt.date(int(m[5]), MONTHS[m[3].lower()], int(m[4]))
    return [(day, _month_back(latest, -1))]


#: source -> the parser of its agency's published schedule
PARSERS: dict[str, Callable[[bytes, str], Releases]] = {
    "census": lambda b, u: bea_release_dates(b, u, "international trade in goods and services"),
    "statcan": lambda b, u: statcan_upcoming(b, u, "Canadian international merchandise trade"),
    "transborder": bts_next_release,
}
