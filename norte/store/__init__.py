"""The vintage-aware DuckDB store (see :mod:`norte.store.db` and :mod:`norte.store.schema`)."""

from norte.store.db import BatchStage, LoadResult, StageContext, StageInfo, Store, sha256_of

__all__ = ["BatchStage", "LoadResult", "StageContext", "StageInfo", "Store", "sha256_of"]
