"""Credentials never leave the process: user and password parts of URLs are masked.

An upstream given as `https://user:secret@host/simple/` (or a token as the user
name) must not show up in start-up banners, logs, error bodies, reason phrases,
the console, the API or the database. Every place that renders a URL or an
error to the outside passes it through `redact`; `install_log_filter` covers
log records.
"""

from __future__ import annotations

import logging
import re

# scheme://userinfo@ : everything between the scheme and the last "@" before the host.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/?#\s@]*@")
MASK = "***"


def redact(text: str) -> str:
    """*text* with the user-information part of every URL in it replaced by `***`."""
    if "@" not in text:
        return text
    return _USERINFO.sub(rf"\1{MASK}@", text)


class RedactingFilter(logging.Filter):
    """Masks URL credentials in a record's message (and its arguments)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drop it."""
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def install_log_filter(*names: str) -> None:
    """Mask credentials in every record that reaches a handler of these loggers (and root)."""
    for name in ("", *names):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())
