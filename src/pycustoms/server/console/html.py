"""The console's HTML pages under `/console/`: server-rendered, readable without JavaScript."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from pycustoms.errors import UsageError
from pycustoms.incident.formats import to_dict
from pycustoms.incident.model import parse_spec
from pycustoms.incident.query import incident_report
from pycustoms.report.document import finding_json
from pycustoms.server.admin_api import _findings, authenticate, console_of
from pycustoms.server.console import actions, catalog, data, overview
from pycustoms.server.console.access import Principal, Role
from pycustoms.server.console.service import Console
from pycustoms.server.console.view import PAGE_HEADERS, render
from pycustoms.types import ProjectName, normalize_name

__all__ = ["PAGE_HEADERS", "router"]

router = APIRouter(prefix="/console", include_in_schema=False)


def _page(
    name: str, who: Principal, flash: str | None = None, *, status: int = 200, **context: Any
) -> HTMLResponse:
    return render(name, who, flash, status=status, **context)


@router.get("/")
def dashboard(request: Request, done: str | None = None) -> HTMLResponse:
    """Trends per day, top block reasons, environments by exposure, incidents, recent
    blocks, the quarantine queue and recent installs."""
    who = authenticate(request, Role.READER)
    db = console_of(request).state.db
    return _page(
        "dashboard", who, done,
        trends=overview.trends(db, datetime.now(UTC)), reasons=overview.top_reasons(db),
        exposed=overview.exposure(db),
        incidents=data.incidents(db, 20), blocks=data.recent_blocks(db, 10),
        queue=data.quarantine(db, limit=20), installs=data.recent_installs(db, 20),
    )  # fmt: skip


_SORTS = (
    (catalog.Sort.RECENT, "newest activity first"),
    (catalog.Sort.FLAGGED, "most flagged first"),
    (catalog.Sort.NAME, "by name"),
)


@router.get("/packages")
def packages(request: Request, q: str = "", sort: str = "recent") -> HTMLResponse:
    """Every known package, searched by name (`q`) and ordered (`sort`)."""
    who = authenticate(request, Role.READER)
    try:
        order = catalog.Sort(sort)
    except ValueError:
        order = catalog.Sort.RECENT
    text = q.strip()[:200]
    rows, total = catalog.packages(console_of(request).state.db, text, order)
    return _page(
        "packages", who, q=text, sort=order.value, rows=rows, total=total,
        sorts=[(s.value, label) for s, label in _SORTS],
    )  # fmt: skip


async def _form(request: Request, who: Principal) -> dict[str, str]:
    """The posted form's text fields, once its origin and CSRF value are checked."""
    if not _same_origin(request):
        raise HTTPException(403, "the form was not posted from this console")
    form = await request.form()
    if not who.csrf_valid(console_of(request).secret, str(form.get("csrf", ""))):
        raise HTTPException(403, "the form is stale or not from this console; reload the page")
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _same_origin(request: Request) -> bool:
    """True if the browser says the post came from a page of this server (Origin, or
    Referer when a browser sends no Origin)."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed or claimed == "null":
        return False
    sent = urlsplit(claimed)
    here = urlsplit(str(request.base_url))
    return (sent.scheme, sent.netloc) == (here.scheme, here.netloc)


@router.get("/quarantine")
def quarantine(request: Request, done: str | None = None) -> HTMLResponse:
    """The quarantine queue with approve/deny forms."""
    who = authenticate(request, Role.READER)
    return _page("quarantine", who, done, queue=data.quarantine(console_of(request).state.db))


@router.post("/quarantine/{sha256}")
async def decide(request: Request, sha256: str) -> RedirectResponse:
    """Approve or deny one file (form post), then back to the queue."""
    who = authenticate(request, Role.APPROVER)
    form = await _form(request, who)
    decision, reason = form.get("decision", ""), form.get("reason", "")
    console = console_of(request)
    try:
        done = await asyncio.to_thread(
            actions.decide, console.state.db, sha256, decision, reason, who.name
        )
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    except UsageError as exc:
        raise HTTPException(422, str(exc)) from None
    console.apply_decision(sha256, decision, reason, done["project"])
    verb = "approved" if decision == "approve" else "denied"
    message = quote(f"{done['filename']} {verb}")
    return RedirectResponse(f"/console/quarantine?done={message}", status_code=303)


def _capability_diff(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_version: dict[str, set[str]] = {}
    for f in files:
        by_version.setdefault(f["version"], set()).update(f.get("capabilities", []))
    rows: list[dict[str, Any]] = []
    previous: set[str] | None = None
    for version in sorted(by_version, key=_version_key):
        caps = by_version[version]
        rows.append({
            "version": version, "capabilities": sorted(caps),
            "gained": sorted(caps - previous) if previous is not None else [],
            "lost": sorted(previous - caps) if previous is not None else [],
        })  # fmt: skip
        previous = caps
    return rows


def _version_key(text: str) -> Any:
    from packaging.version import InvalidVersion, Version  # noqa: PLC0415

    try:
        return (0, Version(text), "")
    except InvalidVersion:
        return (1, Version("0"), text)


def _by_file(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings grouped by the file inside the distribution, the worst file first."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for x in findings:
        groups.setdefault(x["file"] or "", []).append(x)
    out = []
    for path, items in groups.items():
        items.sort(key=lambda x: (-x["rank"], x["line"] or 0, x["rule"]))
        out.append({"path": path, "findings": items, "worst": items[0]["severity"],
                    "rank": items[0]["rank"]})  # fmt: skip
    return sorted(out, key=lambda g: (-g["rank"], g["path"]))


def _package_info(console: Console, project: str) -> dict[str, Any]:
    """The package page's facts: the read model plus each stored file's findings; blocking."""
    info = data.package(console.state.db, project)
    for f in info["files"]:
        result = console.scan_stored(f["sha256"], f["filename"])
        f["stored"] = result is not None
        f["capabilities"] = sorted(c.value for c in result.capabilities) if result else []
        f["findings"] = (
            [{**finding_json(x), "rank": int(x.severity)} for x in result.verdict.findings]
            if result
            else []
        )
        f["by_file"] = _by_file(f["findings"])
    versions = {f["version"] for f in info["files"]} | {i["version"] for i in info["installs"]}
    info["versions"] = sorted((v for v in versions if v), key=_version_key, reverse=True)
    return info


def _package_page(
    who: Principal, info: dict[str, Any], done: str | None = None, **context: Any
) -> HTMLResponse:
    return _page("package", who, done, p=info, diff=_capability_diff(info["files"]), **context)


async def _package_facts(
    console: Console, name: ProjectName
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The stored facts (in a thread) and the index's current view (on the loop)."""
    info, served = await asyncio.gather(
        asyncio.to_thread(_package_info, console, name), console.served(name)
    )
    return info, served


