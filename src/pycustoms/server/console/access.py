"""Who may do what in the console and admin API: token roles `reader` < `approver` < `admin`.

Console tokens are ordinary tokens (`pycustoms token create NAME --role ROLE`) with a
role row; install tokens have no role and cannot use the console. The token goes in
`Authorization: Bearer TOKEN` or as the password of basic auth (browsers prompt for it).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from pycustoms.db.console import TokenRoleRow
from pycustoms.db.firewall import TokenRow
from pycustoms.db.session import Database
from pycustoms.errors import UsageError
from pycustoms.server.auth import create_token, hash_token, parse_basic, token_rights


class Role(enum.StrEnum):
    """Console roles, each including the ones before it."""

    READER = "reader"
    APPROVER = "approver"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """0 reader, 1 approver, 2 admin."""
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        """True if this role may do what *needed* may."""
        return self.rank >= needed.rank


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated console user: the token's name, its role and its hash."""

    name: str
    role: Role | None
    token_sha256: str
    # The form token of this request's page (see `csrf`), filled in by the console.
    form_token: str = ""

    def csrf(self, secret: bytes, *, now: float | None = None) -> str:
        """The form token of this principal for the current hour (forms must carry it).

        Keyed by the server's secret (`console_secret`), the token and the hour: it
        changes every hour and cannot be computed from the token alone.
        """
        window = int((time.time() if now is None else now) // CSRF_WINDOW)
        return _csrf(secret, self.token_sha256, window)

    def csrf_valid(self, secret: bytes, value: str, *, now: float | None = None) -> bool:
        """True if *value* is this principal's form token of this hour or the previous one."""
        window = int((time.time() if now is None else now) // CSRF_WINDOW)
        return any(
            hmac.compare_digest(value.encode(), _csrf(secret, self.token_sha256, w).encode())
            for w in (window, window - 1)
        )


CSRF_WINDOW = 3600.0


def _csrf(secret: bytes, token_sha256: str, window: int) -> str:
    message = f"pycustoms-console:{token_sha256}:{window}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def console_secret(data_dir: Path) -> bytes:
    """The console's signing secret, created once in the data directory (mode 0600).

    Replicas that share the data directory share it; forms signed by one verify on all.
    """
    path = data_dir / "console.key"
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        pass
    secret = secrets.token_bytes(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another replica made it a moment ago
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secret.hex())
    return secret


def create_role_token(
    db: Database,
    name: str,
    role: str | None,
    *,
    publish: tuple[str, ...] | list[str] = (),
    expires_at: datetime | None = None,
) -> str:
    """Create a token (as `pycustoms token create`) and give it *role* if one is named."""
    chosen: Role | None = None
    if role is not None:
        try:
            chosen = Role(role)
        except ValueError:
            raise UsageError(f"role {role!r} is not one of reader, approver, admin") from None

    def role_row(sha256: str) -> list[TokenRoleRow]:
        return [] if chosen is None else [TokenRoleRow(token_sha256=sha256, role=chosen.value)]

    # One transaction: a crash cannot leave a token without the role it was made for.
    return create_token(db, name, publish=publish, expires_at=expires_at, also=role_row)


def token_from(authorization: str | None) -> str | None:
    """The token in a Bearer or basic-auth `Authorization` header."""
    if not authorization:
        return None
    if authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    creds = parse_basic(authorization)
    return creds[1] if creds and creds[1] else None


def principal(db: Database, token: str) -> Principal | None:
    """The principal a token stands for, or `None` if it is not a valid token."""
    digest = hash_token(token)
    with db.session() as session:
        row = session.scalars(select(TokenRow).where(TokenRow.token_sha256 == digest)).first()
        if row is None or token_rights(row, datetime.now(UTC)) is None:
            return None  # unknown, revoked or expired: checked on every request
        role = session.get(TokenRoleRow, digest)
    return Principal(row.name, Role(role.role) if role is not None else None, digest)


def roles_by_token(db: Database) -> dict[str, str]:
    """The console role of every token that has one, by token sha256."""
    with db.session() as session:
        return {r.token_sha256: r.role for r in session.scalars(select(TokenRoleRow))}
