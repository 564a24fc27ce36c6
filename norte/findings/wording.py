"""Wording: the labels a template needs (names of partners, series, ports, months), rendered
in en/es/fr through :func:`norte.findings.text.render`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from babel.dates import format_date

from norte.findings.ctx import Ctx
from norte.findings.model import LANGS, Finding
from norte.findings.text import AGREEMENT, LOCALES, PRONOUNS, fmt, name_forms, render

PLACE_WORDS = {
    "en": ("largest", "second-largest", "third-largest"),
    "es": ("mayor", "segundo mayor", "tercer mayor"),
    "fr": ("premier", "deuxième", "troisième"),
}
AT_LEAST = {"en": "at least ", "es": "al menos ", "fr": "au moins "}
MOVE = {"en": ("rise", "fall"), "es": ("subida", "caída"), "fr": ("hausse", "baisse")}
BOTH = {"en": ("both", "all"), "es": ("", ""), "fr": ("", "")}
SIDE = {
    "en": ("above", "below"),
    "es": ("por encima de", "por debajo de"),
    "fr": ("au-dessus de", "en dessous de"),
}
PERIOD_UNITS = {
    "en": {"M": "months", "H": "half-years", "Q": "quarters", "A": "years"},
    "es": {"M": "meses", "H": "semestres", "Q": "trimestres", "A": "años"},
    "fr": {"M": "mois", "H": "semestres", "Q": "trimestres", "A": "ans"},
}


def _phrase(ctx: Ctx, f: Finding) -> Mapping[str, Any] | None:
    """The ``[phrases]`` entry naming the finding's series (split by flow when it is)."""
    entry = ctx.cfg.get("phrases", {}).get(f.indicators[0].split(".")[0])
    if isinstance(entry, Mapping) and "en" not in entry:
        entry = entry.get(f.subject.get("flow", ""))
    return entry if isinstance(entry, Mapping) and "en" in entry else None


def phrase_fields(ctx: Ctx, f: Finding, lang: str) -> dict[str, str]:
    """The names a phrase may use: partner (French with its article), port, mode."""
    partner = f.subject.get("partner")
    forms = name_forms(ctx.name(partner, lang), lang, partner) if partner else {}
    port = f.subject.get("geo_code", "")
    mode = f.subject.get("mode", "")
    mode_by = ctx.cfg.get("modes", {}).get(mode, {}).get(lang)
    return {
        "partner": forms.get("", ""),
        "partner_de": forms.get("de", ""),
        "port": ctx.ports.get(port, {}).get(lang, port),
        "mode_by": str(mode_by) if mode_by else ctx.name(mode, lang),
    }


def _es_contract(text: str) -> str:
    return text.replace(" a el ", " al ").replace(" de el ", " del ")


def what(ctx: Ctx, f: Finding, lang: str) -> tuple[str, str, str]:
    """(what, whole, gender): the series named in a sentence ("truck crossings into the U.S.
    at Laredo, Texas"), the aggregate it is part of, and its grammatical gender."""
    fields = phrase_fields(ctx, f, lang)
    entry = _phrase(ctx, f)
    if entry is not None:
        text = str(entry[lang]).format(**fields)
        whole_tpl = entry.get("whole", {}).get(lang, "")
        whole = str(whole_tpl).format(**fields)
        if lang == "es":
            text, whole = _es_contract(text), _es_contract(whole)
        return text, whole, str(entry.get("gender", "fp"))
    # no phrase: the catalog title up to the first comma, with every breakdown member named
    base = f.indicators[0].split(".")[0]
    d = ctx.defs.get(base)
    title = d.title.get(lang, d.id) if d else f.indicators[0]
    title = title.replace("{partner_name}", ctx.name(f.subject.get("partner", ""), lang))
    title = title.split(",")[0]
    named = [
        fields["port"] if f.subject.get("geo_code") else "",
        fields["mode_by"] if f.subject.get("mode") else "",
    ]
    extra = ", ".join(n for n in named if n)
    return (f"{title} ({extra})" if extra else title), "", "fp"


_AND = {"en": "and", "es": "y", "fr": "et"}


def _month_list(f: Finding, which: str, lang: str) -> str:
    """The names of the months of a ``lead_months`` finding ("July and August"): every month
    (``which=""``: keys ``month_<k>``) or one group (``both``, ``only_earliest``, ``uncovered``,
    ``gained``: keys ``<group>_month_<k>``)."""
    prefix = f"{which}_month_" if which else "month_"
    chosen = sorted(
        str(v) for k, v in f.values.items() if k.startswith(prefix) and isinstance(v, str)
    )
    names = [
        str(format_date(dt.date.fromisoformat(m), format="LLLL", locale=LOCALES[lang]))
        for m in chosen
    ]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {_AND[lang]} {names[-1]}"


