"""What a finding carries besides its story: a readable metadata line and its chart.

``meta`` (en/es/fr) replaces the internals line (``lead_months · score 84.1 · 66ccf6dc…``):
"Months ahead · 2023 · news value 84 of 100 · U.S. Census Bureau, release of February 6, 2025
(estimated date)". ``chart`` names what the site, the PDF and the feed draw for the finding:
the indicator's series with the finding's periods highlighted (``docs/findings.md``, "Chart").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from norte.findings.ctx import Ctx
from norte.findings.model import LANGS, Finding, Value, period_end
from norte.findings.text import fmt

TYPE_LABELS: dict[str, dict[str, str]] = {
    "rank_change": {"en": "Ranking change", "es": "Cambio de posición", "fr": "Changement de rang"},
    "revision": {"en": "Revised figures", "es": "Cifras revisadas", "fr": "Chiffres révisés"},
    "lead_months": {"en": "Months ahead", "es": "Meses por delante", "fr": "Mois en tête"},
    "record": {"en": "Record", "es": "Récord", "fr": "Record"},
    "yoy_move": {
        "en": "Change on a year earlier",
        "es": "Cambio interanual",
        "fr": "Variation sur un an",
    },
    "streak": {"en": "Streak", "es": "Racha", "fr": "Série"},
    "target_crossing": {"en": "Target crossed", "es": "Meta alcanzada", "fr": "Cible franchie"},
    "light_change": {
        "en": "Light changed colour",
        "es": "Cambio de color de la luz",
        "fr": "Voyant changé de couleur",
    },
    "mirror_gap": {
        "en": "Mirror gap out of its band",
        "es": "Brecha espejo fuera de su banda",
        "fr": "Écart miroir hors de sa bande",
    },
}
_SCORE = {
    "en": "news value {n} of 100",
    "es": "valor informativo {n} de 100",
    "fr": "valeur d'actualité {n} sur 100",
}
_RELEASE = {
    "en": ("release of {d}", "releases of {d}"),
    "es": ("publicación del {d}", "publicaciones del {d}"),
    "fr": ("publication du {d}", "publications du {d}"),
}
_AND = {"en": " and ", "es": " y ", "fr": " et "}
#: subject keys that say what kind of story it is, not which series
_NOT_SERIES = {
    "record",
    "direction",
    "place",
    "kind",
    "target",
    "other",
    "goal",
    "light",
    "release",
}


def meta_line(ctx: Ctx, f: Finding) -> dict[str, str]:
    """The metadata line per language: kind of story, period, news value, sources and the
    release dates of the numbers (each saying "estimated date" when norte estimated it)."""
    out: dict[str, str] = {}
    by_source: dict[str, list[str]] = {}
    for s in f.sources:
        by_source.setdefault(s["source"], []).append(s["vintage"])
    base = f.indicators[0].split(".")[0]
    srcs = ctx.sources_of(base)
    for lang in LANGS:
        period_vals: dict[str, Value] = {"p": f.period_start.isoformat(), "freq": f.freq}
        parts = [
            TYPE_LABELS.get(f.type, {}).get(lang, f.type),
            fmt(period_vals, "p", "period", lang),
            _SCORE[lang].format(n=fmt({"n": round(f.score)}, "n", "count", lang)),
        ]
        for source, vintages in sorted(by_source.items()):
            days = []
            for v in sorted(set(vintages)):
                vals: dict[str, Value] = {
                    "d": v,
                    "d_estimated": ctx.vint.is_estimated(srcs, dt.date.fromisoformat(v)),
                }
                days.append(fmt(vals, "d", "vday", lang))
            release = _RELEASE[lang][0 if len(days) == 1 else 1].format(d=_AND[lang].join(days))
            parts.append(f"{ctx.source_name(source, lang)}, {release}")
        out[lang] = " · ".join(parts)
    return out


def chart_of(f: Finding) -> dict[str, Any]:
    """The chart of a finding: ``indicator`` (and ``indicators`` for a merged story), the
    ``series`` (dimension codes; for a ranking the ``partners`` to draw), ``highlight`` (the
    periods the story is about, ISO dates), ``span`` (a streak's run), ``compare`` (the period
    the story compares with), ``breaks`` and ``gaps`` to mark."""
    v = f.values
    series = {k: x for k, x in f.subject.items() if k not in _NOT_SERIES and "+" not in x}
    chart: dict[str, Any] = {
        "indicator": f.indicators[0],
        "indicators": list(f.indicators),
        "freq": f.freq,
        "series": series,
        "highlight": [f.period_start.isoformat()],
    }
    if f.type in ("rank_change", "revision", "lead_months"):
        chart["partners"] = [p for p in (f.subject.get("partner"), f.subject.get("other")) if p]
        months = sorted(
            str(x) for k, x in v.items() if k.startswith("month_") and isinstance(x, str)
        )
        if months:
            chart["highlight"] = months
            chart["freq"] = "M"
    for key in ("previous_period", "since", "prev_record_period", "reference_period"):
        x = v.get(key)
        if isinstance(x, str):
            chart.setdefault("compare", []).append(x)
    if f.type == "streak" and isinstance(v.get("start"), str):
        end = period_end(f.period_start, f.freq)
        chart["span"] = {"from": v["start"], "to": end.isoformat()}
    if isinstance(v.get("break_start"), str):
        chart["breaks"] = [v["break_start"]]
    gaps = []
    for k in (1, 2):
        a, b = v.get(f"gap_{k}_start"), v.get(f"gap_{k}_end")
        if isinstance(a, str) and isinstance(b, str):
            gaps.append({"from": a, "to": b})
    if gaps:
        chart["gaps"] = gaps
    return chart
