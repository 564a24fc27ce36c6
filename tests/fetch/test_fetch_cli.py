"""`norte fetch NAME --help` says what each connector needs; every connector is registered."""

from __future__ import annotations

import pytest

from norte.cli import main

NEEDS = {
    "fred": ["NORTE_FRED_KEY", "NORTE_FRED_URL", "--vintages"],
    "statcan": ["no key", "NORTE_STATCAN_URL", "00:00-08:30 ET", "--wait-maintenance"],
    "inegi": ["NORTE_INEGI_TOKEN", "NORTE_INEGI_URL", "URL path"],
    "worldbank": ["no key", "NORTE_WORLDBANK_URL"],
    "comtrade": ["NORTE_COMTRADE_KEY", "NORTE_COMTRADE_URL", "quota"],
    "socrata": ["NORTE_SOCRATA_TOKEN", "NORTE_SOCRATA_URL", "$where"],
}


@pytest.mark.parametrize("name", sorted(NEEDS))
def test_help_says_what_the_connector_needs(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["fetch", name, "--help"])
    assert e.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for needed in NEEDS[name]:
        assert needed in text, (name, needed)


def test_every_connector_is_registered() -> None:
    import norte.fetch.connectors  # noqa: F401
    from norte.fetch.live import CONNECTORS

    assert set(NEEDS) <= set(CONNECTORS)
    for name in NEEDS:
        assert CONNECTORS[name].name == name and callable(CONNECTORS[name].fetch)
