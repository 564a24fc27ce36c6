"""Fault injection for the kill -9 tests: pause a write path at a named point.

``NORTE_FAULT_POINT=NAME`` (or several, comma-separated) with ``NORTE_FAULT_SLEEP=SECONDS``
makes :func:`point` print ``norte: fault injection: NAME`` on stdout and sleep there, so a test
can kill the process at a known place. Points: ``load`` (every row of a load written, before
COMMIT), ``indicators``, ``findings``, ``goal_status``, ``goals_add``, ``findings_review`` (inside their
transaction, before COMMIT), ``checkpoint`` (after the last COMMIT, before the close-time
checkpoint), ``publish`` (the new site rendered beside the target, before the swap) and
``migrate`` (a schema upgrade done, before its COMMIT: see :mod:`norte.store.migrations`).
The older ``NORTE_FAULT_SLEEP_BEFORE_COMMIT=SECONDS`` is the ``load`` point.
Unset (always, outside tests), :func:`point` does nothing.
"""

from __future__ import annotations

import os
import time


def point(name: str) -> None:
    legacy = os.environ.get("NORTE_FAULT_SLEEP_BEFORE_COMMIT")
    if name == "load" and legacy:
        delay = legacy
    else:
        names = os.environ.get("NORTE_FAULT_POINT", "")
        if not names or name not in {n.strip() for n in names.split(",")}:
            return
        delay = os.environ.get("NORTE_FAULT_SLEEP", "60")
    print(f"norte: fault injection: {name}", flush=True)
    if name == "load":
        print("norte: fault injection: sleeping before commit", flush=True)
    time.sleep(float(delay))
