"""Goals: the report's four shared goals, targets with rationale, traffic lights, and
stakeholders' own goals rolled up under the shared ones.

>>> from norte.goals import load_shared, lights
>>> goals = load_shared()                       # validated catalog  # doctest: +SKIP
>>> lights(store.con, goals)                    # status of every target  # doctest: +SKIP
"""

from norte.goals.catalog import (
    Commitment,
    Goal,
    GoalFileError,
    IndicatorRef,
    Target,
    load_shared,
    parse_stakeholder_file,
)
from norte.goals.stakeholders import (
    AddResult,
    Light,
    add_file,
    lights,
    record,
    record_all,
    stakeholder_goals,
)
from norte.goals.status import STATUSES, Status, evaluate, history, status_at

__all__ = [
    "STATUSES",
    "AddResult",
    "Commitment",
    "Goal",
    "GoalFileError",
    "IndicatorRef",
    "Light",
    "Status",
    "Target",
    "add_file",
    "evaluate",
    "history",
    "lights",
    "load_shared",
    "parse_stakeholder_file",
    "record",
    "record_all",
    "stakeholder_goals",
    "status_at",
]
