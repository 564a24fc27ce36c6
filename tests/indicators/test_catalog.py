"""The catalog schema: every shipped file validates; malformed definitions are rejected with a
message naming the file, the indicator id and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from norte.indicators.catalog import (
    GOALS,
    LANGS,
    CatalogError,
    catalog_dir,
    indicators,
    load_catalog,
    parse_file,
)

GOOD = """
[[indicator]]
id = "x-exports"
partners = ["MEX", "CAN"]
goal = 3
unit = "USD"
direction = "higher_is_better"
title = { en = "Exports to {partner_name}", es = "Exportaciones a {partner_name}", fr = "Exportations vers {partner_name}" }
description = { en = "d", es = "d", fr = "d" }
series = { source = "census", dataset = "trade_by_country", flow = "export", partner = "{partner}", freq = "M" }
transforms = [{ op = "rolling", months = 12 }]
"""


def test_every_shipped_file_validates() -> None:
    files = sorted(catalog_dir().glob("*.toml"))
    assert files, "no catalog files shipped"
    for f in files:
        assert parse_file(f), f"{f} defines no indicator"
    defs = load_catalog()
    inds = indicators(defs)
    assert len({i.id for i in inds}) == len(inds)
    for d in defs:
        assert d.goal in GOALS
    for i in inds:
        for lang in LANGS:
            title = i.title(lang)
            assert "{" not in title, (i.id, title)


def test_templating_gives_one_id_per_partner(tmp_path: Path) -> None:
    f = tmp_path / "x.toml"
    f.write_text(GOOD, encoding="utf-8")
    (d,) = load_catalog([f])
    assert [i.id for i in d.instances()] == ["x-exports.mex", "x-exports.can"]
    assert d.instances()[0].title("es") == "Exportaciones a México"
    assert d.resolved_series()["partner"] == ("MEX", "CAN")


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("goal = 3", "goal = 7", "goal", "1, 2, 3 or 4"),
        ('direction = "higher_is_better"', 'direction = "up"', "direction", "higher_is_better"),
        (
            'op = "rolling", months = 12',
            'op = "rollin", months = 12',
            "transforms[0].op",
            "unknown op",
        ),
        ("months = 12", "months = -1", "transforms[0].months", "integer"),
        ("months = 12", "weeks = 12", "transforms[0].weeks", "unknown parameter"),
        ('fr = "Exportations vers {partner_name}" }', 'fr = "" }', "title", "fr"),
        ('es = "Exportaciones a {partner_name}"', 'es = "Exportaciones"', "title.es", "partner"),
        ('flow = "export"', 'flows = "export"', "series.flows", "unknown filter"),
        ('source = "census", ', "", "series.source", "required"),
        ('freq = "M"', 'freq = "W"', "series.freq", "M, Q, A"),
        ('unit = "USD"\n', "", "unit", "required"),
        (
            '{ op = "rolling", months = 12 }',
            '{ op = "sum", over = ["partner"] }',
            "transforms[0]",
            "mix the partners",
        ),
        (
            '{ op = "rolling", months = 12 }',
            '{ op = "share", dim = "country" }',
            "transforms[0].dim",
            "partner",
        ),
        (
            '{ op = "rolling", months = 12 }',
            '{ op = "index", base = "19" }',
            "transforms[0].base",
            "YYYY",
        ),
        ('{ op = "rolling", months = 12 }', '{ op = "rank" }', "transforms[0].dim", "required"),
    ],
)
def test_malformed_definitions_are_rejected(
    tmp_path: Path, old: str, new: str, field: str, words: str
) -> None:
    assert old in GOOD
    f = tmp_path / "bad.toml"
    f.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog([f])
    msg = str(err.value)
    assert str(f) in msg
    assert "'x-exports'" in msg
    assert f"field {field}:" in msg
    assert words in msg
    assert err.value.field == field


def test_duplicate_ids_across_files_are_rejected(tmp_path: Path) -> None:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(GOOD, encoding="utf-8")
    b.write_text(GOOD, encoding="utf-8")
    with pytest.raises(CatalogError, match=r"b\.toml: indicator 'x-exports': field id: .*a\.toml"):
        load_catalog([a, b])


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    f = tmp_path / "broken.toml"
    f.write_text("[[indicator]\nid = ", encoding="utf-8")
    with pytest.raises(CatalogError, match="broken.toml.*not valid TOML"):
        load_catalog([f])


def test_a_file_is_parsed_again_only_when_its_text_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The catalog is loaded many times per refresh: an unchanged file is not parsed again
    (the same frozen definitions come back), a file rewritten at once with new text of the
    same length is (its new definitions), and a file broken since is still rejected."""
    from norte.indicators import catalog

    parsed: list[str] = []
    real = catalog._parse_text

    def counting(path: Path, text: str) -> list[catalog.Definition]:
        parsed.append(str(path))
        return real(path, text)

    monkeypatch.setattr(catalog, "_parse_text", counting)
    f = tmp_path / "x.toml"
    f.write_text(GOOD, encoding="utf-8")
    first = parse_file(f)
    again = load_catalog([f])
    assert parsed == [str(f)] and again[0] is first[0]
    again.clear()  # callers get their own list
    assert parse_file(f) == first
    changed = GOOD.replace("goal = 3", "goal = 4")
    assert len(changed) == len(GOOD)
    f.write_text(changed, encoding="utf-8")
    (d,) = parse_file(f)
    assert len(parsed) == 2 and d.goal == 4 and first[0].goal == 3
    f.write_text(GOOD.replace("goal = 3", "goal = 9"), encoding="utf-8")
    with pytest.raises(CatalogError, match="goal"):
        parse_file(f)
