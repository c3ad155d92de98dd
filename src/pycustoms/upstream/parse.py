"""Parse simple-API pages (PEP 503 HTML, PEP 691 JSON) and the JSON API into models.

Parsers are pure: bytes in, models out. A malformed document raises
`IndexFormatError`; a missing optional field becomes `None`.
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin

from pycustoms.types import ProjectName, normalize_name
from pycustoms.upstream.errors import IndexFormatError
from pycustoms.upstream.models import (
    FileColumns,
    IndexFile,
    ProjectInfo,
    ProjectPage,
    ProjectStatus,
    ReleaseIndex,
    Role,
)

JSON_SIMPLE = "application/vnd.pypi.simple.v1+json"
HTML_SIMPLE = "application/vnd.pypi.simple.v1+html"


def parse_time(value: object) -> datetime | None:
    """An ISO-8601 timestamp as an aware UTC datetime; `None` if absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        # Python 3.11's fromisoformat reads a trailing "Z" itself; it is fast (C),
        # and this runs once per file of a page.
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:  # the JSON API's `upload_time` is naive UTC
        return parsed.replace(tzinfo=UTC)
    if parsed.tzinfo is UTC:
        return parsed
    return parsed.astimezone(UTC)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large, acyclic document is built.

    Parsing a page of 20,000 files allocates ~100,000 containers; each few hundred
    trigger a collection that walks every live object of the process, which costs
    more than the parse itself in a long-running server. Nothing built here forms
    cycles, so nothing is lost by collecting afterwards instead. The collector is
    re-enabled only if it was enabled on entry.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# Hex digest lengths of the hash names an index may publish. A value that is not
# lower-case hex of its algorithm's length is dropped: a hash is written into pages
# and URLs, so a hostile upstream must not be able to put markup or paths there
# (and a file whose sha256 is dropped is not served: it cannot be verified).
_DIGEST_LENGTHS = {
    "md5": 32, "sha1": 40, "sha224": 56, "sha256": 64, "sha384": 96, "sha512": 128,
    "blake2b_256": 64, "sha3_256": 64, "sha3_512": 128,
}  # fmt: skip
_HEX = frozenset("0123456789abcdef")


def _hashes(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    out: dict[str, str] = {}
    for key, digest in value.items():
        algo = str(key).lower()
        if isinstance(digest, str) and _valid_digest(algo, digest.lower()):
            out[algo] = digest.lower()
    return out


def _valid_digest(algo: str, digest: str) -> bool:
    return len(digest) == _DIGEST_LENGTHS.get(algo, -1) and _HEX.issuperset(digest)


def _fragment_hashes(url: str) -> tuple[str, dict[str, str]]:
    bare, fragment = urldefrag(url)
    if "=" in fragment:
        algo, _, digest = fragment.partition("=")
        return bare, _hashes({algo: digest})
    return bare, {}


def _core_metadata(value: object) -> Mapping[str, str] | bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, dict):
        return _hashes(value)
    return None


def _yanked(value: object) -> bool | str:
    if isinstance(value, str):
        return value or True
    return bool(value)


class _AnchorParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[dict[str, str | None], list[str]]] = []
        self.meta: dict[str, str] = {}
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._text = []
            self.anchors.append((dict(attrs), self._text))
        elif tag == "meta":
            found = dict(attrs)
            name, content = found.get("name"), found.get("content")
            if name and content is not None:
                self.meta[name] = content

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def parse_simple_html(body: bytes, page_url: str, name: str) -> ProjectPage:
    """Parse a PEP 503 project page; relative links resolve against *page_url*."""
    parser = _AnchorParser()
    try:
        parser.feed(body.decode("utf-8"))
        parser.close()
    except UnicodeDecodeError as exc:
        raise IndexFormatError(f"the project page {page_url} is not UTF-8 ({exc})") from None
    files: list[IndexFile] = []
    for attrs, text in parser.anchors:
        href = attrs.get("href")
        if not href:
            continue
        url, hashes = _fragment_hashes(urljoin(page_url, href))
        filename = "".join(text).strip() or url.rsplit("/", 1)[-1]
        yanked: bool | str = False
        if "data-yanked" in attrs:
            yanked = attrs["data-yanked"] or True
        metadata_attr = attrs.get("data-core-metadata", attrs.get("data-dist-info-metadata"))
        core: Mapping[str, str] | bool | None = None
        if metadata_attr is not None:
            core = _fragment_hashes("#" + metadata_attr)[1] or metadata_attr.lower() == "true"
        provenance = attrs.get("data-provenance")
        files.append(
            IndexFile(
                filename=filename,
                url=url,
                hashes=hashes,
                requires_python=attrs.get("data-requires-python") or None,
                yanked=yanked,
                core_metadata=core,
                provenance=urljoin(page_url, provenance) if provenance else None,
                provenance_known=False,
            )
        )
    return ProjectPage(
        name=normalize_name(name),
        files=tuple(files),
        status=ProjectStatus.parse(parser.meta.get("pypi:project-status")),
        status_reason=parser.meta.get("pypi:project-status-reason"),
        api_version=parser.meta.get("pypi:repository-version"),
        source="html",
    )


