"""The admin API under `/api/v1`: JSON over the console's read models and actions.

Routes are synchronous (FastAPI runs them in threads: they read the database);
changes to the running index are handed to the event loop with `from_thread`.
Every route declares its answer (`response_model`, from `console.schemas`, checked by
FastAPI before it is sent) and its errors (RFC 9457 problems, `console.problems`).
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime
from typing import Annotated, Any

from anyio import from_thread
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from pycustoms.errors import UsageError
from pycustoms.incident.formats import to_dict
from pycustoms.incident.model import parse_spec
from pycustoms.incident.query import incident_report
from pycustoms.server.clientenv import client_env
from pycustoms.server.console import actions, data, schemas
from pycustoms.server.console.access import Principal, Role, principal, token_from
from pycustoms.server.console.problems import error_responses
from pycustoms.server.console.service import Console
from pycustoms.server.prefetch import Wanted, prefetch
from pycustoms.types import normalize_name

_CHALLENGE = {"WWW-Authenticate": 'Basic realm="pycustoms console"'}


def console_of(request: Request) -> Console:
    """The `Console` of this process (set on the app by `build_app`)."""
    found: Console = request.app.state.console
    return found


def authenticate(request: Request, minimum: Role | None) -> Principal:
    """The principal behind the request, at least *minimum* (`None`: any valid token)."""
    token = token_from(request.headers.get("authorization"))
    who = principal(console_of(request).state.db, token) if token else None
    if who is None:
        raise HTTPException(401, "a console token is required", headers=_CHALLENGE)
    if minimum is not None and (who.role is None or not who.role.allows(minimum)):
        raise HTTPException(403, f"this needs the {minimum.value} role")
    return replace(who, form_token=who.csrf(console_of(request).secret))


def reader(request: Request) -> Principal:
    """Dependency: a token with at least the reader role."""
    return authenticate(request, Role.READER)


def approver(request: Request) -> Principal:
    """Dependency: a token with at least the approver role."""
    return authenticate(request, Role.APPROVER)


def admin(request: Request) -> Principal:
    """Dependency: a token with the admin role."""
    return authenticate(request, Role.ADMIN)


def any_token(request: Request) -> Principal:
    """Dependency: any valid token (install tokens report their environments)."""
    return authenticate(request, None)


Reader = Annotated[Principal, Depends(reader)]
Approver = Annotated[Principal, Depends(approver)]
Admin = Annotated[Principal, Depends(admin)]
AnyToken = Annotated[Principal, Depends(any_token)]


class Decision(BaseModel):
    """A quarantine decision's reason."""

    reason: str = Field(min_length=1, max_length=2000)


