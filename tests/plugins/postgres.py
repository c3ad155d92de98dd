"""The `postgres_server` and `postgres_url` fixtures: a real PostgreSQL of the test session.

One server per test process (each xdist worker starts its own, on its own port and
directory), started on first use and stopped at the end; every test that asks for
`postgres_url` gets a new, empty database on it. Where PostgreSQL is not installed
the tests that need it skip and say which package to install.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.postgres import LocalPostgres, PostgresUnavailableError


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[LocalPostgres]:
    """A running PostgreSQL server of this test process."""
    try:
        server = LocalPostgres()
    except PostgresUnavailableError as exc:
        pytest.skip(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: LocalPostgres) -> str:
    """The SQLAlchemy URL of a new, empty database on the session's server."""
    return postgres_server.create_database()
