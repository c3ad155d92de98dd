"""API tokens and the identity of a request (environment name for the install log).

Only a token's sha256 is stored. `TokenBook` keeps known hashes in memory so
that authenticated page requests do not touch the database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from pycustoms.db.firewall import TokenRow
from pycustoms.db.session import Database
from pycustoms.errors import UsageError

TOKEN_PREFIX = "pyc_"  # noqa: S105 - a prefix that makes leaked tokens greppable
ANONYMOUS = "anonymous"
_NEGATIVE_TTL = 5.0


def hash_token(token: str) -> str:
    """The stored form of *token*."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(db: Database, name: str) -> str:
    """Create a token called *name*; return it (it is shown once and never stored)."""
    name = name.strip()
    if not name or len(name) > 128 or any(c.isspace() or c == ":" for c in name):
        raise UsageError(f"token name {name!r} must be 1-128 characters, no spaces or ':'")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.session() as session, session.begin():
        session.add(
            TokenRow(name=name, token_sha256=hash_token(token), created_at=datetime.now(UTC))
        )
    return token


def parse_basic(header: str | None) -> tuple[str, str] | None:
    """(user, password) from an `Authorization: Basic ...` header, else `None`."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is asking: the environment name logged, and whether a valid token was shown."""

    environment: str
    authenticated: bool


class TokenBook:
    """Token hashes known to be valid (name by hash), loaded lazily from the database."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._known: dict[str, str] = {}
        self._unknown: dict[str, float] = {}
        self._lock = threading.Lock()

    def cached(self, token: str) -> str | bool | None:
        """The token's name if known; `False` if recently unknown; `None` to ask `lookup`."""
        digest = hash_token(token)
        name = self._known.get(digest)
        if name is not None:
            return name
        seen = self._unknown.get(digest)
        if seen is not None and time.monotonic() - seen < _NEGATIVE_TTL:
            return False
        return None

    def lookup(self, token: str) -> str | None:
        """The token's name from the database (blocking), or `None` if it is not valid."""
        digest = hash_token(token)
        with self._db.session() as session:
            rows = session.scalars(select(TokenRow)).all()
        with self._lock:
            for row in rows:
                self._known[row.token_sha256] = row.name
            found = next(
                (r.name for r in rows if hmac.compare_digest(r.token_sha256, digest)), None
            )
            if found is None:
                self._unknown[digest] = time.monotonic()
        return found


def environment_name(header_env: str | None, user: str | None, token_name: str | None) -> str:
    """The environment for the install log: header, then basic-auth user, then token name."""
    for candidate in (header_env, user if user and user != "__token__" else None, token_name):
        if candidate and candidate.strip():
            return candidate.strip()[:256]
    return ANONYMOUS
