"""A fake upstream index: a real HTTP server on 127.0.0.1 serving generated projects.

It speaks the simple API (PEP 503 HTML and PEP 691 JSON by content negotiation,
with PEP 592 yanks, PEP 658/714 core metadata, PEP 700 upload times, sizes and
versions, PEP 740 provenance, PEP 792 status), the JSON API (`info`, `releases`,
`ownership`, `vulnerabilities`; per release at `/pypi/{name}/{version}/json`), files
(with their PEP 658 `.metadata`) and the integrity API. Switches turn
features off to model poorer indexes (`json_simple`, `json_api`, `upload_times`,
`provenance`). Every request is logged for assertions, and `fail_next` makes the
next requests fail to exercise retries.

    upstream.add_project("demo", owners=["alice"], urls={"Source": "https://example.org/x"})
    upstream.add_release("demo", "1.0", uploaded=T0, files={"demo/__init__.py": ""})
    client = UpstreamClient(upstream.url)
"""

from __future__ import annotations

import hashlib
import html
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pycustoms.types import normalize_name
from tests.builders import Contents, build_sdist, build_wheel


@dataclass
class FakeFile:
    """One file of a release, with the facts the index will publish about it."""

    filename: str
    data: bytes
    uploaded: datetime | None
    yanked: bool | str = False
    requires_python: str | None = None
    provenance: dict[str, Any] | None = None
    metadata: bytes | None = None

    @property
    def sha256(self) -> str:
        """The sha256 the index publishes (see `FakeUpstream.tamper` to make it lie)."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class FakeProject:
    """A project: its releases (version -> files), owners, links and status."""

    name: str
    releases: dict[str, list[FakeFile]] = field(default_factory=dict)
    owners: list[str] | None = None
    urls: dict[str, str] = field(default_factory=dict)
    status: str | None = None
    status_reason: str | None = None
    vulnerabilities: list[dict[str, Any]] = field(default_factory=list)
    # Optional licence facts, published in the JSON API `info` and in wheel metadata.
    license_expression: str | None = None
    license: str | None = None
    classifiers: list[str] = field(default_factory=list)
    # Advisories per version, served by the per-release JSON API route.
    release_vulnerabilities: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def provenance_document(repository: str, workflow: str = "release.yml") -> dict[str, Any]:
    """A PEP 740 provenance object naming a Trusted Publisher (presence, not a valid signature)."""
    return {
        "version": 1,
        "attestation_bundles": [
            {
                "publisher": {"kind": "GitHub", "repository": repository, "workflow": workflow},
                "attestations": [{"version": 1, "envelope": {"statement": "", "signature": ""}}],
            }
        ],
    }


class FakeUpstream:
    """The fake index. `start()` binds 127.0.0.1 on a free port; `url` is its simple API."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.projects: dict[str, FakeProject] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.json_simple = True
        self.json_api = True
        self.upload_times = True
        self.provenance = True
        self.etags = True
        self._fail: list[int] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._address: str | None = None
        self._thread: threading.Thread | None = None
        self._tampered: dict[str, str] = {}
        self._relinked: dict[str, str] = {}
        self._generation = 0
        self._rendered: dict[tuple[object, ...], bytes] = {}

    # -- content -----------------------------------------------------------------------------

    def add_project(
        self,
        name: str,
        *,
        owners: list[str] | None = None,
        urls: Mapping[str, str] | None = None,
        status: str | None = None,
        status_reason: str | None = None,
        license_expression: str | None = None,
        license: str | None = None,
        classifiers: list[str] | None = None,
    ) -> FakeProject:
        """Create (or replace) a project with no releases (licence facts are optional)."""
        project = FakeProject(name, {}, owners, dict(urls or {}), status, status_reason)
        project.license_expression = license_expression
        project.license = license
        project.classifiers = list(classifiers or [])
        self.projects[normalize_name(name)] = project
        return project

    def project(self, name: str) -> FakeProject:
        """The project called *name* (created bare if missing)."""
        key = normalize_name(name)
        if key not in self.projects:
            self.add_project(name)
        return self.projects[key]

    def add_release(
        self,
        name: str,
        version: str,
        *,
        uploaded: datetime | None,
        files: Contents | None = None,
        wheel: bool = True,
        sdist: bool = True,
        sdist_files: Contents | None = None,
        attested_by: str | None = None,
        yanked: bool | str = False,
        requires_python: str | None = None,
    ) -> list[FakeFile]:
        """Build a real wheel and/or sdist of *files* and publish them at *uploaded*."""
        module = name.replace("-", "_")
        contents = dict(files or {f"{module}/__init__.py": f"VERSION = {version!r}\n"})
        out = self.workdir / "dists" / normalize_name(name) / version
        out.mkdir(parents=True, exist_ok=True)
        added: list[FakeFile] = []
        provenance = provenance_document(attested_by) if attested_by else None
        paths: list[Path] = []
        if wheel:
            paths.append(build_wheel(out, name, version, contents))
        if sdist:
            paths.append(build_sdist(out, name, version, dict(sdist_files or contents)))
        for path in paths:
            added.append(
                self.add_file(
                    name,
                    version,
                    path.name,
                    path.read_bytes(),
                    uploaded=uploaded,
                    provenance=provenance,
                    yanked=yanked,
                    requires_python=requires_python,
                )
            )
        return added

    def add_file(
        self,
        name: str,
        version: str,
        filename: str,
        data: bytes,
        *,
        uploaded: datetime | None,
        provenance: dict[str, Any] | None = None,
        yanked: bool | str = False,
        requires_python: str | None = None,
    ) -> FakeFile:
        """Publish raw bytes as a file of *version* (cheap: for large synthetic projects)."""
        item = FakeFile(filename, data, uploaded, yanked, requires_python, provenance)
        if filename.endswith(".whl"):
            metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
            project = self.projects.get(normalize_name(name))
            if project is not None and project.license_expression:
                metadata = metadata.replace("2.1", "2.4", 1)
                metadata += f"License-Expression: {project.license_expression}\n"
            item.metadata = metadata.encode()
        with self._lock:
            self.project(name).releases.setdefault(version, []).append(item)
            self._generation += 1
        return item

    def add_vulnerability(self, name: str, version: str, entry: dict[str, Any]) -> None:
        """List a JSON API advisory entry (`id`, `aliases`, `fixed_in`...) for one release."""
        with self._lock:
            self.project(name).release_vulnerabilities.setdefault(version, []).append(entry)
            self._generation += 1

    def yank(self, name: str, version: str, reason: bool | str = True) -> None:
        """Yank every file of a release (PEP 592)."""
        for item in self.project(name).releases[version]:
            item.yanked = reason
        self._generation += 1

    def tamper(self, filename: str, published_sha256: str) -> None:
        """Make the index publish a wrong sha256 for *filename* (a swapped file)."""
        self._tampered[filename] = published_sha256
        self._generation += 1

    def relink(self, filename: str, url: str) -> None:
        """Make the index link *filename* to any *url* (a hostile index: file://, other hosts)."""
        self._relinked[filename] = url
        self._generation += 1

    def fail_next(self, *statuses: int) -> None:
        """Answer the next requests with these HTTP statuses (0 drops the connection)."""
        self._fail.extend(statuses)

    def requests_to(self, prefix: str) -> list[tuple[str, str, dict[str, str]]]:
        """Logged requests whose path starts with *prefix*."""
        return [r for r in self.requests if r[1].startswith(prefix)]

    # -- server ------------------------------------------------------------------------------

    @property
    def root(self) -> str:
        """`http://127.0.0.1:PORT` (no trailing slash)."""
        assert self._address is not None, "start() the fake upstream first"
        return self._address

    @property
    def url(self) -> str:
        """The simple-API URL to give a client."""
        return self.root + "/simple/"

    def start(self) -> FakeUpstream:
        """Serve in a daemon thread; return self."""
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                upstream._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        host, port = self._server.server_address[:2]
        self._address = f"http://{host!s}:{port}"  # kept after stop(): offline tests use it
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeUpstream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- rendering ---------------------------------------------------------------------------

    def _file_url(self, item: FakeFile) -> str:
        return (
            self._relinked.get(item.filename) or f"{self.root}/files/{item.sha256}/{item.filename}"
        )

    def _published_sha(self, item: FakeFile) -> str:
        return self._tampered.get(item.filename, item.sha256)

    def _files(self, project: FakeProject) -> list[tuple[str, FakeFile]]:
        return [(v, f) for v, files in project.releases.items() for f in files]

    def simple_json(self, project: FakeProject) -> bytes:
        """The PEP 691 page (API 1.4: upload times, sizes, provenance, status)."""
        files = []
        for version, item in self._files(project):
            entry: dict[str, Any] = {
                "filename": item.filename,
                "url": self._file_url(item),
                "hashes": {"sha256": self._published_sha(item)},
                "requires-python": item.requires_python,
                "yanked": item.yanked,
                "core-metadata": {"sha256": hashlib.sha256(item.metadata).hexdigest()}
                if item.metadata
                else False,
                "size": len(item.data),
            }
            if self.upload_times:
                entry["upload-time"] = _iso(item.uploaded) if item.uploaded else None
            if self.provenance:
                entry["provenance"] = (
                    f"{self.root}/integrity/{normalize_name(project.name)}/{version}/"
                    f"{item.filename}/provenance"
                    if item.provenance
                    else None
                )
            files.append(entry)
        document: dict[str, Any] = {
            "meta": {"api-version": "1.4" if self.provenance else "1.1"},
            "name": normalize_name(project.name),
            "files": files,
            "versions": list(project.releases),
        }
        if project.status:
            document["project-status"] = {"status": project.status, "reason": project.status_reason}
        return json.dumps(document).encode()

    def simple_html(self, project: FakeProject) -> bytes:
        """The PEP 503 page with data-* attributes and PEP 792 meta tags."""
        lines = ['<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.4">']
        if project.status:
            lines.append(f'<meta name="pypi:project-status" content="{project.status}">')
        lines.append("</head><body>")
        for _, item in self._files(project):
            href = f"{self._file_url(item)}#sha256={self._published_sha(item)}"
            attrs = [f'href="{html.escape(href)}"']
            if item.requires_python:
                attrs.append(f'data-requires-python="{html.escape(item.requires_python)}"')
            if item.yanked:
                reason = item.yanked if isinstance(item.yanked, str) else ""
                attrs.append(f'data-yanked="{html.escape(reason)}"')
            if item.metadata:
                digest = hashlib.sha256(item.metadata).hexdigest()
                attrs.append(f'data-core-metadata="sha256={digest}"')
            lines.append(f"<a {' '.join(attrs)}>{html.escape(item.filename)}</a><br>")
        lines.append("</body></html>")
        return "\n".join(lines).encode()

    def json_api_document(self, project: FakeProject) -> bytes:
        """The JSON API document with per-file upload times and `ownership`."""
        releases: dict[str, list[dict[str, Any]]] = {}
        for version, files in project.releases.items():
            releases[version] = [
                {
                    "filename": f.filename,
                    "url": self._file_url(f),
                    "digests": {"sha256": self._published_sha(f)},
                    "packagetype": "bdist_wheel" if f.filename.endswith(".whl") else "sdist",
                    "size": len(f.data),
                    "upload_time_iso_8601": _iso(f.uploaded)
                    if f.uploaded and self.upload_times
                    else None,
                    "yanked": bool(f.yanked),
                    "yanked_reason": f.yanked if isinstance(f.yanked, str) else None,
                    "requires_python": f.requires_python,
                }
                for f in files
            ]
        document: dict[str, Any] = {
            "info": self._info(project, list(project.releases)[-1] if project.releases else None),
            "releases": releases,
            "vulnerabilities": project.vulnerabilities,
        }
        if project.owners is not None:
            document["ownership"] = {
                "roles": [
                    {"role": "Owner" if i == 0 else "Maintainer", "user": user}
                    for i, user in enumerate(project.owners)
                ],
                "organization": None,
            }
        return json.dumps(document).encode()

    def _info(self, project: FakeProject, version: str | None) -> dict[str, Any]:
        info: dict[str, Any] = {
            "name": project.name,
            "version": version,
            "project_urls": project.urls or None,
            "summary": f"{project.name} (fake upstream)",
        }
        if project.license_expression:
            info["license_expression"] = project.license_expression
        if project.license:
            info["license"] = project.license
        if project.classifiers:
            info["classifiers"] = list(project.classifiers)
        return info

    def release_json_document(self, project: FakeProject, version: str) -> bytes:
        """The per-release JSON API document: `info` of *version*, its `urls`, advisories."""
        urls = [
            {
                "filename": f.filename,
                "url": self._file_url(f),
                "digests": {"sha256": self._published_sha(f)},
                "packagetype": "bdist_wheel" if f.filename.endswith(".whl") else "sdist",
                "size": len(f.data),
            }
            for f in project.releases[version]
        ]
        document = {
            "info": self._info(project, version),
            "urls": urls,
            "vulnerabilities": project.release_vulnerabilities.get(version, []),
        }
        return json.dumps(document).encode()

    # -- request handling --------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = unquote(urlsplit(request.path).path)
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self._lock:
            self.requests.append(("GET", path, headers))
            failure = self._fail.pop(0) if self._fail else None
        if failure == 0:
            request.close_connection = True
            request.connection.close()
            return
        if failure is not None:
            self._send(request, failure, b"try again", "text/plain")
            return
        parts = [p for p in path.split("/") if p]
        with self._lock:
            answer = self._route(parts, headers)
        status, body, content_type = answer
        if status == 301:
            request.send_response(301)
            request.send_header("Location", body.decode())
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if status == 200 and self.etags and headers.get("if-none-match") == etag:
            request.send_response(304)
            request.send_header("ETag", etag)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        self._send(request, status, body, content_type, etag if self.etags else None)

    def _render(self, kind: str, project: FakeProject) -> bytes:
        """Render a page once per content generation (large projects stay cheap to serve)."""
        switches = (self.json_simple, self.json_api, self.upload_times, self.provenance)
        key = (kind, normalize_name(project.name), self._generation, id(project), switches)
        if key not in self._rendered:
            render = {
                "json": self.simple_json,
                "html": self.simple_html,
                "api": self.json_api_document,
            }[kind]
            self._rendered[key] = render(project)
        return self._rendered[key]

    def _route(self, parts: list[str], headers: Mapping[str, str]) -> tuple[int, bytes, str]:
        not_found = (404, b"not found", "text/plain")
        if parts[:1] == ["simple"] and len(parts) == 2:
            key = normalize_name(parts[1])
            if key != parts[1]:
                return 301, f"{self.root}/simple/{key}/".encode(), ""
            project = self.projects.get(key)
            if project is None:
                return not_found
            if self.json_simple and "application/vnd.pypi.simple.v1+json" in headers.get(
                "accept", ""
            ):
                return 200, self._render("json", project), "application/vnd.pypi.simple.v1+json"
            return 200, self._render("html", project), "text/html; charset=utf-8"
        if parts[:1] == ["simple"] and len(parts) == 1:
            links = "".join(f'<a href="{k}/">{k}</a>\n' for k in sorted(self.projects))
            return 200, f"<html><body>{links}</body></html>".encode(), "text/html"
        if parts[:1] == ["pypi"] and len(parts) == 3 and parts[2] == "json" and self.json_api:
            project = self.projects.get(normalize_name(parts[1]))
            if project is None:
                return not_found
            return 200, self._render("api", project), "application/json"
        if parts[:1] == ["pypi"] and len(parts) == 4 and parts[3] == "json" and self.json_api:
            project = self.projects.get(normalize_name(parts[1]))
            if project is None or parts[2] not in project.releases:
                return not_found
            return 200, self.release_json_document(project, parts[2]), "application/json"
        if parts[:1] == ["files"] and len(parts) == 3:
            for project in self.projects.values():
                for _, item in self._files(project):
                    if item.sha256 == parts[1] and item.filename == parts[2]:
                        return 200, item.data, "application/octet-stream"
                    if (
                        item.metadata
                        and item.sha256 == parts[1]
                        and parts[2] == item.filename + ".metadata"
                    ):
                        return 200, item.metadata, "application/octet-stream"
            return not_found
        if parts[:1] == ["integrity"] and len(parts) == 5 and self.provenance:
            project = self.projects.get(normalize_name(parts[1]))
            for item in project.releases.get(parts[2], []) if project else []:
                if item.filename == parts[3] and item.provenance:
                    body = json.dumps(item.provenance).encode()
                    return 200, body, "application/vnd.pypi.integrity.v1+json"
            return not_found
        return not_found

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        content_type: str,
        etag: str | None = None,
    ) -> None:
        request.send_response(HTTPStatus(status))
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        if etag:
            request.send_header("ETag", etag)
        request.end_headers()
        request.wfile.write(body)
