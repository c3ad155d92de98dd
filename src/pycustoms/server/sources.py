"""Where pages and files come from: the one upstream (http(s) or a local PEP 503 directory).

Everything here blocks; the views call it through threads.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import socket
import ssl
import threading
import time
import urllib.request
from datetime import datetime
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import url2pathname

import httpx

from pycustoms.errors import PycustomsError
from pycustoms.retry import Backoff, retry_call
from pycustoms.server.origins import FileOrigins, default_files_hosts
from pycustoms.storage import BlobWriter
from pycustoms.types import ProjectName
from pycustoms.upstream.cache import HttpCache
from pycustoms.upstream.client import USER_AGENT, ClientOptions, UpstreamClient, paced
from pycustoms.upstream.errors import UpstreamError
from pycustoms.upstream.models import ProjectPage

_CHUNK = 1 << 20


def _local_path(url: str) -> Path:
    return Path(url2pathname(unquote(urlsplit(url).path)))


def _response_within(
    connection: http.client.HTTPConnection, seconds: float
) -> http.client.HTTPResponse:
    """`getresponse()`, cut off when the status line and headers take over *seconds*.

    The socket timeout bounds each read only: an upstream that sends its headers a
    byte at a time (a slowloris) would otherwise hold the download for days.
    """
    late = threading.Event()

    def cut() -> None:
        late.set()
        sock = connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once

    timer = threading.Timer(seconds, cut)
    timer.daemon = True  # never holds up the process's exit
    timer.start()
    try:
        response = connection.getresponse()
    except (OSError, http.client.HTTPException):
        if not late.is_set():
            raise
        response = None
    finally:
        timer.cancel()
    # Checked after a response too: http.client takes a cut in the headers for their end.
    if response is None or late.is_set():
        raise TimeoutError(f"no status line and headers within {seconds:g} s")
    return response


def _stream_direct(
    url: str, writer: BlobWriter, cap: int, timeout: float, origins: FileOrigins
) -> None:
    """GET *url* with `http.client` into *writer*, following up to five allowed redirects.

    The body is read as it arrives (`read1`), so that the pace (`paced`) sees every read.
    """
    for _ in range(6):
        origins.check(url)
        parts = urlsplit(url)
        host = parts.hostname or ""
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            context = ssl.create_default_context()
            connection = http.client.HTTPSConnection(
                host, parts.port, timeout=timeout, context=context
            )
        elif parts.scheme == "http":
            connection = http.client.HTTPConnection(host, parts.port, timeout=timeout)
        else:
            raise UpstreamError(f"cannot fetch {url}: unsupported scheme")
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
        if parts.username is not None:
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("GET", path, headers=headers)
            response = _response_within(connection, timeout)
            if response.status in {301, 302, 303, 307, 308}:
                url = urljoin(url, response.getheader("location") or "")
                continue
            if response.status != 200:
                raise UpstreamError(f"the upstream answered HTTP {response.status} for {url}")
            body = iter(partial(response.read1, _CHUNK), b"")
            too_large = f"{url} is larger than the download limit"
            for chunk in paced(body, timeout, cap, partial(UpstreamError, too_large)):
                writer.write(chunk)
            if response.length:  # http.client reads a cut Content-Length body as complete
                raise ConnectionError(f"the body ended {response.length} bytes short")
        except (OSError, http.client.HTTPException) as exc:
            raise httpx.TransportError(str(exc)) from exc
        else:
            return
        finally:
            connection.close()
    raise UpstreamError(f"too many redirects fetching {url}")


# Projects in a row with a page but no JSON document before the JSON API counts as
# absent, and for how long (seconds) it is then not asked.
_NO_API_MISSES = 3
_NO_API_SECONDS = 600.0


class UpstreamSource:
    """Pages through `UpstreamClient` (ETag cache on disk), files streamed into the blob store."""

    def __init__(
        self,
        index_url: str,
        cache_dir: Path,
        options: ClientOptions,
        files_hosts: frozenset[str] | None = None,
    ) -> None:
        self.index_url = index_url
        self.client = UpstreamClient(index_url, cache=HttpCache(cache_dir), options=options)
        self._options = options
        # A plain mirror has no JSON API: after `_NO_API_MISSES` projects in a row whose
        # page exists but whose JSON document does not, stop asking until this (monotonic).
        self._api_misses = 0
        self._no_api_until = 0.0
        hosts = default_files_hosts(index_url) if files_hosts is None else files_hosts
        self.origins = FileOrigins(index_url, hosts)
        # The standard library client is about twice as fast for large files; httpx
        # is kept for proxied networks (it honours the *_PROXY variables).
        self._proxies = bool(urllib.request.getproxies())
        self._http = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            timeout=httpx.Timeout(options.timeout),
            follow_redirects=True,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
            # Every request, redirects included, is held to the upstream's file origins.
            event_hooks={"request": [lambda request: self.origins.check(str(request.url))]},
        )

    def close(self) -> None:
        """Close the connection pools."""
        self.client.close()
        self._http.close()

    def page(self, name: ProjectName) -> ProjectPage:
        """The upstream's page of *name* (raises `NotFoundError`, `UpstreamError`)."""
        return self.client.project_page(name)

    def api_times(self, name: ProjectName, page: ProjectPage) -> dict[str, datetime]:
        """Upload times from the index's JSON API for a page that lacks them.

        PEP 503 HTML pages carry no upload time; the same index's JSON API does,
        per file. An index with no JSON API, or one that fails, leaves the times
        unknown: the time pycustoms first saw each file then stands in (conservative).
        After a few projects in a row without a JSON document the API counts as
        absent for ten minutes (a plain mirror), and is not asked meanwhile.
        """
        if all(item.upload_time is not None for item in page.files):
            return {}
        if time.monotonic() < self._no_api_until:
            return {}  # a plain mirror: one round trip per cold page saved
        try:
            info = self.client.project_info(name)
        except PycustomsError:
            return {}
        if info is None:
            self._api_misses += 1
            if self._api_misses >= _NO_API_MISSES:
                self._no_api_until = time.monotonic() + _NO_API_SECONDS
                self._api_misses = 0
            return {}
        self._api_misses = 0
        return {
            item.filename: item.upload_time
            for files in info.releases.values()
            for item in files
            if item.upload_time is not None
        }

    def fetch(self, url: str, writer: BlobWriter, limit: int | None = None) -> None:
        """Stream *url* into *writer* (the caller verifies the hash on commit)."""
        cap = limit or self._options.max_file_bytes
        self.origins.check(url)
        if url.startswith("file:"):
            try:
                with _local_path(url).open("rb") as source:
                    while chunk := source.read(_CHUNK):
                        writer.write(chunk)
            except OSError as exc:
                raise UpstreamError(f"cannot read {url}: {exc.strerror}") from None
            return
        try:
            retry_call(
                lambda: self._stream(url, writer, cap),
                # Once bytes are written the download cannot resume here: no retry.
                on=lambda exc: (
                    isinstance(exc, httpx.TransportError) and not getattr(writer, "size", 0)
                ),
                backoff=Backoff(self._options.retries, first=0.4),
            )
        except httpx.TransportError as last:
            raise UpstreamError(
                f"the upstream did not deliver {url} ({last}); retry later"
            ) from None

    def _stream(self, url: str, writer: BlobWriter, cap: int) -> None:
        if not self._proxies:
            _stream_direct(url, writer, cap, self._options.timeout, self.origins)
            return
        with self._http.stream("GET", url) as response:
            if response.status_code != 200:
                raise UpstreamError(f"the upstream answered HTTP {response.status_code} for {url}")
            for chunk in paced(
                response.iter_bytes(),  # as they arrive: the pace sees each read
                self._options.timeout,
                cap,
                lambda: UpstreamError(f"{url} is larger than the download limit"),
            ):
                writer.write(chunk)
