"""The console and admin API: a FastAPI application mounted beside the index.

`build_app` returns the ASGI app the index dispatches `/api/...` and `/console/...` to;
its OpenAPI document is at `/api/v1/openapi.json`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pycustoms import __version__
from pycustoms.server.console import problems
from pycustoms.server.console.service import Console


def build_app(console: Console) -> FastAPI:
    """The FastAPI application of the console and the admin API."""
    from pycustoms.server import admin_api  # noqa: PLC0415 - admin_api imports this package
    from pycustoms.server.console import html  # noqa: PLC0415

    app = FastAPI(
        title="pycustoms admin API",
        version=__version__,
        description="Incidents, quarantine decisions, environments and the audit log.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.console = console
    problems.install(app)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problems.problem_media_types(generate())
        return app.openapi_schema

    # FastAPI's documented way to post-process its document is replacing this method.
    app.openapi = openapi  # type: ignore[method-assign]
    app.include_router(admin_api.router)
    app.include_router(html.router)

    @app.get("/console", include_in_schema=False)
    def console_root() -> RedirectResponse:
        return RedirectResponse("/console/", status_code=308)

    app.add_middleware(_Hardened)
    return app


class _Hardened:
    """Every answer of the console and API, errors and redirects included, carries the
    security headers (pages set theirs; a 401 problem or a 404 from the router did not)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in _SECURITY_HEADERS:
                    headers.setdefault(key, value)
            await send(message)

        await self.app(scope, receive, hardened)


_SECURITY_HEADERS = (
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    ("content-security-policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
)


__all__ = ["Console", "build_app"]
