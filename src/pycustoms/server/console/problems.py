"""Errors of the console and admin API as RFC 9457 problems, like the index's own.

The index answers a refused file with `application/problem+json` (`type`, `title`,
`status`, `detail`, `rule`); the console's FastAPI app answers its 401, 403, 404 and
422 the same way, so a client (or a proxy's log) reads one error form. A 422 adds
`errors`, FastAPI's list of `{"loc", "msg", "type"}`, so that every problem of an
input is reported at once.

A browser (its `Accept` prefers `text/html` to JSON) gets the same error as a console
page instead: status, title, detail and what to do next (sign in, ask for a role,
search the packages). API clients, `curl` and `httpx` (`*/*`) keep the JSON problem.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from pycustoms.server.console.schemas import Problem
from pycustoms.server.console.view import error_page

MEDIA_TYPE = "application/problem+json"

# status -> (rule id, title). 401 and 404 share the index's rule ids: same meaning.
_RULES: dict[int, tuple[str, str]] = {
    401: ("policy/unauthenticated", "Token missing or invalid"),
    403: ("console/forbidden", "Not allowed"),
    404: ("policy/not-found", "Not found"),
    422: ("console/invalid-request", "Invalid request"),
}


class ProblemResponse(JSONResponse):
    """A JSON response with the problem media type."""

    media_type = MEDIA_TYPE


def problem_document(
    status: int, detail: str, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The problem body for *status*."""
    rule, title = _RULES.get(status, (f"console/http-{status}", _phrase(status)))
    doc: dict[str, Any] = {
        "type": f"urn:pycustoms:rule:{rule}",
        "title": title,
        "status": status,
        "detail": detail,
        "rule": rule,
    }
    if errors is not None:
        doc["errors"] = errors
    return doc


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def issues(raw: Any) -> list[dict[str, Any]]:
    """FastAPI/pydantic error items reduced to `{"loc", "msg", "type"}`."""
    out: list[dict[str, Any]] = []
    for item in raw if isinstance(raw, list | tuple) else []:
        if isinstance(item, dict):
            loc = [p if isinstance(p, int) else str(p) for p in item.get("loc", ())]
            out.append({"loc": loc, "msg": str(item.get("msg", "")),
                        "type": str(item.get("type", "value_error"))})  # fmt: skip
    return out


def _summary(errors: list[dict[str, Any]]) -> str:
    parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:3]]
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return ("; ".join(parts) or "the request is not valid") + more


def _quality(accept: str, wanted: tuple[str, ...]) -> float:
    """The highest quality *accept* gives to any of the media types *wanted* (0 if none)."""
    best = 0.0
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if media.lower() not in wanted:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        best = max(best, quality)
    return best


def wants_html(accept: str | None) -> bool:
    """True for a browser: `text/html` is named, and ranked at least as high as JSON.

    Only an explicit `text/html` counts: `*/*` (curl, httpx, most libraries) keeps the
    problem document that API clients parse.
    """
    if not accept:
        return False
    html = _quality(accept, ("text/html", "application/xhtml+xml"))
    return html > 0 and html >= _quality(accept, ("application/json", MEDIA_TYPE))


def _answer(request: Request, body: dict[str, Any], headers: dict[str, str] | None) -> Response:
    if wants_html(request.headers.get("accept")):
        return error_page(body["status"], body["title"], body["detail"], headers)
    return ProblemResponse(body, body["status"], headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail: object = exc.detail  # FastAPI's HTTPException allows any JSON value here
    if isinstance(detail, list):  # a 422 raised with FastAPI's item list
        errors = issues(detail)
        body = problem_document(exc.status_code, _summary(errors), errors)
    else:
        body = problem_document(exc.status_code, str(detail))
    return _answer(request, body, dict(exc.headers) if exc.headers else None)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = issues(exc.errors())
    return _answer(request, problem_document(422, _summary(errors), errors), None)


async def _server_error(request: Request, exc: Exception) -> Response:
    """A failure of the console itself: logged by the server (Starlette re-raises it after
    this answer), shown without its details."""
    del exc
    detail = "the console failed to answer this request; the server's log has the traceback"
    return _answer(request, problem_document(500, detail), None)


def install(app: FastAPI) -> None:
    """Answer the app's HTTP, validation and unexpected errors as problems (or pages)."""
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _server_error)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each status declared with the `Problem` model."""
    what = {
        401: "No valid token (the `WWW-Authenticate` header asks for one).",
        403: "The token's role is too low for this route.",
        404: "No such file or object.",
        422: "The request is not valid; `errors` lists every problem.",
    }
    return {s: {"model": Problem, "description": what.get(s, _phrase(s))} for s in statuses}


def problem_media_types(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare error responses (4xx) as `application/problem+json` in an OpenAPI document.

    FastAPI puts an additional response's model under the route's media type
    (`application/json`); the problems are sent as `application/problem+json`.
    """
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if str(status).startswith("4") and "application/json" in content:
                    content[MEDIA_TYPE] = content.pop("application/json")
    return schema
