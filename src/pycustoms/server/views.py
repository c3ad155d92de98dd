"""The views: thin functions from a request to a response, over `ServerState`."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, quote

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from pycustoms.analyzers.names.confusion import is_internal
from pycustoms.analyzers.provenance.settings import Mode
from pycustoms.errors import PycustomsError
from pycustoms.server.auth import (
    Identity,
    TokenInfo,
    credentials_token,
    environment_name,
    parse_basic,
)
from pycustoms.server.explain import refused
from pycustoms.server.filtering import Block, ServedFile, name_block
from pycustoms.server.installlog import InstallEvent
from pycustoms.server.negotiate import Form, accepts_gzip, negotiate, parse_user_agent
from pycustoms.server.pages import Rendered
from pycustoms.server.private import Upload, UploadRejected, check_filename
from pycustoms.server.render import HTML_TYPE, render_root, render_root_json
from pycustoms.server.responses import (
    NOSNIFF,
    SERVER,
    Headers,
    Message,
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
from pycustoms.storage import BlobWriter
from pycustoms.types import ProjectName, normalize_name
from pycustoms.upstream.errors import NotFoundError, UpstreamError
from pycustoms.upstream.models import FileKind

_FORMS = {"json": Form.JSON, "html": Form.HTML}
_UNAUTHORIZED = [(b"www-authenticate", b'Basic realm="pycustoms"')]


async def identify(state: ServerState, scope: Scope, send: Send) -> Identity | None:
    """Who is asking; `None` after a 401 was sent (bad token, or tokens required)."""
    token, label = credentials_token(parse_basic(header(scope, b"authorization")))
    info: TokenInfo | None = None
    if token:
        known = state.tokens.cached(token)
        if known is None:
            known = await asyncio.to_thread(state.tokens.lookup, token)
        if not isinstance(known, TokenInfo):
            await problem(
                send,
                401,
                "policy/unauthenticated",
                "the token is not valid (unknown, expired or revoked)",
                extra=list(_UNAUTHORIZED),
            )
            return None
        info = known
    if info is None and state.watcher.current().serve.require_tokens:
        await problem(
            send,
            401,
            "policy/unauthenticated",
            "this index requires a token",
            extra=list(_UNAUTHORIZED),
        )
        return None
    env = environment_name(header(scope, b"x-pycustoms-env"), label, info)
    return Identity(env, info)


async def _entry(
    state: ServerState, name: ProjectName, send: Send, filename: str | None = None
) -> Rendered | None:
    config = state.watcher.current()
    gate = state.pages.gate(name, config)
    if gate is not None:
        await _blocked(send, gate, name, filename)
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
    if scope["method"] == "GET":
        state.prefetch_for(entry, header(scope, b"user-agent"))
    body = entry.json if form is Form.JSON else entry.html
    ctype = HTML_TYPE.encode() if form is Form.HTML else body.content_type
    headers: Headers = [
        (b"content-type", ctype),
        (b"etag", body.etag),
        (b"vary", b"Accept, Accept-Encoding, Authorization"),
        (b"cache-control", b"max-age=60"),
        SERVER,
        NOSNIFF,
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
    """GET /simple/: the private projects (their names need a token when tokens are required)."""
    if await identify(state, scope, send) is None:
        return
    names = sorted(state.private.projects)
    if negotiate(header(scope, b"accept")) is Form.JSON:
        body, ctype = render_root_json(names), b"application/vnd.pypi.simple.v1+json"
    else:
        body, ctype = render_root(names), b"text/html; charset=utf-8"
    await send_bytes(send, 200, body, [(b"content-type", ctype), SERVER, NOSNIFF])


async def _blocked(send: Send, block: Block, name: str, filename: str | None) -> None:
    """Refuse with *block*'s status and reason, and say so in the log."""
    refused(block.status, name, filename, block)
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

    known = state.scans.known(item.sha256 or "")
    if known is not None and known.block is None:
        return known  # the warm path: no task, no timer
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
        await _blocked(send, outcome.block, name, item.filename)
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
        fresh = await _entry(state, name, send, found.file.filename)
        if fresh is None:
            return None
        again = fresh.find(found.file.filename)
        if isinstance(again, Block):
            await _blocked(send, again, name, found.file.filename)
            return None
        found = again or found
    block = await state.provenance.verdict(name, found.file, found.version, fetch, policy)
    if block is not None:
        await _blocked(send, block, name, found.file.filename)
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
    entry = await _entry(state, name, send, filename)
    if entry is None:
        return
    if entry.filtered.blocked is not None:
        await _blocked(send, entry.filtered.blocked, name, filename)
        return
    found = entry.find(filename)
    if isinstance(found, Block):
        await _blocked(send, found, name, filename)
        return
    if found is None or found.file.sha256 != sha:
        await problem(send, 404, "policy/not-found", f"{name} has no file {filename}")
        return
    if metadata:
        await _metadata(state, scope, send, entry, found)
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
        NOSNIFF,
    ]
    await send_file(scope, send, path, headers, head=head)


