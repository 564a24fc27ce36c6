"""The roles of the web app, in order of what they may do (no web framework imported: the
command line builds its parsers from them without loading FastAPI)."""

from __future__ import annotations

from enum import IntEnum


class Role(IntEnum):
    ANONYMOUS = 0
    VIEWER = 1
    EDITOR = 2
    ADMIN = 3