class ManualBlock(BaseModel):
    """A release to block by hand."""

    project: str = Field(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    version: str = Field(min_length=1, max_length=128)
    reason: str = Field(min_length=1, max_length=2000)


class ReportedFile(BaseModel):
    """One file of an installed distribution (from its RECORD)."""

    path: str = Field(max_length=1024)
    sha256: str | None = Field(default=None, max_length=64)


class ReportedDist(BaseModel):
    """One installed distribution."""

    name: str = Field(min_length=1, max_length=256)
    version: str = Field(min_length=1, max_length=128)
    files: list[ReportedFile] = Field(default_factory=list, max_length=100_000)


class EnvironmentReport(BaseModel):
    """What an environment has installed."""

    distributions: list[ReportedDist] = Field(max_length=100_000)


class PrefetchProject(BaseModel):
    """One project to fetch and scan ahead of its first download."""

    name: str = Field(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    version: str | None = Field(default=None, min_length=1, max_length=128)
    sha256: list[str] = Field(
        default_factory=list, max_length=10_000, description="the lock's files (hex sha256)"
    )


class PrefetchRequest(BaseModel):
    """A lock's projects; `user_agent` picks files for that installer when no hashes are given."""

    projects: list[PrefetchProject] = Field(min_length=1, max_length=10_000)
    user_agent: str | None = Field(default=None, max_length=4096)


def _usage(exc: UsageError, *loc: str) -> HTTPException:
    # The item list of FastAPI's own validation errors: the problem handler turns both
    # into one 422 form (`errors`), so clients (and schemathesis) parse one 422, not two.
    detail = [{"loc": list(loc), "msg": str(exc), "type": "value_error"}]
    return HTTPException(422, detail)


_READ = error_responses(401, 403)
_READ_INPUT = error_responses(401, 403, 422)
_DECIDE = error_responses(401, 403, 404, 422)


router = APIRouter(prefix="/api/v1")


@router.get(
    "/incident",
    summary="Who installed a release, and what to rotate",
    response_model=schemas.IncidentReport,
    responses=_READ_INPUT,
)
def get_incident(
    request: Request,
    _who: Reader,
    spec: Annotated[list[str], Query(min_length=1, description="NAME==VERSION or NAME")],
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """The incident report of *spec* (repeatable), as `pycustoms incident --format json`."""
    console = console_of(request)
    try:
        specs = [parse_spec(s, since, until) for s in spec]
    except UsageError as exc:
        raise _usage(exc, "query", "spec") from None
    report = incident_report(console.state.db, specs, _findings(console))
    return to_dict(report)


def _findings(console: Console) -> Any:
    def findings_of(sha: str, filename: str) -> Any:
        result = console.scan_stored(sha, filename)
        return None if result is None else result.verdict.findings

    return findings_of


@router.get(
    "/incidents",
    summary="Incidents detected after the fact",
    response_model=list[schemas.Incident],
    responses=_READ,
)
def get_incidents(request: Request, _who: Reader) -> list[dict[str, Any]]:
    """Releases blocked after they were served, newest first."""
    return data.incidents(console_of(request).state.db)


@router.get(
    "/quarantine",
    summary="Files the scanner blocked, awaiting a decision",
    response_model=list[schemas.Verdict],
    responses=_READ_INPUT,
)
def get_quarantine(
    request: Request,
    _who: Reader,
    all: bool = False,
) -> list[dict[str, Any]]:
    """Pending quarantined files (`all=true`: decided ones too)."""
    return data.quarantine(console_of(request).state.db, pending_only=not all)


def _decide(
    request: Request, who: Principal, sha256: str, decision: str, reason: str
) -> dict[str, Any]:
    console = console_of(request)
    try:
        done = actions.decide(console.state.db, sha256, decision, reason, who.name)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    except UsageError as exc:
        raise _usage(exc, "body") from None
    from_thread.run_sync(console.apply_decision, sha256, decision, reason, done["project"])
    return done


@router.post(
    "/quarantine/{sha256}/approve",
    summary="Serve a quarantined file",
    response_model=schemas.DecisionDone,
    responses=_DECIDE,
)
def approve(request: Request, who: Approver, sha256: str, body: Decision) -> dict[str, Any]:
    """Approve the file: the index serves it from now on. Needs the approver role."""
    return _decide(request, who, sha256, "approve", body.reason)


@router.post(
    "/quarantine/{sha256}/deny",
    summary="Keep a quarantined file out",
    response_model=schemas.DecisionDone,
    responses=_DECIDE,
)
def deny(request: Request, who: Approver, sha256: str, body: Decision) -> dict[str, Any]:
    """Deny the file: it stays blocked, and leaves the queue. Needs the approver role."""
    return _decide(request, who, sha256, "deny", body.reason)


@router.post(
    "/blocks",
    summary="Block a release by hand (retroactive detection)",
    response_model=schemas.BlockDone,
    responses=_READ_INPUT,
)
def post_block(request: Request, who: Admin, body: ManualBlock) -> dict[str, Any]:
    """Block a release; if environments installed it, open an incident and notify webhooks."""
    console = console_of(request)
    try:
        return from_thread.run(
            console.block_release, body.project, body.version, body.reason, who.name
        )
    except UsageError as exc:
        raise _usage(exc, "body") from None


@router.get(
    "/environments",
    summary="Environments seen by the index or reported",
    response_model=list[schemas.EnvironmentSummary],
    responses=_READ,
)
def get_environments(request: Request, _who: Reader) -> list[dict[str, Any]]:
    """Every environment with its install count and last install."""
    return data.environments(console_of(request).state.db)


@router.get(
    "/environments/{name}",
    summary="What one environment installed",
    response_model=schemas.EnvironmentDetail,
    responses=_READ_INPUT,
)
def get_environment(request: Request, _who: Reader, name: str) -> dict[str, Any]:
    """Installs per release and reported distributions of one environment."""
    return data.environment(console_of(request).state.db, name)


@router.put(
    "/environments/{name}/report",
    summary="Report an environment's distributions",
    response_model=schemas.ReportStored,
    responses=error_responses(401, 403, 422),
)
def put_report(
    request: Request, who: AnyToken, name: str, body: EnvironmentReport
) -> dict[str, Any]:
    """Replace what *name* reported (for machines that did not install through the index).

    A token reports only for its own environment (its name, or `NAME:LABEL`); an
    admin token may report for any.
    """
    own = name == who.name or name.startswith(who.name + ":")
    if not own and not (who.role is not None and who.role.allows(Role.ADMIN)):
        raise HTTPException(403, f"the token {who.name!r} may only report its own environment")
    dists = [d.model_dump() for d in body.distributions]
    try:
        count = actions.report(console_of(request).state.db, name, dists, who.name)
    except UsageError as exc:
        raise _usage(exc, "body") from None
    return {"environment": name, "distributions": count}


@router.post(
    "/tokens/{name}/revoke",
    summary="Revoke every valid token of a name",
    response_model=schemas.TokensRevoked,
    responses=error_responses(401, 403, 404, 422),
)
def revoke(request: Request, who: Admin, name: str, body: Decision) -> dict[str, Any]:
    """Revoke the token(s) named *name*: the index refuses them within a second."""
    console = console_of(request)
    try:
        count = actions.revoke_tokens(console.state.db, name, body.reason, who.name)
    except UsageError as exc:  # a blank reason
        raise _usage(exc, "body", "reason") from None
    if count == 0:
        raise HTTPException(404, f"no valid token named {name!r}")
    return {"name": name, "revoked": count}


@router.get(
    "/packages/{project}",
    summary="Files, verdicts, installs and blocks of a project",
    response_model=schemas.Package,
    responses=_READ_INPUT,
)
def get_package(request: Request, _who: Reader, project: str) -> dict[str, Any]:
    """What the index knows about one project."""
    return data.package(console_of(request).state.db, normalize_name(project))


@router.post(
    "/prefetch",
    summary="Fetch and scan a lock's files ahead of their first download",
    response_model=list[schemas.PrefetchedFile],
    responses=_READ_INPUT,
)
def post_prefetch(request: Request, _who: Admin, body: PrefetchRequest) -> list[dict[str, Any]]:
    """Fetch and scan the files (waits for the scans); what became of each."""
    wanted = [
        Wanted(p.name, p.version, frozenset(h.lower() for h in p.sha256)) for p in body.projects
    ]
    state = console_of(request).state
    done = from_thread.run(prefetch, state, wanted, client_env(body.user_agent))
    return [asdict(item) for item in done]


@router.get(
    "/audit",
    summary="The audit log",
    response_model=list[schemas.AuditEntry],
    responses=_READ,
)
def get_audit(request: Request, _who: Reader) -> list[dict[str, Any]]:
    """Every state change: who, when, what and why (newest first)."""
    return data.audit(console_of(request).state.db)
