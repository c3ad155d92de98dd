"""The views: thin functions from a request to a response, over `ServerState`."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, quote

from starlette.datastructures import UploadFile
from starlette.requests import Request

from pycustoms.analyzers.provenance.settings import Mode
from pycustoms.errors import PycustomsError
from pycustoms.server.auth import Identity, environment_name, parse_basic
from pycustoms.server.filtering import Block, ServedFile
from pycustoms.server.installlog import InstallEvent
from pycustoms.server.negotiate import Form, accepts_gzip, negotiate, parse_user_agent
from pycustoms.server.pages import Rendered
from pycustoms.server.private import Upload, UploadRejected
from pycustoms.server.render import HTML_TYPE, render_root, render_root_json
from pycustoms.server.responses import (
    SERVER,
    Headers,
    Receive,
    Scope,
    Send,
    header,
    problem,
    redirect,
    send_bytes,
    send_file,
)
from pycustoms.server.scanning import Outcome
from pycustoms.server.state import ServerState, ignore_result, needs_metadata
from pycustoms.server.storage import BlobWriter
from pycustoms.types import ProjectName, normalize_name
from pycustoms.upstream.errors import NotFoundError, UpstreamError
from pycustoms.upstream.models import FileKind

_FORMS = {"json": Form.JSON, "html": Form.HTML}
_UNAUTHORIZED = [(b"www-authenticate", b'Basic realm="pycustoms"')]


async def identify(state: ServerState, scope: Scope, send: Send) -> Identity | None:
    """Who is asking; `None` after a 401 was sent (bad token, or tokens required)."""
    creds = parse_basic(header(scope, b"authorization"))
    token_name: str | None = None
    if creds is not None and creds[1]:
        known = state.tokens.cached(creds[1])
        if known is None:
            known = await asyncio.to_thread(state.tokens.lookup, creds[1])
        if not known:
            await problem(
                send,
                401,
                "policy/unauthenticated",
                "the token is not valid",
                extra=list(_UNAUTHORIZED),
            )
            return None
        token_name = str(known)
    if token_name is None and state.watcher.current().serve.require_tokens:
        await problem(
            send,
            401,
            "policy/unauthenticated",
            "this index requires a token",
            extra=list(_UNAUTHORIZED),
        )
        return None
    user = creds[0] if creds else None
    env = environment_name(header(scope, b"x-pycustoms-env"), user, token_name)
    return Identity(env, token_name is not None)


async def _entry(state: ServerState, name: ProjectName, send: Send) -> Rendered | None:
    config = state.watcher.current()
    gate = state.pages.gate(name, config)
    if gate is not None:
        await problem(send, gate.status, gate.rule, gate.reason)
        return None
    found = state.pages.cached(name, config)
    if found is not None:
        return found
    try:
        return await state.pages.get(name, config)
    except NotFoundError:
        await problem(send, 404, "policy/not-found", f"{name} does not exist upstream")
    except UpstreamError as exc:
        await problem(send, 502, "policy/upstream-error", f"upstream error: {exc}")
    return None


async def project_page(state: ServerState, scope: Scope, send: Send, raw: str, slash: bool) -> None:
    """GET /simple/NAME/: the filtered page in the negotiated form, gzip when accepted."""
    name = normalize_name(raw)
    if name != raw or not slash:
        await redirect(send, f"{scope.get('root_path', '')}/simple/{quote(name)}/")
        return
    if await identify(state, scope, send) is None:
        return
    entry = await _entry(state, name, send)
    if entry is None:
        return
    form = negotiate(header(scope, b"accept"))
    query = scope.get("query_string", b"")
    if query:
        wanted = parse_qs(query.decode("latin-1")).get("format", [""])[0]
        form = _FORMS.get(wanted.rsplit("+", 1)[-1], form) if wanted else form
    if form is Form.NONE:
        await problem(send, 406, "policy/not-acceptable", "no acceptable simple-API form")
        return
    body = entry.json if form is Form.JSON else entry.html
    ctype = HTML_TYPE.encode() if form is Form.HTML else body.content_type
    headers: Headers = [
        (b"content-type", ctype),
        (b"etag", body.etag),
        (b"vary", b"Accept, Accept-Encoding, Authorization"),
        (b"cache-control", b"max-age=60"),
        SERVER,
    ]
    if header(scope, b"if-none-match") == body.etag.decode():
        await send_bytes(send, 304, b"", headers)
        return
    head = scope["method"] == "HEAD"
    if accepts_gzip(header(scope, b"accept-encoding")):
        headers.append((b"content-encoding", b"gzip"))
        await send_bytes(send, 200, body.gzipped, headers, head=head)
    else:
        await send_bytes(send, 200, body.raw, headers, head=head)


async def root_page(state: ServerState, scope: Scope, send: Send) -> None:
    """GET /simple/: the private projects."""
    names = sorted(state.private.projects)
    if negotiate(header(scope, b"accept")) is Form.JSON:
        body, ctype = render_root_json(names), b"application/vnd.pypi.simple.v1+json"
    else:
        body, ctype = render_root(names), b"text/html; charset=utf-8"
    await send_bytes(send, 200, body, [(b"content-type", ctype), SERVER])


async def _blocked(send: Send, block: Block) -> None:
    await problem(send, block.status, block.rule, block.reason)


async def _scanned(
    state: ServerState, send: Send, name: ProjectName, found: ServedFile
) -> Outcome | None:
    """Fetch and scan *found* (or find its verdict); `None` after a refusal was sent."""
    item = found.file
    source = state.source
    url = item.url

    def fetch(writer: BlobWriter) -> None:
        if source is None:
            raise UpstreamError("no upstream is configured")
        source.fetch(url, writer)

    config = state.watcher.current()
    job = state.scans.ensure(
        item.sha256 or "", item.filename, name, fetch, config.policy, size=item.size
    )
    try:
        # The job itself goes on (shared, shielded); only this request stops waiting.
        outcome = await asyncio.wait_for(job, timeout=config.serve.scan_timeout)
    except TimeoutError:
        detail = f"{item.filename} is still being scanned; retry in a minute"
        await problem(send, 503, "policy/scan-pending", detail, extra=[(b"retry-after", b"60")])
        return None
    if outcome.block is not None:
        await _blocked(send, outcome.block)
        return None
    return outcome


async def _continuity(
    state: ServerState, send: Send, name: ProjectName, entry: Rendered, found: ServedFile
) -> ServedFile | None:
    """Hold *found* to its project's publisher history; `None` after a refusal was sent.

    The first download of an attested project whose history the database lacks
    waits for `seed` (a few provenance documents); the page is then re-filtered.
    """
    policy = state.watcher.current().provenance
    if entry.private or state.source is None or policy.mode is Mode.OFF:
        return found
    fetch = state.provenance_fetch(name)
    if await state.provenance.seed(name, entry.page, fetch):
        fresh = await _entry(state, name, send)
        if fresh is None:
            return None
        again = fresh.find(found.file.filename)
        if isinstance(again, Block):
            await _blocked(send, again)
            return None
        found = again or found
    block = await state.provenance.verdict(name, found.file, found.version, fetch, policy)
    if block is not None:
        await _blocked(send, block)
        return None
    return found


async def dist_file(state: ServerState, scope: Scope, send: Send, parts: list[str]) -> None:
    """GET /files/PROJECT/SHA256/FILENAME[.metadata]: scanned on first request, then served."""
    project, sha, filename = parts
    metadata = filename.endswith(".metadata")
    if metadata:
        filename = filename[: -len(".metadata")]
    ident = await identify(state, scope, send)
    if ident is None:
        return
    name = normalize_name(project)
    entry = await _entry(state, name, send)
    if entry is None:
        return
    if entry.filtered.blocked is not None:
        await _blocked(send, entry.filtered.blocked)
        return
    found = entry.find(filename)
    if isinstance(found, Block):
        await _blocked(send, found)
        return
    if found is None or found.file.sha256 != sha:
        await problem(send, 404, "policy/not-found", f"{name} has no file {filename}")
        return
    if metadata:
        await _metadata(state, scope, send, name, found)
        return
    if await _continuity(state, send, name, entry, found) is None:
        return
    if await _scanned(state, send, name, found) is None:
        return
    path = state.store.path(sha)
    if path is None:
        await problem(send, 503, "policy/fetch-failed", "the file left the store; retry")
        return
    if needs_metadata(found.file) and sha not in state.scans.metadata:
        # Read it after this response: the page can then give its hash (PEP 658).
        policy = state.watcher.current().policy
        job = asyncio.ensure_future(state.scans.wheel_metadata(sha, filename, name, policy))
        job.add_done_callback(ignore_result)
    head = scope["method"] == "HEAD"
    installer, version = parse_user_agent(header(scope, b"user-agent"))
    client = scope.get("client")
    if not head:
        state.log.record(
            InstallEvent(
                at=datetime.now(UTC),
                environment=ident.environment,
                client=client[0] if client else None,
                installer=installer,
                installer_version=version,
                project=name,
                version=str(found.version) if found.version else None,
                filename=filename,
                sha256=sha,
            )
        )
    headers: Headers = [
        (b"content-type", b"application/octet-stream"),
        (b"etag", f'"{sha}"'.encode()),
        (b"cache-control", b"max-age=31536000, immutable"),
        SERVER,
    ]
    await send_file(scope, send, path, headers, head=head)


async def _metadata(
    state: ServerState, scope: Scope, send: Send, name: ProjectName, found: ServedFile
) -> None:
    """The PEP 658 metadata file: the METADATA of the scanned wheel itself, or 404.

    The upstream's own `.metadata` file is never served: it can differ from the
    wheel (pip refuses such a file, and a resolver trusts its dependencies), so
    the wheel is fetched and scanned as for a download and its METADATA served.
    """
    item = found.file
    sha = item.sha256 or ""
    if item.kind is not FileKind.WHEEL:
        await problem(send, 404, "policy/not-found", f"no metadata file for {item.filename}")
        return
    known = state.scans.metadata.get(sha)
    if known is None:
        if await _scanned(state, send, name, found) is None:
            return
        policy = state.watcher.current().policy
        known = await state.scans.wheel_metadata(sha, item.filename, name, policy)
    path = state.store.path(known) if known else None
    if path is None:
        await problem(send, 404, "policy/not-found", f"no metadata file for {item.filename}")
        return
    headers: Headers = [(b"content-type", b"text/plain; charset=utf-8"), SERVER]
    await send_file(scope, send, path, headers, head=scope["method"] == "HEAD")


async def provenance(state: ServerState, scope: Scope, send: Send, parts: list[str]) -> None:
    """GET /provenance/PROJECT/SHA256/FILENAME: the upstream's PEP 740 provenance as is."""
    project, sha, filename = parts
    if await identify(state, scope, send) is None:
        return
    entry = await _entry(state, normalize_name(project), send)
    if entry is None:
        return
    found = entry.find(filename)
    if not hasattr(found, "file") or state.source is None or found.file.sha256 != sha:  # type: ignore[union-attr]
        await problem(send, 404, "policy/not-found", f"no provenance for {filename}")
        return
    item = found.file  # type: ignore[union-attr]
    version = str(found.version)  # type: ignore[union-attr]
    try:
        document = await asyncio.to_thread(state.source.client.provenance, project, version, item)
    except PycustomsError as exc:
        await problem(send, 502, "policy/fetch-failed", f"provenance: {exc}")
        return
    if document is None:
        await problem(send, 404, "policy/not-found", f"no provenance for {filename}")
        return
    body = json.dumps(document).encode()
    await send_bytes(
        send, 200, body, [(b"content-type", b"application/vnd.pypi.integrity.v1+json")]
    )


