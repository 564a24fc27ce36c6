"""Secrets kept out of every text norte or its libraries print: messages and log lines.

:func:`register_secret` remembers a secret value in use (an API key); :func:`scrub` replaces
every remembered value (raw and URL-encoded) and every ``key=`` / ``api_key=`` / ``token=`` /
``subscription-key=`` query value by ``***``. :func:`install_log_redaction` wraps the logging
record factory so that every log record of the process — httpx's, httpcore's and urllib3's
included, whatever handler the host application attached, now or later — is scrubbed when it
is created (its message, arguments, exception text and stack).
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote, quote_plus

SECRET_PARAMS = frozenset({"key", "api_key", "apikey", "token", "subscription-key"})
MASK = "***"

#: Shorter values are not remembered: replacing them would garble ordinary text.
MIN_SECRET_LENGTH = 4

_QUERY_SECRET = re.compile(
    r"(?i)\b(api_key|apikey|subscription-key|token|key)=([^&\s'\"<>#,;)\]]+)"
)
_values: set[str] = set()
_installed = False


def register_secret(value: str) -> None:
    """Remember ``value`` (and its URL-encoded forms) as a secret to scrub everywhere, and make
    sure log records are scrubbed."""
    if len(value) >= MIN_SECRET_LENGTH:
        _values.update({value, quote(value, safe=""), quote_plus(value)})
    install_log_redaction()


def scrub(text: str) -> str:
    """``text`` with every known secret value and secret query value replaced by ``***``."""
    for v in sorted(_values, key=len, reverse=True):
        if v in text:
            text = text.replace(v, MASK)
    return _QUERY_SECRET.sub(lambda m: f"{m.group(1)}={MASK}", text)


def _scrub_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a malformed record is logging's business, not ours
        message = str(record.msg)
    clean = scrub(message)
    if clean != message:
        record.msg = clean
        record.args = None
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        text = logging.Formatter().formatException(record.exc_info)
        cleaned = scrub(text)
        if cleaned != text:
            record.exc_text = cleaned
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)


def install_log_redaction() -> None:
    """Wrap the process's log-record factory (once) so every record is scrubbed."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _scrub_record(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