def _load_json(body: bytes, url: str) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise IndexFormatError(f"{url} did not return valid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise IndexFormatError(f"{url} returned JSON that is not an object")
    return document


def parse_simple_json(body: bytes, page_url: str) -> ProjectPage:
    """Parse a PEP 691 project page with the PEP 700/714/740/792 additions."""
    return parse_simple_json_index(body, page_url).page()


def parse_simple_json_index(body: bytes, page_url: str) -> ReleaseIndex:
    """Parse a PEP 691 project page into a `ReleaseIndex`: releases now, files on demand.

    Every entry is checked here (a page with an entry lacking a filename or url is
    refused, as `parse_simple_json` does), but an entry becomes an `IndexFile` only
    when its release is asked for.
    """
    with _gc_paused():
        document = _load_json(body, page_url)
        raw_files = document.get("files")
        name = document.get("name")
        if not isinstance(raw_files, list) or not isinstance(name, str):
            raise IndexFormatError(f"{page_url} is not a PEP 691 project page (no name or files)")
        rows = [item for item in raw_files if isinstance(item, dict)]
        filenames = [item.get("filename") for item in rows]
        if not all(isinstance(f, str) for f in filenames) or not all(
            isinstance(item.get("url"), str) for item in rows
        ):
            raise IndexFormatError(f"{page_url} lists a file without a filename or url")
        columns = FileColumns(
            filenames,  # type: ignore[arg-type]  # all checked to be str just above
            [parse_time(item.get("upload-time")) for item in rows],
            ["provenance" in item for item in rows],
            [isinstance(item.get("provenance"), str) for item in rows],
            [_yanked(item.get("yanked", False)) is not False for item in rows],
        )
        versions = document.get("versions")
        status = document.get("project-status")
        meta = document.get("meta")

        def build(row: object) -> IndexFile:
            assert isinstance(row, dict)
            return _json_file(row, page_url)

        return ReleaseIndex(
            normalize_name(name),
            rows,
            build,
            columns,
            versions=tuple(str(v) for v in versions) if isinstance(versions, list) else None,
            status=ProjectStatus.parse(status.get("status"))
            if isinstance(status, Mapping)
            else None,
            status_reason=str(status.get("reason")) if isinstance(status, Mapping) else None,
            api_version=str(meta.get("api-version")) if isinstance(meta, Mapping) else None,
            source="json",
        )


def _json_file(item: Mapping[str, Any], page_url: str) -> IndexFile:
    filename = item.get("filename")
    url = item.get("url")
    if not isinstance(filename, str) or not isinstance(url, str):
        raise IndexFormatError(f"{page_url} lists a file without a filename or url")
    size = item.get("size")
    provenance = item.get("provenance")
    return IndexFile(
        filename=filename,
        url=url if url.startswith(("https://", "http://")) else urljoin(page_url, url),
        hashes=_hashes(item.get("hashes")),
        requires_python=item.get("requires-python") or None,
        yanked=_yanked(item.get("yanked", False)),
        upload_time=parse_time(item.get("upload-time")),
        size=size if isinstance(size, int) and not isinstance(size, bool) else None,
        core_metadata=_core_metadata(item.get("core-metadata", item.get("dist-info-metadata"))),
        provenance=urljoin(page_url, provenance) if isinstance(provenance, str) else None,
        provenance_known="provenance" in item,
    )


def parse_json_api(body: bytes, url: str) -> ProjectInfo:
    """Parse the JSON API's project document (`info`, `releases`, `ownership`, advisories)."""
    with _gc_paused():
        document = _load_json(body, url)
    info = document.get("info")
    if not isinstance(info, Mapping) or not isinstance(info.get("name"), str):
        raise IndexFormatError(f"{url} is not a JSON API project document (no info.name)")
    raw: dict[str, list[Mapping[str, Any]]] = {}
    raw_releases = document.get("releases")
    if isinstance(raw_releases, Mapping):
        for version, items in raw_releases.items():
            if isinstance(items, list):
                raw[str(version)] = [i for i in items if isinstance(i, Mapping)]
    releases = _Releases(raw, url)
    urls = info.get("project_urls")
    project_urls = {str(k): str(v) for k, v in urls.items()} if isinstance(urls, Mapping) else {}
    home = info.get("home_page")
    if isinstance(home, str) and home:
        project_urls.setdefault("Homepage", home)
    roles: tuple[Role, ...] | None = None
    organization: str | None = None
    ownership = document.get("ownership")
    if isinstance(ownership, Mapping):
        raw_roles = ownership.get("roles")
        if isinstance(raw_roles, list):
            roles = tuple(
                Role(str(r.get("user")), str(r.get("role")))
                for r in raw_roles
                if isinstance(r, Mapping) and r.get("user")
            )
        org = ownership.get("organization")
        organization = str(org) if org else None
    vulns = document.get("vulnerabilities")
    version = info.get("version")
    summary = info.get("summary")
    expression = info.get("license_expression")
    license_text = info.get("license")
    classifiers = info.get("classifiers")
    return ProjectInfo(
        name=ProjectName(normalize_name(str(info["name"]))),
        latest_version=version if isinstance(version, str) else None,
        project_urls=project_urls,
        releases=releases,
        roles=roles,
        organization=organization,
        vulnerabilities=tuple(v for v in vulns if isinstance(v, Mapping))
        if isinstance(vulns, list)
        else (),
        summary=summary if isinstance(summary, str) else None,
        license_expression=expression if isinstance(expression, str) and expression else None,
        license=license_text if isinstance(license_text, str) and license_text else None,
        classifiers=tuple(str(c) for c in classifiers) if isinstance(classifiers, list) else (),
    )


class _Releases(Mapping[str, tuple[IndexFile, ...]]):
    """`ProjectInfo.releases`, building a release's files when it is first looked up.

    A large project's document lists tens of thousands of files, and a judgement
    usually reads none or one release of them.
    """

    __slots__ = ("_built", "_raw", "_url")

    def __init__(self, raw: dict[str, list[Mapping[str, Any]]], url: str) -> None:
        self._raw = raw
        self._url = url
        self._built: dict[str, tuple[IndexFile, ...]] = {}

    def __getitem__(self, version: str) -> tuple[IndexFile, ...]:
        built = self._built.get(version)
        if built is None:
            built = tuple(_api_file(i, self._url) for i in self._raw[version])
            self._built[version] = built
        return built

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __repr__(self) -> str:
        return f"<releases of {self._url}: {len(self._raw)} versions>"


def _api_file(item: Mapping[str, Any], url: str) -> IndexFile:
    digests = _hashes(item.get("digests"))
    uploaded = item.get("upload_time_iso_8601") or item.get("upload_time")
    size = item.get("size")
    reason = item.get("yanked_reason")
    yanked: bool | str = bool(item.get("yanked", False))
    if yanked and isinstance(reason, str) and reason:
        yanked = reason
    return IndexFile(
        filename=str(item.get("filename", "")),
        url=urljoin(url, str(item.get("url", ""))),
        hashes={k: v for k, v in digests.items() if k in {"sha256", "blake2b_256", "md5"}},
        requires_python=item.get("requires_python") or None,
        yanked=yanked,
        upload_time=parse_time(uploaded),
        size=size if isinstance(size, int) and not isinstance(size, bool) else None,
    )


def now_utc() -> datetime:
    """The current time, aware, in UTC (the default clock)."""
    return datetime.now(UTC)