@router.get("/packages/{project}")
async def package(request: Request, project: str, done: str | None = None) -> HTMLResponse:
    """Hidden files with their reasons, each file's findings with snippets, capability
    diff, provenance, installs, blocks and incidents."""
    who = authenticate(request, Role.READER)
    info, served = await _package_facts(console_of(request), normalize_name(project))
    return _package_page(who, info, done, served=served, form={})


@router.post("/packages/{project}/block", response_model=None)
async def block(request: Request, project: str) -> HTMLResponse | RedirectResponse:
    """Block a release by hand (admin): as `POST /api/v1/blocks`, then back to the package.

    An invalid form (no version, an empty reason) shows the page again with the error
    and what was typed, rather than a bare error document.
    """
    who = authenticate(request, Role.ADMIN)
    form = await _form(request, who)
    version, reason = form.get("version", ""), form.get("reason", "")
    console = console_of(request)
    name = normalize_name(project)
    try:
        done = await console.block_release(name, version, reason, who.name)
    except UsageError as exc:
        info, served = await _package_facts(console, name)
        form = {"version": version, "reason": reason, "error": str(exc)}
        return _package_page(who, info, status=422, served=served, form=form)
    opened = " and opened an incident" if done["incident"] is not None else ""
    message = quote(f"{name}=={done['version']} blocked{opened}")
    return RedirectResponse(f"/console/packages/{quote(name)}?done={message}", status_code=303)


@router.get("/environments")
def environments(request: Request) -> HTMLResponse:
    """Every environment."""
    who = authenticate(request, Role.READER)
    return _page("environments", who, envs=data.environments(console_of(request).state.db))


@router.get("/environments/{name}")
def environment(request: Request, name: str) -> HTMLResponse:
    """One environment."""
    who = authenticate(request, Role.READER)
    return _page("environment", who, env=data.environment(console_of(request).state.db, name))


def _day(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        raise UsageError(f"{text!r} is not a date (YYYY-MM-DD)") from None


@router.get("/incident")
def incident(request: Request, spec: str = "", since: str = "", until: str = "") -> HTMLResponse:
    """The incident page: affected environments and the rotation checklist."""
    who = authenticate(request, Role.READER)
    console = console_of(request)
    report: dict[str, Any] | None = None
    error: str | None = None
    if spec:
        try:
            specs = [parse_spec(s, _day(since), _day(until)) for s in spec.split(",") if s.strip()]
            report = to_dict(incident_report(console.state.db, specs, _findings(console)))
        except UsageError as exc:
            error = str(exc)
    return _page("incident", who, spec=spec, since=since, until=until, r=report, error=error)


@router.get("/audit")
def audit(request: Request) -> HTMLResponse:
    """The audit log."""
    who = authenticate(request, Role.READER)
    return _page("audit", who, entries=data.audit(console_of(request).state.db))
