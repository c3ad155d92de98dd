"""API tokens and the identity of a request (environment name for the install log).

Only a token's sha256 is stored. A token can expire (`expires_at`), be revoked
(`revoked_at`) and be allowed to upload named projects (`publish`). `TokenBook`
keeps recently checked tokens in memory so that authenticated page requests do
not touch the database on every request, but re-checks each one at least once a
second: a revoked token stops working within a second, even in a running server
that another process (`pycustoms token revoke`) told through the database. Both
of its caches are bounded, so a stream of distinct bad tokens cannot grow memory.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import hashlib
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import select, update

from pycustoms.db.firewall import TokenRow
from pycustoms.db.session import Database
from pycustoms.errors import UsageError
from pycustoms.types import normalize_name

TOKEN_PREFIX = "pyc_"  # noqa: S105 - a prefix that makes leaked tokens greppable
ANONYMOUS = "anonymous"
_NEGATIVE_TTL = 5.0
# Seconds a valid token is trusted before the database is asked again (revocation delay).
RECHECK_SECONDS = 1.0
_MAX_CACHED = 10_000
_TOKEN_SHAPE = re.compile(r"^pyc_[A-Za-z0-9_-]{20,}$")
_PATTERN = re.compile(r"^(?:\*|[A-Za-z0-9][A-Za-z0-9._-]*\*?)$")


def hash_token(token: str) -> str:
    """The stored form of *token*."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(text: str | None) -> bool:
    """True if *text* has the shape of a pycustoms token (never show or log such a text)."""
    return bool(text) and _TOKEN_SHAPE.match(text or "") is not None


