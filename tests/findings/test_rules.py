"""The rules of issue #14, one test each, on small series built here (no store, no files):
breaks, gaps, neck and neck, base effects, "edged past", merged flows in en/es/fr. Each test
checks the story the rule tells and that the detector without the rule's input tells the
other one (so the test fails without the rule). Estimated dates: on the Census store."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from norte.findings.breaks import Break, detect_breaks, documented_breaks, series_key
from norte.findings.ctx import Ctx
from norte.findings.data import Series, Vintages
from norte.findings.detectors import config, records, streaks, yoy_moves
from norte.findings.meta import TYPE_LABELS
from norte.findings.model import LANGS, Finding
from norte.findings.ranks import RankInputs, neck_and_neck, rank_changes
from norte.findings.twins import merge_flow_twins
from norte.findings.wording import phrase_fields, what, word
from norte.indicators import load_catalog
from norte.store.db import Store
from tests.findings.conftest import Built

NAMES = {
    "MEX": {"en": "Mexico", "es": "México", "fr": "Mexique"},
    "CAN": {"en": "Canada", "es": "Canadá", "fr": "Canada"},
}
PORTS = {
    "2402": {"en": "El Paso, Texas", "es": "El Paso (Texas)", "fr": "El Paso (Texas)"},
    "2401": {"en": "Ysleta, Texas", "es": "Ysleta (Texas)", "fr": "Ysleta (Texas)"},
    "2304": {"en": "Laredo, Texas", "es": "Laredo (Texas)", "fr": "Laredo (Texas)"},
}
DIMS: dict[str, str | None] = {
    "flow": None,
    "partner": "MEX",
    "product_code": None,
    "mode": None,
    "geo_code": None,
    "detail": None,
    "measure": "trucks",
}


def _ctx() -> Ctx:
    return Ctx(cast(Store, None), config(), {}, cast(Vintages, None), NAMES, PORTS)


def _worded(f: Finding) -> Finding:
    word(_ctx(), f, None)
    return f


def _annual(iid: str, values: dict[int, float], **dims: str | None) -> Series:
    pts = [(dt.date(y, 1, 1), v) for y, v in sorted(values.items())]
    return Series(iid, iid.split(".")[0], DIMS | dims, "vehicles", "A", pts)


def _monthly(iid: str, unit: str, values: dict[dt.date, float], **dims: str | None) -> Series:
    return Series(iid, iid.split(".")[0], DIMS | dims, unit, "M", sorted(values.items()))


def _months(start: dt.date, n: int) -> list[dt.date]:
    return [
        dt.date(start.year + (start.month - 1 + k) // 12, (start.month - 1 + k) % 12 + 1, 1)
        for k in range(n)
    ]


# -- breaks -------------------------------------------------------------------------------------
def _ports() -> list[Series]:
    iid = "truck-crossings-port-annual.mex"
    el_paso = {y: 780_000.0 + 3_000 * (y % 5) for y in range(1996, 2020)}
    el_paso |= {2020: 273_228.0, 2021: 179_983.0, 2022: 161_439.0, 2023: 150_000.0}
    ysleta = {2021: 668_950.0, 2022: 650_404.0, 2023: 640_667.0}
    laredo = {y: 1_000_000.0 + 20_000 * (y - 1996) for y in range(1996, 2024)}
    return [
        _annual(iid, el_paso, geo_code="2402"),
        _annual(iid, ysleta, geo_code="2401"),
        _annual(iid, laredo, geo_code="2304"),
    ]


def test_a_port_split_is_a_break_and_the_fall_is_not_told_as_a_collapse() -> None:
    ports = _ports()
    firsts = {("geo_code", "2401"): dt.date(2020, 3, 1)}  # the first month BTS has Ysleta
    brks = detect_breaks(ports, ["geo_code", "mode", "product_code"], firsts)
    el_paso = ports[0]
    key = next(k for k in brks if ("geo_code", "2402") in k[1])
    (brk,) = brks[key]
    assert (brk.kind, brk.start, brk.other) == ("port_split", dt.date(2020, 3, 1), "2401")
    assert not any(("geo_code", "2304") in k[1] for k in brks)  # Laredo: no break
    moves = {f.period: f for f in yoy_moves(el_paso, 2.5, 10, brks=brks[key])}
    told = _worded(moves["2020"])
    assert told.values["variant"] == "yoy_move_break"
    assert told.values["break_other"] == "2401"
    assert "change of definition in March 2020" in told.headline["en"]
    assert "Ysleta, Texas" in told.text["en"] and "not of traffic" in told.text["en"]
    for lang in LANGS:
        assert "Ysleta" in told.text[lang]
    # without the break the same numbers are a collapse, 2020 and 2021 alike
    naive = {f.period: f for f in yoy_moves(el_paso, 2.5, 10)}
    assert naive["2020"].values["variant"] == "yoy_move_down"
    assert "fell 65.5%" in _worded(naive["2020"]).headline["en"]


def test_a_streak_does_not_run_across_a_break() -> None:
    s = _annual("x", {y: 100.0 * 1.05 ** (y - 2000) for y in range(2000, 2024)})
    brk = Break("documented", dt.date(2012, 1, 1), dt.date(2012, 1, 1))
    (whole,) = streaks(s, 5)
    (cut,) = streaks(s, 5, brks=[brk])
    assert whole.values["length"] == 23
    assert cut.values["length"] == 11 and cut.values["start"] == "2013-01-01"


def test_a_documented_base_year_change_is_said_in_the_story() -> None:
    """``[[breaks]]`` entries (an agency's base-year change): a record whose window holds one
    says so, in the entry's words, in each language."""
    s = _annual("truck-crossings.mex", {y: 100.0 + y - 2000 for y in range(2000, 2025)})
    note = {
        "en": "The base year changes in 2018.",
        "es": "El año base cambia en 2018.",
        "fr": "L'année de base change en 2018.",
    }
    entry = {
        "indicator": "truck-crossings",
        "period": "2018-01-01",
        "kind": "base_year",
        "note": note,
    }
    brks = documented_breaks([s], [entry])[series_key(s)]
    (high,) = [f for f in records(s, 2, 5, brks=brks) if f.subject["record"] == "high"]
    assert high.values["break_kind"] == "base_year" and high.values["break_documented"] is True
    told = _worded(high)
    for lang in LANGS:
        assert told.text[lang].endswith(note[lang])
    (plain,) = [f for f in records(s, 2, 5) if f.subject["record"] == "high"]
    assert "break_kind" not in plain.values


def test_codes_that_stop_while_others_start_are_a_code_list_change() -> None:
    iid = "transborder-trade-by-mode-annual.mex"
    old = {y: 50.0 + y for y in range(2000, 2015)}
    new = {y: 80.0 + y for y in range(2015, 2024)}
    steady = {y: 1000.0 + y for y in range(2000, 2024)}
    series = [
        _annual(iid, old, mode="a"),
        _annual(iid, new, mode="b"),
        _annual(iid, steady, mode="c"),
    ]
    brks = detect_breaks(series, ["mode"])
    ((key, (brk,)),) = brks.items()
    assert ("mode", "a") in key[1] and brk.kind == "code_list" and brk.start == dt.date(2015, 1, 1)


# -- gaps ---------------------------------------------------------------------------------------
def test_a_streak_across_a_gap_is_at_least_its_unbroken_run() -> None:
    """TransBorder's October–December 2020 files are missing: the year-over-year changes of
    October–December 2020 and 2021 are unknown, not breaks in the streak."""
    months = [
        m
        for m in _months(dt.date(2019, 1, 1), 56)
        if not dt.date(2020, 10, 1) <= m <= dt.date(2020, 12, 1)
    ]
    s = _monthly(
        "transborder-trade-by-mode.mex",
        "USD",
        {m: 1e9 * (1 + 0.01 * k) for k, m in enumerate(months)},
        flow="export",
        mode="truck",
        measure=None,
    )
    (f,) = streaks(s, 12)
    assert f.values["at_least"] is True and f.values["has_gap"] is True
    assert f.values["run"] == 20  # January 2022 - August 2023, unbroken
    assert f.values["length"] == 38  # every change with figures from January 2020
    assert (f.values["gap_1_start"], f.values["gap_1_end"]) == ("2020-10-01", "2020-12-01")
    told = _worded(f)
    assert told.headline["en"].endswith(
        "in all 38 months with figures through August 2023, at least 20 of them in a row"
    )
    assert "al menos 20 de ellos seguidos" in told.headline["es"]
    assert "dont au moins 20 consécutifs" in told.headline["fr"]
    assert "no year-over-year figures (the first missing is October 2020)" in told.text["en"]


def test_a_record_states_the_gaps_in_its_window() -> None:
    vals = {y: 100.0 + y - 2000 for y in range(2000, 2025) if y not in (2008, 2009)}
    (high,) = [
        f
        for f in records(_annual("truck-crossings.mex", vals), 2, 5)
        if f.subject["record"] == "high"
    ]
    assert (high.values["gaps_n"], high.values["gap_1_start"]) == (2, "2008-01-01")
    assert (
        "2 years in this span have no figures, the first from 2008 to 2009"
        in _worded(high).text["en"]
    )


# -- news value -----------------------------------------------------------------------------------
def _ranking() -> RankInputs:
    defn = next(d for d in load_catalog() if d.id == "us-export-rank")
    g = (None,) * 6
    months = _months(dt.date(2024, 1, 1), 5)
    vals = [(30e9, 20e9), (29.97e9, 30e9), (30.02e9, 30e9), (28e9, 30e9), (31e9, 30e9)]
    values = {m: {"MEX": a, "CAN": b} for m, (a, b) in zip(months, vals, strict=True)}
    ranks = {
        m: {"MEX": 1.0, "CAN": 2.0} if v["MEX"] > v["CAN"] else {"MEX": 2.0, "CAN": 1.0}
        for m, v in values.items()
    }
    # the earlier release of each month: the margin revised by US$100 million
    earliest = {
        m: (dt.date(2024, 8, 6), ranks[m], {"MEX": v["MEX"] - 1e8, "CAN": v["CAN"]})
        for m, v in values.items()
    }
    return RankInputs(defn, {"top": 2}, {g: ranks}, {g: values}, {g: earliest})


def test_flip_flops_within_the_usual_revision_are_neck_and_neck_told_once() -> None:
    ri = _ranking()
    changes = rank_changes(ri, cast(Vintages, _NoVintages()), lambda p: 1.0)
    assert len(changes) == 4  # February, March, April, May: an "overtaking" every month
    told = neck_and_neck(ri, changes, 1.0)
    necks = [f for f in told if str(f.values["variant"]).startswith("rank_change_neck")]
    assert len(necks) == 1 and len(told) == 3  # April and May: margins of US$2 and US$1 billion
    (neck,) = necks
    assert neck.values["changes"] == 2 and neck.values["revision"] == 1e8
    assert neck.period == "2024-03" and neck.values["leader"] == "MEX"
    spec = {
        "place": {"en": "buyer of U.S. goods", "es": "comprador", "fr": "acheteur"},
        "value": {"en": "U.S. exports", "es": "exportaciones", "fr": "exportations"},
    }
    word(_ctx(), neck, spec)
    assert "neck and neck" in neck.headline["en"] and "changed hands 2 times" in neck.headline["en"]
    assert "coude-à-coude" in neck.headline["fr"] and "parejos" in neck.headline["es"]
    # its id hashes the year: a third close flip in 2024 updates the story
    assert neck.id_period == "2024"


class _NoVintages:
    def latest(self, *_: Any) -> None:
        return None


def test_a_rebound_from_the_pandemic_trough_is_a_base_effect() -> None:
    months = _months(dt.date(2016, 1, 1), 72)
    vals = {m: 200_000.0 * (1 + 0.002 * k) for k, m in enumerate(months)}
    vals[dt.date(2020, 5, 1)] = 15_000.0
    s = _monthly(
        "mx-vehicle-exports-us", "vehicles", vals, partner="USA", flow="export", measure=None
    )
    base = config()["detect"]["base_effect"]
    may = next(f for f in yoy_moves(s, 2.5, 36, base=base) if f.period == "2021-05")
    assert may.values["variant"] == "yoy_move_base"
    ref = vals[dt.date(2019, 5, 1)]
    assert may.values["reference_value"] == ref
    assert may.values["reference_change_pct"] == round(
        (vals[dt.date(2021, 5, 1)] / ref - 1) * 100, 6
    )
    told = _worded(may)
    assert "a pandemic low" in told.headline["en"] and "above May 2019" in told.headline["en"]
    assert "base effect" in told.text["en"] and "efecto de base" in told.text["es"]
    assert may.score_parts["magnitude"] < 0.3  # the news is the change on 2019, a few percent
    naive = next(f for f in yoy_moves(s, 2.5, 36) if f.period == "2021-05")
    assert naive.values["variant"] == "yoy_move_up" and naive.score_parts["magnitude"] == 1.0


def test_a_record_by_less_than_one_percent_edged_past() -> None:
    vals = {y: 100.0 + y - 2000 for y in range(2000, 2024)} | {2024: 123.0 * 1.003}
    (high,) = [
        f
        for f in records(_annual("truck-crossings.mex", vals), 2, 5)
        if f.subject["record"] == "high"
    ]
    assert high.values["variant"] == "record_high_all_edged"
    told = _worded(high)
    assert "edged past their previous record" in told.headline["en"]
    assert "0.3% above the previous record" in told.text["en"]
    assert "por poco" in told.headline["es"] and "de peu" in told.headline["fr"]
    clear = vals | {2024: 130.0}
    (rec,) = [
        f
        for f in records(_annual("truck-crossings.mex", clear), 2, 5)
        if f.subject["record"] == "high"
    ]
    assert rec.values["variant"] == "record_high_all"
    assert rec.score_parts["magnitude"] == 2 * high.score_parts["magnitude"]


# -- wording ------------------------------------------------------------------------------------
def test_stories_that_differ_only_in_flow_are_one_sentence_in_three_languages() -> None:
    found: list[Finding] = []
    for base, flow, scale in (
        ("us-exports", "export", 1.0),
        ("us-imports", "import", 1.4),
        ("us-total-trade", "total", 2.4),
    ):
        vals = {y: scale * 1e9 * (100 + y - 2000) for y in range(2000, 2025)}
        s = Series(
            f"{base}.mex",
            base,
            DIMS | {"flow": flow, "measure": "value"},
            "USD",
            "A",
            sorted((dt.date(y, 1, 1), v) for y, v in vals.items()),
        )
        (high,) = [f for f in records(s, 2, 5) if f.subject["record"] == "high"]
        high.score = 50.0 + scale
        found.append(_worded(high))
    ctx = _ctx()
    names = {f.id: {lang: what(ctx, f, lang)[0] for lang in LANGS} for f in found}
    fields = {f.id: {lang: phrase_fields(ctx, f, lang) for lang in LANGS} for f in found}
    (m,) = merge_flow_twins(found, names, fields, config()["flow_phrases"])
    assert (
        m.headline["en"]
        == "U.S. exports to, imports from and total trade with Mexico all reached highs in 2024"
    )
    assert m.headline["es"].startswith(
        "Las exportaciones de EE. UU. a México, sus importaciones y su comercio total con México alcanzaron máximos en 2024"
    )
    assert m.headline["fr"].startswith(
        "Les exportations des États-Unis vers le Mexique, leurs importations et leur commerce total avec le Mexique ont atteint des sommets en 2024"
    )
    for f in found:  # each flow's own paragraph, numbers and all
        assert all(f.text[lang] in m.text[lang] for lang in LANGS)
    assert m.score == 52.4 and m.score_parts["merged"] == 3.0
    assert m.subject["flow"] == "export+import+total"
    # two flows: "both"
    (two,) = merge_flow_twins(found[:2], names, fields, config()["flow_phrases"])
    assert (
        two.headline["en"] == "U.S. exports to and imports from Mexico both reached highs in 2024"
    )


def test_estimated_release_dates_say_so(built: Built) -> None:
    """Both Census vintages are estimated (``loads.vintage_from``: newest month + FT-900 lag):
    every English sentence stating one says "estimated date"; the metadata line too."""
    est = {"August 6, 2024", "February 6, 2025"}
    said = 0
    for f in built.latest:
        for text in (f.headline["en"], f.text["en"], f.meta["en"]):
            for day in est:
                at = text.find(day)
                while at >= 0:
                    assert text[at + len(day) :].startswith(" (estimated date)"), text
                    said += 1
                    at = text.find(day, at + 1)
        assert "score" not in f.meta["en"] and f.id not in f.meta["en"]
        assert f.meta["es"].startswith(TYPE_LABELS[f.type]["es"])
    assert said > 100