async def _metadata(
    state: ServerState, scope: Scope, send: Send, entry: Rendered, found: ServedFile
) -> None:
    """The PEP 658 metadata file: the METADATA of the wheel itself, or 404.

    The upstream's own `.metadata` file is never served: it can differ from the
    wheel (pip refuses such a file, and a resolver trusts its dependencies), so
    the wheel is fetched and its METADATA served. Before the wheel's verdict
    only with `serve.early-metadata`, from bytes whose hash was checked, and when
    it is plain metadata of this file (`wheelmeta.early_metadata`); else, and
    always for the wheel itself, after the scan.
    """
    item = found.file
    sha = item.sha256 or ""
    name = entry.filtered.name
    if item.kind is not FileKind.WHEEL:
        await problem(send, 404, "policy/not-found", f"no metadata file for {item.filename}")
        return
    known = state.scans.metadata.get(sha)
    config = state.watcher.current()
    if known is None and config.serve.early_metadata and not entry.private:
        job = state.start_scan(entry, item)  # None: a verdict exists (or nothing to fetch)
        if job is not None:
            body = await state.scans.early_metadata(sha, job, config.serve.scan_timeout)
            if body is not None:
                headers: Headers = [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"cache-control", b"no-store"),  # served again from the scanned wheel
                    SERVER,
                    NOSNIFF,
                ]
                await send_bytes(send, 200, body, headers, head=scope["method"] == "HEAD")
                return
    if known is None:
        if await _scanned(state, send, name, found) is None:
            return
        policy = state.watcher.current().policy
        known = await state.scans.wheel_metadata(sha, item.filename, name, policy)
    path = state.store.path(known) if known else None
    if path is None:
        await problem(send, 404, "policy/not-found", f"no metadata file for {item.filename}")
        return
    plain: Headers = [(b"content-type", b"text/plain; charset=utf-8"), SERVER, NOSNIFF]
    await send_file(scope, send, path, plain, head=scope["method"] == "HEAD")


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
    if await identify(state, scope, send) is None:
        return
    name = normalize_name(parts[1])
    entry = await _entry(state, name, send, parts[3])
    if entry is None:
        return
    block = entry.filtered.blocked
    if block is None:
        await problem(send, 404, "policy/not-found", "no such blocked file")
        return
    await _blocked(send, block, name, parts[3])


class _TooLarge(Exception):
    """The request body passed the upload limit."""