async def blocked_file(state: ServerState, scope: Scope, send: Send, parts: list[str]) -> None:
    """GET /blocked/RULE/PROJECT/SHA/FILENAME: a file of a blocked project, refused with why."""
    entry = await _entry(state, normalize_name(parts[1]), send)
    if entry is None:
        return
    block = entry.filtered.blocked
    if block is None:
        await problem(send, 404, "policy/not-found", "no such blocked file")
        return
    await _blocked(send, block)


async def upload(state: ServerState, scope: Scope, receive: Receive, send: Send) -> None:
    """POST /legacy/: `twine upload` of a private file (a valid token is required)."""
    creds = parse_basic(header(scope, b"authorization"))
    if creds is None or not creds[1]:
        await problem(
            send,
            401,
            "policy/unauthenticated",
            "uploading needs a token",
            extra=list(_UNAUTHORIZED),
        )
        return
    ident = await identify(state, scope, send)
    if ident is None:
        return
    request = Request(scope, receive)
    async with request.form(max_files=1, max_fields=100, max_part_size=1024**3) as form:
        content = form.get("content")
        if form.get(":action") != "file_upload" or not isinstance(content, UploadFile):
            await problem(
                send, 400, "policy/bad-upload", "expected :action=file_upload and content"
            )
            return
        data = await content.read()
        item = Upload(
            name=str(form.get("name", "")),
            version=str(form.get("version", "")),
            filename=content.filename or "",
            content=data,
            sha256_digest=str(form.get("sha256_digest") or "") or None,
            requires_python=str(form.get("requires_python") or "") or None,
            uploader=ident.environment,
        )
    try:
        name = await asyncio.to_thread(state.private.add, item)
    except UploadRejected as exc:
        await problem(send, 400, "policy/bad-upload", str(exc))
        return
    state.pages.forget(name)
    await send_bytes(send, 200, b"OK\n", [(b"content-type", b"text/plain")])
