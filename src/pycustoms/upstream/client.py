"""The upstream index client: simple API, JSON API, files and the integrity API.

One `UpstreamClient` talks to one index over httpx with a bounded pool, timeouts,
retries with exponential backoff and full jitter, and ETag revalidation against
an on-disk cache that also serves `offline` mode. A cached answer younger than
`ClientOptions.max_age` seconds is used without asking the index at all. A
`file://` index (a local PEP 503 directory, as pip accepts) is read straight
from disk.

Parsed documents are kept per client (a few, most recently used) together with
the body they came from, so asking again for an unchanged page does not parse
it again.
"""

from __future__ import annotations

import hashlib
import random
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlsplit
from urllib.request import url2pathname

import httpx

from pycustoms import __version__
from pycustoms.redact import redact
from pycustoms.retry import Backoff, retry_call
from pycustoms.types import normalize_name
from pycustoms.upstream.cache import CachedResponse, HttpCache
from pycustoms.upstream.errors import (
    HashMismatchError,
    IndexFormatError,
    NotFoundError,
    OfflineCacheMiss,
    UpstreamError,
)
from pycustoms.upstream.models import IndexFile, ProjectInfo, ProjectPage, ReleaseIndex
from pycustoms.upstream.parse import (
    JSON_SIMPLE,
    parse_json_api,
    parse_simple_html,
    parse_simple_json_index,
)

SIMPLE_ACCEPT = f"{JSON_SIMPLE}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
JSON_ACCEPT = "application/json"
INTEGRITY_ACCEPT = "application/vnd.pypi.integrity.v1+json, application/json;q=0.5"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_CONNECTIONS = 10
# Parsed documents kept per client; each is bounded by `max_page_bytes`.
PARSED_DOCUMENTS = 8
_T = TypeVar("_T")
USER_AGENT = (
    f"pycustoms/{__version__} (supply-chain firewall; "
    f"python/{sys.version_info.major}.{sys.version_info.minor}; httpx/{httpx.__version__})"
)
# A body slower than this over a whole `timeout` window is cut off. The timeout
# bounds each read only, so an upstream that sends a byte every few seconds (a
# slowloris) would otherwise hold a request for days; 4 KiB/s is far below any
# link an index is fetched over.
MIN_BYTES_PER_SECOND = 4096


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """Network behaviour of a client; the defaults suit an interactive CLI."""

    timeout: float = 30.0
    retries: int = 3
    backoff: float = 0.5
    backoff_cap: float = 10.0
    offline: bool = False
    max_page_bytes: int = 64 * 1024**2
    max_file_bytes: int = 2 * 1024**3
    # Seconds a cached page or document is used without revalidation; 0 always asks.
    max_age: float = 0.0
    # Refuse a redirect that leaves the index's origin (scheme, host, port). The firewall
    # sets it: a hostile index must not turn the server into a client of internal hosts.
    same_origin_redirects: bool = False
    # Whether errors suggest offline mode: true for the CLI (every command reads the
    # `offline` setting), false for the server, which has no offline mode.
    offline_hint: bool = True


def api_root(index_url: str) -> str | None:
    """The root of the JSON and integrity APIs next to a `.../simple/` index, else `None`."""
    trimmed = index_url.rstrip("/")
    if not trimmed.endswith("/simple") or not index_url.startswith(("http://", "https://")):
        return None
    return trimmed[: -len("/simple")]


class Pace:
    """Counts a body's bytes as they arrive; raises once a window passes below the floor.

    `add` raises `httpx.ReadTimeout` when fewer than `MIN_BYTES_PER_SECOND` arrived
    on average over the last *window* seconds (the client's timeout).
    """

    def __init__(self, window: float) -> None:
        self._window = window
        self._since = time.monotonic()
        self._count = 0

    def add(self, count: int) -> None:
        """Count *count* more bytes; raise if the window that just closed was too slow."""
        self._count += count
        elapsed = time.monotonic() - self._since
        if elapsed < self._window:
            return
        if self._count < MIN_BYTES_PER_SECOND * elapsed:
            raise httpx.ReadTimeout(
                f"the body arrived at {self._count / elapsed:.0f} bytes/s over {elapsed:.1f} s, "
                f"slower than {MIN_BYTES_PER_SECOND} bytes/s; cut off"
            )
        self._since += elapsed
        self._count = 0


