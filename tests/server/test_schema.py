"""schemathesis against the admin API's own OpenAPI document, in process (ASGI).

Every operation of `/api/v1/openapi.json` gets generated requests with an admin
token (which holds every role); the server must never answer 5xx and every
answer must conform to the response schema the document declares. The
database is seeded with install events, a quarantined file, an incident and a
reported environment so that the read models return real rows, not empty lists.

The response models are strict and closed (`additionalProperties: false`), and
FastAPI checks each answer against its model, so a read model that returns a
field of the wrong type, or one the document does not declare, fails here; the
last tests prove that the check has teeth.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi.exceptions import ResponseValidationError
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from pycustoms.db.firewall import ScanVerdictRow
from pycustoms.server.app import FirewallApp, create_app
from pycustoms.server.console import actions, data
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
        _check(operation, headers, examples=25)


def _check(operation: Any, headers: dict[str, str], examples: int) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,  # the same examples on every run: CI fails for a change, not by luck
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=_CHECKS)

    check()


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "object" or "properties" in node:
            yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


def test_every_answer_is_declared_closed(api_schema: Any) -> None:
    document = api_schema.raw_schema
    paths = document["paths"]
    for path, item in paths.items():
        for method, operation in item.items():
            answers = operation["responses"]
            assert "200" in answers, (method, path)
            ok = answers["200"]["content"]["application/json"]["schema"]
            assert ok != {}, f"{method} {path} declares no response model"
            for status in ("401", "422"):
                if status in answers:
                    problem = answers[status]["content"]["application/problem+json"]["schema"]
                    assert problem == {"$ref": "#/components/schemas/Problem"}
    for name, model in document["components"]["schemas"].items():
        if name in {"HTTPValidationError", "ValidationError"}:
            continue  # FastAPI's own (request bodies), not answers
        for obj in _objects(model):
            if "properties" in obj and name not in {"Decision", "ManualBlock", "EnvironmentReport",
                                                     "ReportedDist", "ReportedFile",
                                                     "PrefetchRequest", "PrefetchProject"}:  # fmt: skip
                assert obj.get("additionalProperties") is False, name
                for field, spec in obj["properties"].items():
                    assert spec.get("description"), f"{name}.{field} has no description"


def test_a_field_of_the_wrong_type_fails_the_check(
    api_schema: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = data.audit

    def drifted(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        rows = entries(*args, **kwargs)
        return [{**row, "id": str(row["id"])} for row in rows]  # an int sent as a string

    monkeypatch.setattr(data, "audit", drifted)
    headers = {"Authorization": f"Bearer {_TOKENS['admin']}"}
    operation = api_schema["/api/v1/audit"]["GET"]
    # In process the server's exception reaches the test; over HTTP it is a 500, which
    # `not_a_server_error` reports.
    with pytest.raises(ResponseValidationError) as failed:
        _check(operation, headers, examples=1)
    assert {e["loc"][-1] for e in failed.value.errors()} == {"id"}


@pytest.mark.parametrize("route", ["/api/v1/tokens/0/revoke", "/api/v1/blocks"])
def test_a_blank_reason_is_a_422_not_a_500(route: str, tmp_path: Path) -> None:
    """Found by the schema check: a reason of spaces reached `actions` and answered 500."""
    config = tmp_path / "pycustoms.toml"
    config.write_text("")
    app = create_app(
        config, {"data_dir": str(tmp_path / "data"), "upstream": "http://127.0.0.1:9/simple/"}
    )
    _seed(app)
    console = app.console_app
    assert console is not None

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=console)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            body = {"reason": " ", "project": "goodpkg", "version": "2.0"}
            headers = {"Authorization": f"Bearer {_TOKENS['admin']}"}
            return await client.post(route, json=body, headers=headers)

    try:
        answer = asyncio.run(post())
        assert answer.status_code == 422, answer.text
        assert "a reason is required" in answer.text
    finally:
        app.state.close()
