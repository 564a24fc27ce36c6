"""The shared goals catalog: it validates, every indicator id exists in the indicator
catalog, and every target number is the report's own (quoted from the seed text)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from norte.goals.catalog import GoalFileError, load_shared
from norte.indicators import indicators, load_catalog

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"


def _report() -> str:
    files = sorted(SEEDS.glob("001*"))
    if not files:
        pytest.fail(f"seed report missing in {SEEDS}")
    return " ".join(files[0].read_text(encoding="utf-8").replace("\\$", "$").split())


def test_four_goals_with_known_indicators() -> None:
    goals = load_shared()
    assert [g.number for g in goals] == [1, 2, 3, 4]
    known = {i.id for i in indicators(load_catalog())}
    for g in goals:
        for lang in ("en", "es", "fr"):
            assert g.title[lang].strip() and g.description[lang].strip()
        assert "p. " in g.citation or "pp. " in g.citation, g.id
        for r in g.indicators:
            assert r.id in known, (g.id, r.id)
        for t in g.targets:
            assert t.indicator in known


def test_report_titles_match_the_seed() -> None:
    text = _report().lower()
    for g in load_shared():
        assert (
            g.title["en"].lower().replace("sectoral, strategic and", "sectoral, strategic, and")
            in text
        )


def test_no_invented_targets_every_number_is_quoted_from_the_report() -> None:
    """The shared goals carry targets only as commitments from the report; each citation
    quotes the report, the quote is in the seed text, and the target value is in the quote."""
    text = _report()
    goals = load_shared()
    assert all(not g.targets for g in goals), "the report sets no target on a loaded indicator"
    seen = set()
    for g in goals:
        for c in g.commitments:
            seen.add(c.id)
            quotes = re.findall(r"“([^”]*)”", c.target.citation)
            assert quotes, c.id
            for q in quotes:
                assert " ".join(q.split()) in text, (c.id, q)
            value = f"{c.target.value:g}"
            words = {"3": "triple"}
            assert any(value in q or words.get(value, "\0") in q for q in quotes), (c.id, value)
            assert c.data_needed["en"].strip()
            assert c.target.date is None or c.target.date in " ".join(quotes)
    assert seen == {
        "rvc-heavy-trucks",
        "rvc-autos",
        "steel-aluminum-originating",
        "lvc-autos",
        "us-chip-capacity",
    }


def test_every_indicator_has_direction_rationale_what_why_want_and_a_method() -> None:
    for g in load_shared():
        assert sum(1 for r in g.indicators if r.assess is not None) >= 2, g.id
        for r in g.indicators:
            assert r.direction in ("higher_is_better", "lower_is_better"), r.id
            for lang in ("en", "es", "fr"):
                assert r.rationale[lang].strip(), (r.id, lang)
                for k in ("what", "why", "want"):
                    assert r.about[k][lang].strip(), (r.id, k, lang)
            assert r.assess is not None, r.id  # the shared catalog assesses every indicator
            assert r.assess.citation.strip(), r.id
        if not g.indicators and not g.commitments:
            assert g.data_gaps["en"], g.id


def test_unverified_thresholds_say_so_in_their_citation() -> None:
    cites = {r.assess.citation for g in load_shared() for r in g.indicators if r.assess}
    eurostat = [c for c in cites if "Eurostat" in c]
    assert eurostat and all("could NOT be verified" in c for c in eurostat)
    assert any("Tasa negativa" in c and "verified" in c for c in cites)


def test_unknown_indicator_in_catalog_is_rejected(tmp_path: Path) -> None:
    src = (Path(load_shared()[2].file)).read_text(encoding="utf-8")
    bad = tmp_path / "goal-3.toml"
    bad.write_text(src.replace('"us-total-trade-annual.can"', '"us-total-trade-annual.xyz"'))
    with pytest.raises(GoalFileError) as e:
        load_shared([bad])
    assert "goal.indicators[1].id" in str(e.value)
    assert "us-total-trade-annual.can" in str(e.value)  # the fix: did you mean ...