def _counted(receive: Receive, limit: int) -> Receive:
    """*receive* that raises `_TooLarge` once the body passes *limit* bytes."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message.get("type") == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _TooLarge
        return message

    return wrapped


async def _store_upload(state: ServerState, content: UploadFile, limit: int) -> tuple[str, int]:
    """Copy the uploaded file (spooled to disk by the parser) into the blob store."""
    writer = state.store.writer(inline_hash=False)
    digest = hashlib.sha256()
    size = 0
    stored = False
    try:
        while chunk := await content.read(_UPLOAD_CHUNK):
            size += len(chunk)
            if size > limit:
                raise _TooLarge
            digest.update(chunk)
            await asyncio.to_thread(writer.write, chunk)
        sha = digest.hexdigest()
        await asyncio.to_thread(writer.commit, sha, digest=sha)
        stored = True
    finally:
        if not stored:
            writer.abort()
    return sha, size


async def _upload_block(
    state: ServerState, upload: Upload, name: ProjectName, token: TokenInfo
) -> tuple[int, str, str] | None:
    """Why *upload* may not create or extend project *name*: (status, rule, detail), or None."""
    config = state.watcher.current()
    if not token.may_publish(name):
        return 403, "policy/not-allowed", f"the token {token.name!r} may not publish {name}"
    if not state.private.has(name):
        names, prefixes = config.internal
        if not is_internal(name, names, prefixes) and state.source is not None:
            try:
                await asyncio.to_thread(state.source.page, name)
            except NotFoundError:
                pass
            except UpstreamError as exc:
                return 503, "policy/upstream-error", f"cannot tell whether {name} exists: {exc}"
            else:
                return (
                    403,
                    "policy/not-allowed",
                    f"{name} exists on the upstream; an admin must declare it internal "
                    "(internal.names or internal.prefixes) before a private upload may shadow it",
                )
        block = name_block(name, config)
        if block is not None:
            return 403, block.rule, block.reason
    return None


async def upload(state: ServerState, scope: Scope, receive: Receive, send: Send) -> None:
    """POST /legacy/: `twine upload` of a private file.

    Needs a token allowed to publish the project. The body is streamed to disk
    within `serve.max-upload-mib`; the file is listed only after the names check
    and the scan passed, and every upload (or refusal) is audited.
    """
    token, _ = credentials_token(parse_basic(header(scope, b"authorization")))
    if not token:
        await problem(
            send,
            401,
            "policy/unauthenticated",
            "uploading needs a token",
            extra=list(_UNAUTHORIZED),
        )
        return
    ident = await identify(state, scope, send)
    if ident is None or ident.token is None:
        return
    config = state.watcher.current()
    limit = config.serve.max_upload_mib * 1024**2
    declared = header(scope, b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit + _FORM_SLACK:
        await problem(send, 413, "policy/bad-upload", f"uploads are limited to {limit} bytes")
        return
    request = Request(scope, _counted(receive, limit + _FORM_SLACK))
    try:
        async with request.form(max_files=1, max_fields=100, max_part_size=1024**2) as form:
            content = form.get("content")
            if form.get(":action") != "file_upload" or not isinstance(content, UploadFile):
                await problem(
                    send, 400, "policy/bad-upload", "expected :action=file_upload and content"
                )
                return
            fields = {k: str(form.get(k) or "") for k in _UPLOAD_FIELDS}
            filename = content.filename or ""
            try:
                name = check_filename(fields["name"], fields["version"], filename)
            except UploadRejected as exc:
                await problem(send, 400, "policy/bad-upload", str(exc))
                return
            sha, size = await _store_upload(state, content, limit)
    except _TooLarge:
        await problem(send, 413, "policy/bad-upload", f"uploads are limited to {limit} bytes")
        return
    except (MultiPartException, HTTPException, ValueError, KeyError) as exc:
        detail = getattr(exc, "message", None) or getattr(exc, "detail", None) or str(exc)
        await problem(send, 400, "policy/bad-upload", f"malformed upload: {detail}")
        return
    item = Upload(
        name=fields["name"],
        version=fields["version"],
        filename=filename,
        sha256=sha,
        size=size,
        sha256_digest=fields["sha256_digest"] or None,
        requires_python=fields["requires_python"] or None,
        uploader=ident.token.name,
    )
    refusal = await _upload_block(state, item, name, ident.token)
    if refusal is None:
        try:
            await asyncio.to_thread(state.private.check, item)
        except UploadRejected as exc:
            refusal = (400, "policy/bad-upload", str(exc))
    if refusal is None:
        refusal = await _upload_scan(state, item, name)
    if refusal is not None:
        status, rule, detail = refusal
        refused(status, name, filename, Block(rule, detail, status))
        await asyncio.to_thread(state.private.refused, item, f"{rule}: {detail}")
        await problem(send, status, rule, detail)
        return
    try:
        await asyncio.to_thread(state.private.record, item, reason="passed names check and scan")
    except UploadRejected as exc:  # the same file, uploaded twice at once
        await problem(send, 400, "policy/bad-upload", str(exc))
        return
    state.pages.forget(name)
    await send_bytes(send, 200, b"OK\n", [(b"content-type", b"text/plain")])


async def _upload_scan(
    state: ServerState, item: Upload, name: ProjectName
) -> tuple[int, str, str] | None:
    """Scan the stored upload; a refusal if the scan blocks it (it is then quarantined)."""

    def fetch(_writer: BlobWriter) -> None:
        raise UpstreamError("the uploaded file left the store before its scan")

    policy = state.watcher.current().policy
    outcome = await state.scans.ensure(
        item.sha256, item.filename, name, fetch, policy, secrets=True
    )
    if outcome.block is None:
        return None
    return outcome.block.status, outcome.block.rule, outcome.block.reason


_UPLOAD_CHUNK = 1 << 20
# Room for the multipart framing and the other form fields beside the file itself.
_FORM_SLACK = 1 << 20
_UPLOAD_FIELDS = ("name", "version", "sha256_digest", "requires_python")
