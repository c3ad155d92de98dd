"""schemathesis against the admin API's own OpenAPI document, in process (ASGI).

Every operation of `/api/v1/openapi.json` gets generated requests with an admin
token (which holds every role); the server must never answer 5xx and every
answer must conform to the response schema the document declares. The
database is seeded with install events, a quarantined file, an incident and a
reported environment so that the read models return real rows, not empty lists.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from pycustoms.db.firewall import ScanVerdictRow
from pycustoms.server.app import FirewallApp, create_app
from pycustoms.server.console import actions
from pycustoms.server.console.access import create_role_token
from pycustoms.server.installlog import InstallEvent

_TOKENS: dict[str, str] = {}
_CHECKS = [not_a_server_error, response_schema_conformance]


def _seed(app: FirewallApp) -> None:
    db = app.state.db
    _TOKENS["admin"] = create_role_token(db, "root", "admin")
    start = datetime.now(UTC) - timedelta(days=3)
    for n in range(30):
        app.state.log.record(
            InstallEvent(
                start + timedelta(minutes=n), f"build-{n % 3}", "127.0.0.1", "pip", "24.0",
                "goodpkg", "2.0", "goodpkg-2.0-py3-none-any.whl", "a" * 64,
            )
        )  # fmt: skip
    app.state.log.close()
    with db.session() as session, session.begin():
        session.add(
            ScanVerdictRow(
                sha256="b" * 64, filename="evilpkg-1.0-py3-none-any.whl", decision="block",
                score=90, reasons=["code/environment-dump: dumps os.environ"],
                rules=["code/environment-dump"], error=None, scanned_at=start,
            )
        )  # fmt: skip
    actions.block(db, "goodpkg", "2.0", "account taken over", "root")
    actions.report(db, "laptop-7", [{"name": "goodpkg", "version": "2.0", "files": []}], "root")


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp: Path = tmp_path_factory.mktemp("schema")
    config = tmp / "pycustoms.toml"
    config.write_text("")
    app = create_app(
        config, {"data_dir": str(tmp / "data"), "upstream": "http://127.0.0.1:9/simple/"}
    )
    _seed(app)
    assert app.console_app is not None
    try:
        yield schemathesis.openapi.from_asgi("/api/v1/openapi.json", app.console_app)
    finally:
        app.state.close()


def test_admin_api_conforms_to_its_schema(api_schema: Any) -> None:
    headers = {"Authorization": f"Bearer {_TOKENS['admin']}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10  # every route of admin_api is in the document

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=_CHECKS)

        check()
