"""What the commands that read the local database say about it: which one they read."""

from __future__ import annotations

from pycustoms.redact import redact

_SQLITE = "sqlite:///"


def database_label(url: str) -> str:
    """The file of a SQLite database URL, else the URL with any credentials masked."""
    if url.startswith(_SQLITE):
        return url[len(_SQLITE) :]
    return redact(url)
