"""Stories that differ only in the flow, merged into one (issue #14).

Records, streaks and year-over-year moves of the same partner (and mode, port, ...), period and
direction for exports, imports and exports plus imports are one story: "U.S. exports to and
imports from Mexico both reached highs in 2024". The merged finding names the flows in its
headline (``flows_<type>_<direction>`` templates, en/es/fr), keeps each flow's paragraph in its
text, carries each flow's numbers as ``<flow>__<key>`` in ``values``, and takes the best
score of its parts (``score_parts.merged`` = how many stories it replaces).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from norte.findings.model import LANGS, Finding, Value
from norte.findings.text import AGREEMENT, render
from norte.findings.wording import AT_LEAST, PERIOD_UNITS

#: The flows that tell the same story, in the order the merged text gives them.
FLOWS = ("export", "import", "total")
_AND = {"en": "and", "es": "y", "fr": "et"}
_BOTH = {"en": ("both", "all"), "es": ("", ""), "fr": ("", "")}


def _direction(f: Finding) -> str:
    if f.type == "record":
        return str(f.subject.get("record", ""))
    if f.type == "streak":
        return str(f.subject.get("direction", ""))
    change = f.values.get("change_pct")
    return "up" if isinstance(change, (int, float)) and change > 0 else "down"


def _join(names: list[str], lang: str) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {_AND[lang]} {names[-1]}"


Names = Mapping[str, Mapping[str, str]]
Fields = Mapping[str, Mapping[str, Mapping[str, str]]]


def _flows_label(
    group: list[Finding], names: Names, fields: Fields, phrases: Mapping[str, Any], lang: str
) -> str:
    """The flows named together: a ``[flow_phrases]`` entry for the set of flows and the
    export's base id when there is one ("U.S. exports to and imports from Mexico"), else each
    flow's series name joined with "and"."""
    flows = [f.subject["flow"] for f in group]
    export = next((f for f in group if f.subject["flow"] == "export"), None)
    if export is not None:
        base = export.indicators[0].split(".")[0]
        entry = phrases.get(base, {}).get("+".join(flows))
        if isinstance(entry, Mapping) and lang in entry:
            return str(entry[lang]).format(**dict(fields.get(export.id, {}).get(lang, {})))
    said = [names.get(f.id, {}).get(lang, "") for f in group]
    return _join(said, lang)


def merge_flow_twins(
    findings: list[Finding], names: Names, fields: Fields, phrases: Mapping[str, Any]
) -> list[Finding]:
    """The findings with every group of flow twins replaced by one merged finding.

    ``names``: finding id -> {lang: the series' name in a sentence}; ``fields``: finding id ->
    {lang: the names a ``[flow_phrases]`` entry may use (partner, mode_by, ...)}."""
    groups: dict[tuple[str, str, str, str, tuple[tuple[str, str], ...]], list[Finding]] = {}
    for f in findings:
        if f.type in ("record", "streak", "yoy_move") and f.subject.get("flow") in FLOWS:
            rest = tuple(sorted((k, v) for k, v in f.subject.items() if k != "flow"))
            groups.setdefault((f.type, f.period, f.freq, _direction(f), rest), []).append(f)
    merged: dict[str, Finding] = {}
    gone: set[str] = set()
    for (type_, _period, _freq, direction, rest), group in groups.items():
        by_flow: dict[str, Finding] = {}
        for f in group:
            by_flow.setdefault(f.subject["flow"], f)
        if len(by_flow) < 2:
            continue
        ordered = [by_flow[x] for x in FLOWS if x in by_flow]
        best = max(ordered, key=lambda f: (f.score, -FLOWS.index(f.subject["flow"])))
        values: dict[str, Value] = {
            "variant": f"flows_{type_}_{direction}",
            "period_start": best.values["period_start"],
            "freq": best.freq,
            "flows": "+".join(f.subject["flow"] for f in ordered),
            "source_newest": best.values.get("source_newest"),
        }
        for f in ordered:
            values |= {f"{f.subject['flow']}__{k}": v for k, v in f.values.items()}
        runs = [r for f in ordered if isinstance(r := f.values.get("run"), int)]
        if runs:  # a merged streak: at least the shortest unbroken run of its flows
            values["run"] = min(runs)
            values["at_least"] = any(bool(f.values.get("at_least")) for f in ordered)
        labels: dict[str, dict[str, str]] = {}
        for lang in LANGS:
            flows = _flows_label(ordered, names, fields, phrases, lang)
            labels[lang] = {
                "Flows": flows[:1].upper() + flows[1:],
                "both": _BOTH[lang][0 if len(ordered) == 2 else 1],
                "agr": AGREEMENT[lang]["fp"],
                "at_least": AT_LEAST[lang] if values.get("at_least") else "",
                "units": PERIOD_UNITS[lang].get(best.freq, ""),
            }
        headline, _ = render(str(values["variant"]), values, labels)
        m = Finding(
            type=type_,
            subject=dict(rest) | {"flow": str(values["flows"])},
            period=best.period,
            period_start=best.period_start,
            freq=best.freq,
            values=values,
            indicators=[i for f in ordered for i in f.indicators],
            sources=sorted(
                {tuple(sorted(s.items())): s for f in ordered for s in f.sources}.values(),
                key=lambda s: (s["source"], s["dataset"], s["vintage"]),
            ),
            score=best.score,
            score_parts=dict(best.score_parts) | {"merged": float(len(ordered))},
            headline=headline,
            text={lang: " ".join(f.text[lang] for f in ordered) for lang in LANGS},
        )
        m.newest = best.newest
        merged[best.id] = m
        gone |= {f.id for f in ordered}
    out: list[Finding] = []
    for f in findings:
        if f.id in merged:
            out.append(merged[f.id])
        elif f.id not in gone:
            out.append(f)
    return out
