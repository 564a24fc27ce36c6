"""What every step of a run shares: the store, the configuration, definitions, labels, totals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from norte.findings.data import Vintages, code_labels
from norte.indicators import Definition
from norte.store.db import Store


@dataclass
class Ctx:
    store: Store
    cfg: Mapping[str, Any]
    defs: dict[str, Definition]
    vint: Vintages
    labels: dict[str, dict[str, str]]
    ports: dict[str, dict[str, str]] = field(default_factory=dict)
    #: (indicator id, dims outside the breakdown) -> period -> sum over the breakdown members
    totals: dict[tuple[Any, ...], dict[dt.date, float]] = field(default_factory=dict)
    source_labels: dict[str, dict[str, str]] | None = None

    def weight(self, partner: str | None) -> float:
        w = self.cfg["score"]["partner"]
        if partner is None:
            return float(self.cfg["score"]["no_partner"])
        return float(w.get(partner, w["*"]))

    def sources_of(self, base_id: str) -> list[tuple[str, str]]:
        d = self.defs.get(base_id)
        if d is None:
            return []
        # every input: a mirror indicator reads two reporters' sources
        return [(src, ds) for s in d.inputs() for src in s["source"] for ds in s["dataset"]]

    def name(self, code: str, lang: str) -> str:
        return self.labels.get(code, {}).get(lang, code)

    def source_name(self, source: str, lang: str) -> str:
        """The source's name (``codes`` scheme ``source``) in a language."""
        if self.source_labels is None:
            self.source_labels = {
                code: names for (_s, code), names in code_labels(self.store, ["source"]).items()
            }
        return self.source_labels.get(source, {}).get(lang, source)
