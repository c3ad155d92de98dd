"""Open the local database and bring its schema up to date with alembic.

SQLite (the default) runs in WAL mode so that readers never wait on a writer;
any other SQLAlchemy URL (PostgreSQL for several replicas) works unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from pycustoms.errors import ConfigError, PycustomsError

MIGRATIONS = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class Database:
    """A database at *url*, migrated to the newest schema on `open()`."""

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise ConfigError(f"database-url {url!r} is not a SQLAlchemy URL") from None
        self.url = url
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database or "").parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def open(self) -> Database:
        """Apply pending migrations; return self."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "heads")  # feature branches may add parallel heads
        except SQLAlchemyError as exc:
            raise PycustomsError(
                f"the database at {self.url} could not be opened or migrated "
                f"({type(exc).__name__}: {exc}); check database-url and that the directory "
                "is writable"
            ) from None
        return self

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session, closed on exit."""
        with self._sessions() as session:
            yield session

    def close(self) -> None:
        """Dispose of the connection pool."""
        self.engine.dispose()
