"""Open the local database and bring its schema up to date with alembic.

SQLite (the default) runs in WAL mode so that readers never wait on a writer.
PostgreSQL (several replicas on one database, docs/scale.md) runs the same
migrations through psycopg 3: `postgresql://` URLs are taken to mean that driver.
What is particular to one engine stays in this module (SQLite's pragmas,
PostgreSQL's migration lock) and in `db.bulk` (PostgreSQL's COPY).

Almost every open finds the schema current, and importing alembic and running
`upgrade` costs a short-lived CLI process more than the rest of its work (about
100 ms of imports alone). So `open()` first compares the `alembic_version` rows
with the heads of the migration scripts, read from the files with `ast` (a
millisecond; no alembic import), and runs alembic only when they differ. A
test keeps `script_heads` in agreement with alembic's own view.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from pycustoms.errors import ConfigError, PycustomsError
from pycustoms.redact import redact

MIGRATIONS = Path(__file__).with_name("migrations")
# alembic's default version table (env.py does not change it): one row per head.
_STAMPED = "SELECT version_num FROM alembic_version"


def _revision_ids(value: object) -> tuple[str, ...] | None:
    """`revision`/`down_revision` as a tuple of ids (`None`: not a form alembic allows)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, tuple | list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _assignments(path: Path) -> dict[str, object] | None:
    """Top-level literal assignments of a migration script; `None` if it will not parse."""
    try:
        tree = ast.parse(path.read_bytes(), str(path))
    except (OSError, SyntaxError, ValueError):
        return None
    found: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name) and target.id in {"revision", "down_revision"}:
                try:
                    found[target.id] = ast.literal_eval(value)
                except ValueError:
                    return None
    return found


def script_heads(versions: Path = MIGRATIONS / "versions") -> frozenset[str] | None:
    """The head revisions of the migration scripts in *versions*, as alembic computes them.

    A head is a revision no other revision names as its `down_revision`; parallel
    branches (features adding migrations side by side) give several heads, and a
    merge script (a tuple `down_revision`) joins them again. Files without a
    `revision` (`__init__.py`) are not migrations. `None` when some script cannot
    be read this way: the caller then lets alembic decide.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(versions.glob("*.py")):
        if path.name.startswith((".", "_")):
            continue  # editor lock files, `__init__.py`
        found = _assignments(path)
        if found is None:
            return None
        if "revision" not in found:
            continue
        revision = _revision_ids(found["revision"])
        down = _revision_ids(found.get("down_revision"))
        if revision is None or len(revision) != 1 or down is None:
            return None
        revisions.add(revision[0])
        parents.update(down)
    heads = frozenset(revisions - parents)
    return heads or None


_CACHE_KIB = 512  # SQLite page cache per connection


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # Each pooled connection keeps its own page cache (2 MiB by default) and fills it as
    # the install log grows: with up to 15 connections that is memory the server keeps
    # growing into for its first minutes. The operating system caches the file anyway.
    cursor.execute(f"PRAGMA cache_size=-{_CACHE_KIB}")
    cursor.close()


# Two replicas started together must not both run the migrations: the first one
# takes this transaction-scoped advisory lock, the second waits and then finds the
# schema current. (Any constant works; it only has to be the same in every replica.)
_MIGRATION_LOCK = 0x70796375  # "pycu"
# SQLAlchemy's `postgresql://` means psycopg2, which pycustoms does not install.
_DRIVERLESS = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


def normalize_url(url: str) -> str:
    """*url* with `postgresql://` (and `postgres://`) naming the psycopg 3 driver."""
    scheme, sep, rest = url.partition("://")
    return f"{_DRIVERLESS[scheme]}{sep}{rest}" if sep and scheme in _DRIVERLESS else url


class Database:
    """A database at *url*, migrated to the newest schema on `open()`.

    *migrations* is the alembic script directory (tests give their own).
    """

    def __init__(self, url: str, *, migrations: Path = MIGRATIONS) -> None:
        url = normalize_url(url)
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise ConfigError(f"database-url {redact(url)!r} is not a SQLAlchemy URL") from None
        # `url` is what messages print: never the password.
        self.url = parsed.render_as_string(hide_password=True)
        self.migrations = migrations
        self.backend = parsed.get_backend_name()
        if self.backend == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database or "").parent.mkdir(parents=True, exist_ok=True)
        try:
            # pre-ping: a replica outlives restarts of a database server; a pooled
            # connection the server closed is replaced instead of failing a request.
            self.engine: Engine = create_engine(parsed, pool_pre_ping=self.backend != "sqlite")
        except ImportError as exc:
            raise ConfigError(
                f"database-url {self.url}: its driver is not installed ({exc})"
            ) from None
        if self.backend == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def open(self) -> Database:
        """Apply pending migrations (alembic runs only when some are pending); return self."""
        try:
            if not self.is_current():
                self.migrate()
        except SQLAlchemyError as exc:
            raise PycustomsError(
                f"the database at {self.url} could not be opened or migrated "
                f"({type(exc).__name__}: {redact(str(exc))}); {self._hint()}"
            ) from None
        return self

    def _hint(self) -> str:
        if self.backend == "sqlite":
            return "check database-url and that the directory is writable"
        return "check database-url, that the server answers and that the user may create tables"

    def is_current(self) -> bool:
        """True when the database's revisions are exactly the migration scripts' heads."""
        heads = script_heads(self.migrations / "versions")
        if heads is None:
            return False
        with self.engine.connect() as connection:
            try:
                rows = connection.exec_driver_sql(_STAMPED)
                stamped = frozenset(str(r) for r in rows.scalars())
            except DBAPIError:
                return False  # no version table yet: a new database
        return stamped == heads

    def migrate(self) -> None:
        """Run `alembic upgrade heads` (feature branches may add parallel heads)."""
        from alembic import command  # noqa: PLC0415 - ~100 ms, needed only to migrate
        from alembic.config import Config  # noqa: PLC0415

        config = Config()
        config.set_main_option("script_location", str(self.migrations))
        with self.engine.begin() as connection:
            if self.backend == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")

    def revisions(self) -> frozenset[str]:
        """The revisions the database is stamped with (empty before the first migration)."""
        try:
            with self.engine.connect() as connection:
                return frozenset(str(r) for r in connection.exec_driver_sql(_STAMPED).scalars())
        except DBAPIError:
            return frozenset()  # no version table yet, or no server: `open` tells which

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session, closed on exit."""
        with self._sessions() as session:
            yield session

    def close(self) -> None:
        """Dispose of the connection pool."""
        self.engine.dispose()