def word(ctx: Ctx, f: Finding, spec: Mapping[str, Any] | None) -> None:
    labels: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        lab: dict[str, str] = {}
        for role, key in (("subject", "partner"), ("other", "other")):
            code = f.subject.get(key)
            if code and f.type in ("rank_change", "revision", "lead_months"):
                forms = name_forms(ctx.name(code, lang), lang, code)
                lab[role] = forms[""]
                lab[role.capitalize()] = forms["cap"]
                lab[f"of_{role}"] = forms["de"]
                lab[f"agr_{role}"] = forms["agr"]
        if f.type == "lead_months":
            lab["months_list"] = _month_list(f, "", lang)
            for key in ("both", "only_earliest", "uncovered", "gained"):
                lab[f"months_{key}_list"] = _month_list(f, key, lang)
            lab["months_both_dated"] = _months_dated(f, lang)
        if spec is not None:
            place = int(str(f.values.get("place") or 1))
            lab["place"] = f"{PLACE_WORDS[lang][place - 1]} {spec['place'][lang]}"
            lab["valname"] = str(spec["value"][lang])
        else:
            name, whole, gender = what(ctx, f, lang)
            lab["what"], lab["What"] = name, name[:1].upper() + name[1:]
            lab["whole"] = whole
            lab["agr"] = AGREEMENT[lang].get(gender, "")
            lab["they"] = PRONOUNS[lang].get(gender, "")
            lab["They"] = lab["they"][:1].upper() + lab["they"][1:]
        z = f.values.get("z")
        if isinstance(z, float):
            lab["side"] = SIDE[lang][0 if z > 0 else 1]
        lab["units"] = PERIOD_UNITS[lang].get(f.freq, "")
        lab |= _story_labels(ctx, f, lang)
        labels[lang] = lab
    f.headline, f.text = render(str(f.values["variant"]), f.values, labels)


_VINTAGE_OF = {"en": "vintage of {d}", "es": "versión del {d}", "fr": "millésime du {d}"}


def _months_dated(f: Finding, lang: str) -> str:
    """ "October (vintage of August 6, 2024) and November (vintage of …)": each month of the
    ``both`` group with its own earliest vintage (``both_vintage_<k>``), when they differ."""
    out: list[str] = []
    k = 1
    while isinstance(m := f.values.get(f"both_month_{k}"), str):
        v = f.values.get(f"both_vintage_{k}")
        name = str(format_date(dt.date.fromisoformat(m), format="LLLL", locale=LOCALES[lang]))
        if isinstance(v, str):
            vals = {"d": v, "d_estimated": f.values.get(f"both_vintage_{k}_estimated")}
            name += f" ({_VINTAGE_OF[lang].format(d=fmt(vals, 'd', 'vday', lang))})"
        out.append(name)
        k += 1
    if len(out) <= 1:
        return "".join(out)
    return f"{', '.join(out[:-1])} {_AND[lang]} {out[-1]}"


def _story_labels(ctx: Ctx, f: Finding, lang: str) -> dict[str, str]:
    """Labels of the rules of issue #14: "at least" (a streak across a gap or from the first
    figures), the break's other code by name, a documented break's note, rise/fall words."""
    v = f.values
    lab = {"at_least": AT_LEAST[lang] if v.get("at_least") else ""}
    other = v.get("break_other")
    if isinstance(other, str):
        # the port's name, never its code in a sentence (every number comes from values)
        lab["break_other_name"] = ctx.ports.get(other, {}).get(lang, "")
    note = v.get("break_note_" + lang)
    lab["break_note"] = str(note) if isinstance(note, str) else ""
    up = v.get("direction", "up") == "up"
    lab["move"] = MOVE[lang][0 if up else 1]
    lab["updown"] = SIDE[lang][0 if up else 1]
    lab["ref_updown"] = SIDE[lang][0 if v.get("reference_up") else 1]
    # light_change: the goal's and the light's names, colours, grade (lights.py); mirror_gap:
    # the signed percents and which side is larger (gaps.py)
    if f.type in ("light_change", "mirror_gap"):
        suffix = f"_{lang}"
        lab |= {k[: -len(suffix)]: str(x) for k, x in v.items() if k.endswith(suffix)}
    return lab
