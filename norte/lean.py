"""What the ``norte`` command skips at start: pyarrow's import of pandas.

pyarrow imports pandas the first time it converts Python values (``pa.array``, ``pa.table``,
``Table.from_pylist``), only to recognise pandas objects among them. norte never hands it any
(it does not use pandas), and the import cost the release-day refresh about 0.3 s of its
recompute, which the rest of the site waits for (measured: two runs each way, 3.21 and 3.58 s
with it, 2.94 and 3.11 s without; ``import pandas`` alone takes about 0.45 s here).

:func:`skip_pandas_detection` makes that first conversion while ``import pandas`` fails:
pyarrow records pandas as absent for telling objects apart and never imports it for that
again. Anything that asks for pandas by name still gets it (``Table.to_pandas``,
``Table.from_pandas``, DuckDB's ``.df()``: pyarrow imports it then); what is lost is only the
recognition of pandas scalars such as ``pd.NA`` inside plain Python lists. The command line
does this for the commands that compute (:func:`norte.cli.run`; importing pyarrow at start
cost ``norte ingest`` of one TransBorder month 0.15 to 0.3 s, measured); a program importing
norte as a library is left as it is.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType


class _NoPandas(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == "pandas" or fullname.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {fullname!r} (norte.lean)", name=fullname)
        return None


def skip_pandas_detection() -> bool:
    """Make pyarrow take pandas as absent for recognising Python values, in this process;
    ``False`` (nothing done) when pandas is imported already or pyarrow has looked already."""
    if "pandas" in sys.modules:
        return False
    import pyarrow as pa

    blocker = _NoPandas()
    sys.meta_path.insert(0, blocker)
    try:
        pa.array([0])  # the conversion that looks for pandas, once per process
    finally:
        sys.meta_path.remove(blocker)
    return "pandas" not in sys.modules
