"""Goals: the report's four shared goals, targets with rationale, traffic lights, and
stakeholders' own goals rolled up under the shared ones.

>>> from norte.goals import load_shared, lights
>>> goals = load_shared()                       # validated catalog  # doctest: +SKIP
>>> lights(store.con, goals)                    # status of every target  # doctest: +SKIP
>>> light_changes(store.con)                    # colours that changed  # doctest: +SKIP
"""

from norte.goals.assessment import METHODS, Assessment
from norte.goals.board import ref_history, ref_status
from norte.goals.catalog import (
    Commitment,
    Goal,
    GoalFileError,
    IndicatorRef,
    Target,
    load_shared,
    parse_stakeholder_file,
)
from norte.goals.changes import LightChange, light_changes
from norte.goals.movers import Mover, MoversSpec, movers
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
    "METHODS",
    "STATUSES",
    "AddResult",
    "Assessment",
    "LightChange",
    "Mover",
    "MoversSpec",
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
    "light_changes",
    "lights",
    "load_shared",
    "movers",
    "parse_stakeholder_file",
    "record",
    "record_all",
    "ref_history",
    "ref_status",
    "stakeholder_goals",
    "status_at",
]
