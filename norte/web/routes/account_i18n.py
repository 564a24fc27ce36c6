"""The language of the account pages (sign-in, account, goals form, board, admin), chosen as
the static site chooses it: by URL prefix. ``/board`` is English, ``/es/board`` Spanish,
``/fr/me`` French — the site's pages are ``/goal-3.html``, ``/es/goal-3.html``,
``/fr/goal-3.html`` (a static site cannot read ``Accept-Language``, so neither does this: a
link gives everyone the same page).

:class:`LanguagePrefix` strips the ``/es`` or ``/fr`` of an account path before routing (the
route table, and so the access declarations and the authorization matrix, stay one table) and
keeps the language in the request scope; :func:`lang_of` reads it, :func:`href` writes a link
or a redirect in the same language. Strings come from the site's catalogs
(``norte/publish/i18n/*.toml``, keys ``acct_*``), goal statuses from the goal pages' catalog
(``norte/goals/i18n.toml``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from norte.publish.i18n import LANGUAGES, NATIVE_NAMES, Translator

#: first path segments of the account routes (a site page never starts so)
ACCOUNT_ROOTS = frozenset({"signin", "signout", "me", "me.json", "orgs", "board", "board.json"})
_SCOPE_KEY = "norte_lang"


def _split(path: str) -> tuple[str, str] | None:
    """(language, path without it) when ``path`` is an account path under ``/es`` or ``/fr``."""
    parts = path.split("/", 3)  # "", lang, root, rest
    if len(parts) < 3 or parts[1] not in LANGUAGES or parts[1] == "en":
        return None
    if parts[2].split("?", 1)[0] not in ACCOUNT_ROOTS:
        return None
    return parts[1], path[len(parts[1]) + 1 :]


class LanguagePrefix:
    """Route ``/es/…`` and ``/fr/…`` account paths to the account routes, in that language."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            found = _split(scope["path"])
            if found is not None:
                lang, path = found
                scope = dict(scope)
                scope["path"] = path
                scope["raw_path"] = path.encode()
                scope[_SCOPE_KEY] = lang
        await self.app(scope, receive, send)


def lang_of(request: Request) -> str:
    lang = request.scope.get(_SCOPE_KEY, "en")
    return lang if lang in LANGUAGES else "en"


def prefix(lang: str) -> str:
    return "" if lang == "en" else "/" + lang


def href(request: Request, path: str) -> str:
    """``path`` (an account path such as ``/me``) in the request's language."""
    return prefix(lang_of(request)) + path


def strip_lang(path: str) -> str:
    """``/es/me`` → ``/me`` (a path a form sent back, in any language)."""
    found = _split(path)
    return found[1] if found else path


@cache
def goal_strings(lang: str) -> dict[str, str]:
    text = (resources.files("norte") / "goals" / "i18n.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return {**data["en"], **data.get(lang, {})}


@dataclass(frozen=True)
class AccountText:
    """What an account template needs of its language."""

    lang: str

    def t(self, key: str, **values: object) -> str:
        return Translator(self.lang).t(key, **values)

    def status(self, status: str) -> str:
        """A light's status (``on_track`` → "En camino")."""
        return goal_strings(self.lang).get(f"status_{status}", status.replace("_", " "))

    def role(self, role: object) -> str:
        """A role's name (``editor`` → "editor" / "éditeur"); empty for no role."""
        return self.t(f"acct_role_{role}") if role in ("viewer", "editor", "admin") else ""

    def languages(self, path: str) -> list[dict[str, object]]:
        """The language switch: ``path`` (unprefixed) in every language."""
        return [
            {
                "lang": o,
                "name": NATIVE_NAMES[o],
                "href": prefix(o) + path,
                "current": o == self.lang,
            }
            for o in LANGUAGES
        ]