def _publish_patterns(patterns: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for raw in patterns:
        pattern = raw.strip()
        if not pattern:
            continue
        if not _PATTERN.match(pattern):
            raise UsageError(
                f"publish pattern {pattern!r} must be a project name, a name prefix ending "
                "in *, or *"
            )
        if pattern == "*":
            out.append(pattern)  # every project (still never an upstream name: see views.upload)
            continue
        star = pattern.endswith("*")
        out.append(normalize_name(pattern.rstrip("*")) + ("*" if star else ""))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What a valid token may do: its name (the environment) and the projects it may upload."""

    name: str
    publish: tuple[str, ...] = ()

    def may_publish(self, project: str) -> bool:
        """True if this token may upload files of *project* (a normalised name)."""
        return any(fnmatch.fnmatchcase(project, p) for p in self.publish)


def token_rights(row: TokenRow, now: datetime) -> TokenInfo | None:
    """The token's rights, or `None` if it is revoked or expired."""
    if row.revoked_at is not None:
        return None
    expires = row.expires_at
    if expires is not None:
        expires = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
        if expires <= now:
            return None
    publish = tuple(p for p in (row.publish or "").split(",") if p)
    return TokenInfo(row.name, publish)


def create_token(
    db: Database,
    name: str,
    *,
    publish: tuple[str, ...] | list[str] = (),
    expires_at: datetime | None = None,
    also: Callable[[str], Iterable[Any]] | None = None,
) -> str:
    """Create a token called *name*; return it (it is shown once and never stored).

    A name that a valid token already has is refused: the name is the
    environment identity of the install log, so two tokens must not share it.
    *also* gives rows (a role) to write in the same transaction, from the token's hash.
    """
    name = name.strip()
    if not name or len(name) > 128 or any(c.isspace() or c in ":/" for c in name):
        raise UsageError(f"token name {name!r} must be 1-128 characters, no spaces, ':' or '/'")
    if looks_like_token(name):
        raise UsageError("a token name must not look like a token")
    patterns = _publish_patterns(publish)
    now = datetime.now(UTC)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.session() as session, session.begin():
        rows = session.scalars(select(TokenRow).where(TokenRow.name == name)).all()
        if any(token_rights(row, now) is not None for row in rows):
            raise UsageError(
                f"a valid token named {name!r} exists already; revoke it first "
                f"(pycustoms token revoke {name}) or choose another name"
            )
        session.add(
            TokenRow(
                name=name,
                token_sha256=hash_token(token),
                created_at=now,
                expires_at=expires_at,
                publish=",".join(patterns) or None,
            )
        )
        if also is not None:
            session.add_all(list(also(hash_token(token))))
    return token


def revoke_token(db: Database, name: str, *, record: Callable[[int], Any] | None = None) -> int:
    """Revoke every valid token called *name*; return how many were revoked.

    *record* gives a row (an audit entry) to write in the same transaction, from the
    count: a crash cannot leave a revocation that nobody recorded.
    """
    now = datetime.now(UTC)
    with db.session() as session, session.begin():
        result = session.execute(
            update(TokenRow)
            .where(TokenRow.name == name, TokenRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        count = int(getattr(result, "rowcount", 0) or 0)
        if count and record is not None:
            session.add(record(count))
    return count


@dataclass(frozen=True, slots=True)
class TokenListing:
    """One token as `pycustoms token list` shows it (never the token itself)."""

    name: str
    sha256: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    publish: tuple[str, ...]

    @property
    def state(self) -> str:
        """`valid`, `expired` or `revoked`."""
        if self.revoked_at is not None:
            return "revoked"
        expires = self.expires_at
        if expires is not None:
            expires = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
            if expires <= datetime.now(UTC):
                return "expired"
        return "valid"


def list_tokens(db: Database) -> list[TokenListing]:
    """Every token, oldest first."""
    with db.session() as session:
        rows = session.scalars(select(TokenRow).order_by(TokenRow.id)).all()
    return [
        TokenListing(
            r.name,
            r.token_sha256,
            r.created_at,
            r.expires_at,
            r.revoked_at,
            tuple(p for p in (r.publish or "").split(",") if p),
        )
        for r in rows
    ]


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


def credentials_token(creds: tuple[str, str] | None) -> tuple[str | None, str | None]:
    """(token, label) from basic-auth credentials.

    The password is the token; a token-shaped user name with no password is a
    token too (some clients put it there), never a label to show anyone.
    """
    if creds is None:
        return None, None
    user, password = creds
    if password:
        label = None if looks_like_token(user) or user == "__token__" else user
        return password, label
    if looks_like_token(user):
        return user, None
    return None, user or None


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is asking: the environment name logged, and the token's rights if one was shown."""

    environment: str
    token: TokenInfo | None = None

    @property
    def authenticated(self) -> bool:
        """True if a valid token was shown."""
        return self.token is not None


class TokenBook:
    """Recently checked tokens (rights by hash) and recently refused ones, both bounded."""

    def __init__(self, db: Database, *, recheck: float = RECHECK_SECONDS) -> None:
        self._db = db
        self._recheck = recheck
        self._known: OrderedDict[str, tuple[TokenInfo, float]] = OrderedDict()
        self._unknown: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def cached(self, token: str) -> TokenInfo | bool | None:
        """The token's rights if checked within a second; `False` if recently refused;
        `None` to ask `lookup`."""
        digest = hash_token(token)
        now = time.monotonic()
        found = self._known.get(digest)
        if found is not None and now - found[1] < self._recheck:
            return found[0]
        seen = self._unknown.get(digest)
        if seen is not None and now - seen < _NEGATIVE_TTL:
            return False
        return None

    def lookup(self, token: str) -> TokenInfo | None:
        """The token's rights from the database (blocking), or `None` if it is not valid."""
        digest = hash_token(token)
        with self._db.session() as session:
            row = session.scalars(select(TokenRow).where(TokenRow.token_sha256 == digest)).first()
            info = token_rights(row, datetime.now(UTC)) if row is not None else None
        now = time.monotonic()
        with self._lock:
            if info is None:
                self._known.pop(digest, None)
                _remember(self._unknown, digest, now)
            else:
                self._unknown.pop(digest, None)
                _remember(self._known, digest, (info, now))
        return info


_T = TypeVar("_T")


def _remember(cache: OrderedDict[str, _T], key: str, value: _T) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > _MAX_CACHED:
        cache.popitem(last=False)


def environment_name(header_env: str | None, label: str | None, token: TokenInfo | None) -> str:
    """The environment for the install log.

    Without a token: the `X-Pycustoms-Env` header, else the basic-auth user name,
    else `anonymous`. With a token the environment is the token's name, and a
    label (header or user name) only refines it as `TOKEN:LABEL`: one token can
    tag its jobs, but no client can claim another token's environment.
    """
    chosen = next(
        (
            c.strip()[:128]
            for c in (header_env, label)
            if c and c.strip() and not looks_like_token(c)
        ),
        None,
    )
    if token is None:
        return chosen or ANONYMOUS
    if chosen is None or chosen == token.name:
        return token.name
    return f"{token.name}:{chosen}"
