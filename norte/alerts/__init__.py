"""Alerts: watches (``[[watch]]`` in norte.toml, or an account's list in the web app) matched
against what a refresh changed, delivered to an Atom feed, by e-mail and by webhook."""

from norte.alerts.model import Alert, Watch, evaluate, parse_watches

__all__ = ["Alert", "Watch", "evaluate", "parse_watches"]