def paced(
    chunks: Iterable[bytes], window: float, limit: int, too_large: Callable[[], Exception]
) -> Iterator[bytes]:
    """*chunks* as they arrive, cut off when they come too slowly (`Pace` over *window*)
    or add up to more than *limit* bytes (`too_large()` is raised)."""
    pace = Pace(window)
    total = 0
    for chunk in chunks:
        pace.add(len(chunk))
        total += len(chunk)
        if total > limit:
            raise too_large()
        yield chunk


class UpstreamClient:
    """A client for one index. Use as a context manager, or call `close()`."""

    def __init__(
        self,
        index_url: str,
        *,
        cache: HttpCache | None = None,
        options: ClientOptions | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.index_url = index_url if index_url.endswith("/") else index_url + "/"
        self.cache = cache
        self.options = options or ClientOptions()
        self._sleep = sleep
        self._jitter = jitter
        self._api = api_root(self.index_url)
        self._parsed: OrderedDict[tuple[str, str], tuple[bytes, object]] = OrderedDict()
        self._parsed_lock = threading.Lock()
        self._http = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            timeout=httpx.Timeout(self.options.timeout),
            limits=httpx.Limits(
                max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS
            ),
            follow_redirects=True,
            transport=transport,
            event_hooks={"response": [self._check_redirect]},
        )

    def _check_redirect(self, response: httpx.Response) -> None:
        """Refuse (when asked) a redirect to another origin before it is followed."""
        location = response.headers.get("location")
        if not (self.options.same_origin_redirects and response.is_redirect and location):
            return
        target = response.request.url.join(location)
        home = httpx.URL(self.index_url)
        if (target.scheme, target.host, target.port) != (home.scheme, home.host, home.port):
            raise UpstreamError(
                f"the index redirected {redact(str(response.request.url))} to another origin "
                f"({redact(str(target))}); refused"
            )

    def __enter__(self) -> UpstreamClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    @property
    def is_local(self) -> bool:
        """True for a `file://` index."""
        return self.index_url.startswith("file:")

    # -- simple API -------------------------------------------------------------------------

    def project_page(self, name: str) -> ProjectPage:
        """The project's simple-API page, in whichever form the index serves."""
        return self.project_index(name).page()

    def project_index(self, name: str, *, refresh: bool = False) -> ReleaseIndex:
        """The project's page grouped by release, files built on demand (see `ReleaseIndex`).

        *refresh* revalidates a cached page even inside the freshness window.
        """
        url = self.index_url + quote(normalize_name(name)) + "/"
        if self.is_local:
            body = self._read_local(url, name)
            page = replace(parse_simple_html(body, url + "index.html", name), source="file")
            return ReleaseIndex.from_page(page)
        response = self._get(
            url, SIMPLE_ACCEPT, self.options.max_page_bytes, what=name, refresh=refresh
        )

        def parse() -> ReleaseIndex:
            if response.content_type.startswith(JSON_SIMPLE):
                return parse_simple_json_index(response.body, response.url)
            return ReleaseIndex.from_page(parse_simple_html(response.body, response.url, name))

        found = self._remembered(url, SIMPLE_ACCEPT, response, parse)
        assert isinstance(found, ReleaseIndex)
        return found

    def _remembered(
        self, url: str, accept: str, response: CachedResponse, parse: Callable[[], object]
    ) -> object:
        """The parse of *response*, reused while the body stays byte for byte the same."""
        key = (url, accept)
        with self._parsed_lock:  # audit and check-name call from a thread pool
            kept = self._parsed.get(key)
            if kept is not None and kept[0] == response.body:
                self._parsed.move_to_end(key)
                return kept[1]
        parsed = parse()
        with self._parsed_lock:
            self._parsed[key] = (response.body, parsed)
            self._parsed.move_to_end(key)
            while len(self._parsed) > PARSED_DOCUMENTS:
                self._parsed.popitem(last=False)
        return parsed

    # -- JSON API ---------------------------------------------------------------------------

    def project_info(self, name: str) -> ProjectInfo | None:
        """The JSON API document, or `None` when this index has no JSON API."""
        return self._json_api(name, "json")

    def release_info(self, name: str, version: str) -> ProjectInfo | None:
        """The JSON API document of one release (`/pypi/{name}/{version}/json`).

        `None` when this index has no JSON API or does not know the release. Its
        `info` (licence, classifiers) describes *version*, not the latest release.
        """
        return self._json_api(name, f"{quote(version)}/json")

    def _json_api(self, name: str, tail: str) -> ProjectInfo | None:
        """The JSON API document at `/pypi/{name}/{tail}`, or `None` when there is none."""
        if self._api is None:
            return None
        url = f"{self._api}/pypi/{quote(normalize_name(name))}/{tail}"
        try:
            response = self._get(url, JSON_ACCEPT, self.options.max_page_bytes, what=name)
        except NotFoundError:
            return None
        found = self._remembered(
            url, JSON_ACCEPT, response, lambda: parse_json_api(response.body, response.url)
        )
        assert isinstance(found, ProjectInfo)
        return found

    def core_metadata(self, file: IndexFile) -> bytes | None:
        """The PEP 658 core metadata of *file*, verified against its published sha256.

        `None` when the index does not offer metadata for the file (or has lost it).
        """
        if not file.core_metadata or file.url.startswith("file:"):
            return None
        url = file.url.split("#", 1)[0] + ".metadata"
        try:
            response = self._get(url, "*/*", self.options.max_page_bytes, what=file.filename)
        except NotFoundError:
            return None
        expected = (
            file.core_metadata.get("sha256") if isinstance(file.core_metadata, Mapping) else None
        )
        if expected and hashlib.sha256(response.body).hexdigest() != expected.lower():
            raise HashMismatchError(
                f"the core metadata of {file.filename} does not match the sha256 the index "
                "published for it; report it to the index"
            )
        return response.body

    def provenance(self, name: str, version: str, file: IndexFile) -> dict[str, Any] | None:
        """The PEP 740 provenance of *file* (raw JSON), or `None` if the index has none."""
        url = file.provenance
        if url is None and self._api is not None:
            url = (
                f"{self._api}/integrity/{quote(normalize_name(name))}/{quote(version)}/"
                f"{quote(file.filename)}/provenance"
            )
        if url is None:
            return None
        try:
            response = self._get(url, INTEGRITY_ACCEPT, self.options.max_page_bytes, what=name)
        except NotFoundError:
            return None
        import json  # noqa: PLC0415 - only this rarely used path needs it

        try:
            document = json.loads(response.body)
        except ValueError:
            raise IndexFormatError(f"the provenance at {url} is not JSON") from None
        return document if isinstance(document, dict) else None

    # -- files ------------------------------------------------------------------------------

    def download(self, file: IndexFile) -> Path:
        """Fetch *file* into the cache (streamed), verify its sha256, return the local path.

        A file whose index entry carries no sha256 cannot be verified and is refused.
        """
        expected = file.sha256
        if expected is None:
            raise HashMismatchError(
                f"the index publishes no sha256 for {file.filename}, so it cannot be verified; "
                "ask the index operator to publish hashes"
            )
        if self.cache is None:
            raise UpstreamError("downloads need a cache directory; set data-dir")
        target = self.cache.file_path(expected, file.filename)
        if target.is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        if file.url.startswith("file:"):
            actual = self._copy_local(file, partial)
        elif self.options.offline:
            raise OfflineCacheMiss(
                f"{file.filename} is not in the cache; run once with offline mode off"
            )
        else:
            actual = self._stream(file, partial)
        if actual != expected:
            partial.unlink(missing_ok=True)
            raise HashMismatchError(
                f"{file.filename}: sha256 {actual} does not match the index's "
                f"{expected}; the file was discarded. Do not install it; report it to the index"
            )
        partial.replace(target)
        return target

    def _stream(self, file: IndexFile, partial: Path) -> str:
        def attempt() -> str:
            digest = hashlib.sha256()
            with self._http.stream("GET", file.url) as response, partial.open("wb") as out:
                _raise_for_status(response, file.url, file.filename)
                for chunk in paced(
                    response.iter_bytes(),  # as they arrive: the pace sees each read
                    self.options.timeout,
                    self.options.max_file_bytes,
                    lambda: UpstreamError(f"{file.filename} is larger than the download limit"),
                ):
                    digest.update(chunk)
                    out.write(chunk)
            return digest.hexdigest()

        return self._with_retries(attempt, file.url)

    def _copy_local(self, file: IndexFile, partial: Path) -> str:
        source = Path(url2pathname(unquote(urlsplit(file.url).path)))
        digest = hashlib.sha256()
        try:
            with source.open("rb") as src, partial.open("wb") as out:
                while chunk := src.read(1 << 16):
                    digest.update(chunk)
                    out.write(chunk)
        except OSError as exc:
            raise UpstreamError(f"cannot read {source}: {exc.strerror}") from None
        return digest.hexdigest()

    # -- transport --------------------------------------------------------------------------

    def _read_local(self, url: str, name: str) -> bytes:
        directory = Path(url2pathname(unquote(urlsplit(url).path)))
        try:
            return (directory / "index.html").read_bytes()
        except FileNotFoundError:
            raise NotFoundError(f"the local index {self.index_url} has no project {name}") from None
        except OSError as exc:
            raise UpstreamError(f"cannot read {directory}: {exc.strerror}") from None

    def _get(
        self, url: str, accept: str, limit: int, *, what: str, refresh: bool = False
    ) -> CachedResponse:
        cached = self.cache.get(url, accept) if self.cache is not None else None
        if self.options.offline:
            if cached is None:
                raise OfflineCacheMiss(
                    f"offline, and the cache has no copy of {url}; run once with offline mode off"
                )
            return cached
        if cached is not None and not refresh and _fresh(cached, self.options.max_age):
            return cached  # no request at all
        headers = {"Accept": accept}
        if cached is not None and cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached is not None and cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified

        def attempt() -> CachedResponse:
            with self._http.stream("GET", url, headers=headers) as response:
                if response.status_code == 304 and cached is not None:
                    return CachedResponse(
                        cached.url,
                        cached.body,
                        cached.content_type,
                        cached.etag,
                        cached.last_modified,
                        time.time(),
                    )
                _raise_for_status(response, url, what)
                body = b"".join(
                    paced(
                        response.iter_bytes(),  # as they arrive: the pace sees each read
                        self.options.timeout,
                        limit,
                        lambda: IndexFormatError(f"{url} is larger than {limit} bytes; refused"),
                    )
                )
                return CachedResponse(
                    str(response.url),
                    body,
                    response.headers.get("content-type", ""),
                    response.headers.get("etag"),
                    response.headers.get("last-modified"),
                    time.time(),
                )

        fresh = self._with_retries(attempt, url)
        if self.cache is not None:
            self.cache.put(accept, CachedResponse(url, *_tail(fresh)))
        return fresh

    def _with_retries(self, attempt: Callable[[], _T], url: str) -> _T:
        backoff = Backoff(self.options.retries, self.options.backoff, self.options.backoff_cap)
        try:
            return retry_call(
                attempt,
                on=lambda exc: isinstance(exc, _Retryable | httpx.TransportError),
                backoff=backoff,
                delay_hint=lambda exc: exc.retry_after if isinstance(exc, _Retryable) else None,
                sleep=self._sleep,
                jitter=self._jitter,
            )
        except (_Retryable, httpx.TransportError) as last:
            raise UpstreamError(
                f"the index did not answer {url} after {self.options.retries + 1} attempts "
                f"({_describe(last)}); retry later"
                # The variable, not a flag: every command reads it, few have `--offline`.
                + (
                    ", or work from the cache with PYCUSTOMS_OFFLINE=1"
                    if self.options.offline_hint
                    else ""
                )
            ) from None


class _Retryable(Exception):
    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


def _raise_for_status(response: httpx.Response, url: str, what: str) -> None:
    status = response.status_code
    if status < 400:
        return
    if status in RETRY_STATUSES:
        header = response.headers.get("retry-after", "")
        raise _Retryable(status, float(header) if header.isdigit() else None)
    if status == 404:
        raise NotFoundError(f"the index has no {what} ({url} answered 404); check the name")
    raise UpstreamError(f"the index answered HTTP {status} for {url}")


def _describe(exc: Exception | None) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    return str(exc) or type(exc).__name__ if exc is not None else "no answer"


def _fresh(cached: CachedResponse, max_age: float) -> bool:
    """True while *cached* is younger than *max_age* seconds (a clock set back is not)."""
    return 0 <= time.time() - cached.fetched_at < max_age


def _tail(response: CachedResponse) -> tuple[bytes, str, str | None, str | None, float]:
    return (
        response.body,
        response.content_type,
        response.etag,
        response.last_modified,
        response.fetched_at,
    )
