"""Render a `FilteredPage` as PEP 503 HTML and PEP 691 JSON, once, with gzip copies.

File links are relative to the page (`../../files/...`) so the index works
behind a reverse proxy under any path; every file is served by pycustoms.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from pycustoms.server.filtering import FilteredPage, ServedFile

API_VERSION = "1.4"
UNSIZED_API_VERSION = "1.0"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "application/vnd.pypi.simple.v1+html"
TEXT_HTML = "text/html; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Body:
    """A rendered body with its gzip form and strong ETag."""

    raw: bytes
    gzipped: bytes
    etag: bytes
    content_type: bytes


def make_body(raw: bytes, content_type: str) -> Body:
    """Compress *raw* once and derive its ETag."""
    etag = b'"' + hashlib.sha256(raw).hexdigest()[:32].encode() + b'"'
    return Body(raw, gzip.compress(raw, compresslevel=6, mtime=0), etag, content_type.encode())


def file_path(project: str, served: ServedFile, *, blocked_rule: str | None = None) -> str:
    """The relative URL of a file from its project page."""
    item = served.file
    tail = f"{quote(project)}/{item.sha256}/{quote(item.filename)}"
    if blocked_rule is not None:
        return f"../../blocked/{blocked_rule.replace('/', '-')}/{tail}"
    return f"../../files/{tail}"


def provenance_path(url: str) -> str:
    """The provenance URL next to a file URL (PEP 740, served by pycustoms)."""
    return url.replace("/files/", "/provenance/", 1)


def _time(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if value else None


def _links(page: FilteredPage) -> list[tuple[ServedFile, str]]:
    rule = page.blocked.rule if page.blocked else None
    return [(f, file_path(page.name, f, blocked_rule=rule)) for f in page.files]


def render_json(page: FilteredPage) -> bytes:
    """The PEP 691 page with PEP 700 (`versions`, `size`, `upload-time`), 658/714, 740, 792."""
    files: list[dict[str, Any]] = []
    for served, url in _links(page):
        item = served.file
        entry: dict[str, Any] = {
            "filename": item.filename,
            "url": url,
            "hashes": {"sha256": item.sha256},
            "requires-python": item.requires_python,
            "yanked": item.yanked,
            "upload-time": _time(served.upload_time),
        }
        if item.size is not None:
            entry["size"] = item.size
        core = item.core_metadata
        if core is not None:
            value: bool | dict[str, str] = core if isinstance(core, bool) else dict(core)
            entry["core-metadata"] = value
            entry["dist-info-metadata"] = value
        if item.provenance_known or item.provenance:
            entry["provenance"] = provenance_path(url) if item.provenance else None
        files.append(entry)
    # PEP 700 (1.1) makes `size` required: a page with a file of unknown size says 1.0.
    sized = all("size" in entry for entry in files)
    document: dict[str, Any] = {
        "meta": {"api-version": API_VERSION if sized else UNSIZED_API_VERSION},
        "name": page.name,
        "files": files,
        "versions": list(page.versions()),
    }
    if page.status is not None:
        status: dict[str, Any] = {"status": page.status.value}
        if page.status_reason:
            status["reason"] = page.status_reason
        document["project-status"] = status
    return json.dumps(document, separators=(",", ":")).encode()


def render_html(page: FilteredPage) -> bytes:
    """The PEP 503 page with `data-*` attributes and PEP 792 `meta` tags."""
    esc = html.escape
    out = [
        "<!DOCTYPE html>\n<html><head>",
        f'<meta name="pypi:repository-version" content="{API_VERSION}">',
    ]
    if page.status is not None:
        out.append(f'<meta name="pypi:project-status" content="{esc(page.status.value)}">')
        if page.status_reason:
            out.append(
                f'<meta name="pypi:project-status-reason" content="{esc(page.status_reason)}">'
            )
    out.append(f"<title>Links for {esc(page.name)}</title></head><body>")
    out.append(f"<h1>Links for {esc(page.name)}</h1>")
    for served, url in _links(page):
        item = served.file
        attrs = [f'href="{esc(url)}#sha256={esc(item.sha256 or "")}"']
        if item.requires_python:
            attrs.append(f'data-requires-python="{esc(item.requires_python)}"')
        if item.yanked is not False:
            reason = item.yanked if isinstance(item.yanked, str) else ""
            attrs.append(f'data-yanked="{esc(reason)}"')
        core = item.core_metadata
        if core:
            value = (
                "true"
                if isinstance(core, bool)
                else "sha256=" + core["sha256"]
                if "sha256" in core
                else "true"
            )
            value = esc(value)
            attrs.append(f'data-core-metadata="{value}" data-dist-info-metadata="{value}"')
        if item.provenance:
            attrs.append(f'data-provenance="{esc(provenance_path(url))}"')
        out.append(f"<a {' '.join(attrs)}>{esc(item.filename)}</a><br>")
    out.append("</body></html>\n")
    return "\n".join(out).encode()


def render_root(names: list[str]) -> bytes:
    """The root page: the private projects (the upstream's list is not mirrored)."""
    links = "".join(
        f'<a href="{html.escape(quote(n))}/">{html.escape(n)}</a><br>\n' for n in sorted(names)
    )
    head = f'<meta name="pypi:repository-version" content="{API_VERSION}">'
    return f"<!DOCTYPE html>\n<html><head>{head}</head><body>\n{links}</body></html>\n".encode()


def render_root_json(names: list[str]) -> bytes:
    """The PEP 691 root page."""
    document = {"meta": {"api-version": API_VERSION}, "projects": [{"name": n} for n in names]}
    return json.dumps(document, separators=(",", ":")).encode()
