"""The vintage-aware DuckDB store (see :mod:`norte.store.db` and :mod:`norte.store.schema`)."""

from norte.store.connect import lock_timeout, set_lock_timeout
from norte.store.db import Store
from norte.store.staging import (
    STAGE_TABLE,
    BatchStage,
    LoadResult,
    StageContext,
    StageInfo,
    first,
    sha256_of,
)

__all__ = [
    "STAGE_TABLE",
    "BatchStage",
    "LoadResult",
    "StageContext",
    "StageInfo",
    "Store",
    "first",
    "lock_timeout",
    "set_lock_timeout",
    "sha256_of",
]
