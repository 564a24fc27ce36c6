"""Classifications: version-aware crosswalks between product and industry code lists.

The readers (:mod:`norte.classify.scheduleb`, :mod:`norte.classify.naics`,
:mod:`norte.classify.hs`, :mod:`norte.classify.bea`, :mod:`norte.classify.scian`) load the
agencies' own concordance files into the store tables ``crosswalk_pairs`` and
``classification_codes`` (never ``observations``); :mod:`norte.classify.relation` computes each
pair's relation (1:1, 1:n, n:1, n:n) from the file's pairs; :mod:`norte.classify.mapping`
answers ``norte codes map`` and ``norte codes search`` (:mod:`norte.classify.cli`).
No weights are invented: a 1:n link is reported as such.
"""

from __future__ import annotations

from norte.classify.schemes import SCHEMES, Scheme, scheme

__all__ = ["SCHEMES", "Scheme", "scheme"]
