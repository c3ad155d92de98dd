"""Everything one server process holds, built from the configuration by `build_state`."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from pycustoms.analyzers.names.index import default_index
from pycustoms.analyzers.provenance.settings import Mode
from pycustoms.db.session import Database
from pycustoms.errors import ConfigError
from pycustoms.redact import redact
from pycustoms.server.advisories import AdvisoryBook
from pycustoms.server.auth import TokenBook
from pycustoms.server.clientenv import ClientEnv, client_env, pick
from pycustoms.server.dependencies import dependencies
from pycustoms.server.firstseen import FirstSeen
from pycustoms.server.installlog import InstallLog
from pycustoms.server.pages import ProjectPages, Rendered
from pycustoms.server.private import PrivateIndex
from pycustoms.server.provenance import FetchDocument, ProvenanceBook
from pycustoms.server.scanning import Fetch, Outcome, ScanCoordinator
from pycustoms.server.settings import ConfigWatcher
from pycustoms.server.sources import UpstreamSource
from pycustoms.storage import BlobWriter, LocalBlobStore, open_store
from pycustoms.types import ProjectName
from pycustoms.upstream.client import ClientOptions
from pycustoms.upstream.errors import UpstreamError
from pycustoms.upstream.models import FileKind, IndexFile
from pycustoms.workers.client import RemoteScans

_log = logging.getLogger("pycustoms.server")
_PREFETCHED_MAX = 100_000


@dataclass
class ServerState:
    """The collaborators of the views; one per process."""

    watcher: ConfigWatcher
    db: Database
    store: LocalBlobStore
    source: UpstreamSource | None
    private: PrivateIndex
    pages: ProjectPages
    scans: ScanCoordinator
    tokens: TokenBook
    log: InstallLog
    advisories: AdvisoryBook
    provenance: ProvenanceBook
    index_url: str
    data_dir: Path
    # (project, page key, User-Agent) already prefetched for (see `prefetch_for`).
    _prefetched: set[tuple[ProjectName, tuple[str, int, int, int], str | None]] = field(
        default_factory=set
    )

    def prescan(self, entry: Rendered) -> None:
        """Learn an attested project's publisher history when its page is first loaded."""
        config = self.watcher.current()
        if entry.filtered.blocked is not None or not entry.filtered.files:
            return
        name = entry.filtered.name
        if not entry.private and self.source is not None and config.provenance.mode is not Mode.OFF:
            # Learn the publisher history of an attested project now, not at its first download.
            seeding = asyncio.ensure_future(
                self.provenance.seed(name, entry.page, self.provenance_fetch(name))
            )
            seeding.add_done_callback(ignore_result)

    def prefetch_for(self, entry: Rendered, agent: str | None) -> None:
        """Fetch and scan, in the background, the files the installer of *agent* will pick.

        Called as a page is served: by the time the installer asks for the file,
        its fetch and scan have begun (`clientenv.pick`). Once per page rendering
        and kind of installer, so a cached page costs one dictionary look-up.
        """
        key = (entry.filtered.name, entry.key, agent)
        if key in self._prefetched:
            return
        if len(self._prefetched) > _PREFETCHED_MAX:
            self._prefetched.clear()
        self._prefetched.add(key)
        limit = self.watcher.current().serve.prescan
        if limit <= 0 or entry.filtered.blocked is not None:
            return
        env = client_env(agent)
        for served in pick(entry.filtered.files, env, limit):
            job = self.start_scan(entry, served.file)
            if job is not None and env is not None and needs_metadata(served.file):
                follow = asyncio.ensure_future(self._follow(job, served.file, env, agent))
                follow.add_done_callback(ignore_result)

    def start_scan(self, entry: Rendered, item: IndexFile) -> asyncio.Future[Outcome] | None:
        """Fetch and scan *item* of *entry* in the background (`None`: known or unfetchable)."""
        sha = item.sha256
        if sha is None or self.scans.known(sha) is not None:
            return None
        if self.source is None and not entry.private:
            return None
        fetch = functools.partial(_fetch, self.source, item.url)
        job = asyncio.ensure_future(self.scan(entry.filtered.name, item, fetch))
        job.add_done_callback(ignore_result)
        return job

    async def _follow(
        self, job: asyncio.Future[Outcome], item: IndexFile, env: ClientEnv, agent: str | None
    ) -> None:
        """Once *item* is scanned, prefetch what its installer will ask for next (its deps)."""
        outcome = await job
        digest = self.scans.metadata.get(item.sha256 or "")
        if outcome.block is not None or not digest:
            return
        path = self.store.path(digest)
        if path is None:
            return
        text = await asyncio.to_thread(path.read_text, "utf-8", "replace")
        config = self.watcher.current()
        for name in dependencies(text, env):
            if self.pages.gate(name, config) is not None:
                continue
            with contextlib.suppress(UpstreamError):  # the installer's own request says why
                entry = self.pages.cached(name, config) or await self.pages.get(name, config)
                self.prefetch_for(entry, agent)

    async def scan(self, name: ProjectName, item: IndexFile, fetch: Fetch) -> Outcome:
        """Fetch and scan *item* (shared); then read a wheel's METADATA (served as PEP 658)."""
        sha = item.sha256 or ""
        policy = self.watcher.current().policy
        outcome = await self.scans.ensure(sha, item.filename, name, fetch, policy, size=item.size)
        if outcome.block is None and needs_metadata(item):
            await self.scans.wheel_metadata(sha, item.filename, name, policy)
        return outcome

    def warm_up(self) -> None:
        """Start the scan workers and build the names index now rather than on a request.

        Both at once (the workers start in their own processes). A worker that fails
        to start is not fatal: the first download retries, as it would have anyway.
        """
        with ThreadPoolExecutor(1) as side:
            workers = side.submit(self.scans.warm_up)
            if self.watcher.current().serve.names_check:
                default_index()
            try:
                workers.result()
            except Exception as exc:  # noqa: BLE001 - logged; a download retries the pool
                _log.warning("the scan workers did not start ahead of requests: %s", exc)

    def provenance_fetch(self, name: ProjectName) -> FetchDocument:
        """Fetch a file of *name*'s PEP 740 provenance through the upstream client (blocking)."""
        source = self.source

        def fetch(item: IndexFile) -> Mapping[str, Any] | None:
            if source is None:
                raise UpstreamError("no upstream is configured")
            version = item.version
            return source.client.provenance(name, str(version or ""), item)

        return fetch

    def close(self) -> None:
        """Flush the install log and stop workers and pools."""
        self.log.close()
        self.pages.first_seen.close()
        self.advisories.close()
        self.provenance.close()
        self.scans.close()
        self.store.close()
        if self.source is not None:
            self.source.close()
        self.db.close()


def needs_metadata(item: IndexFile) -> bool:
    """True for a wheel: pycustoms serves the METADATA it reads from the scanned wheel itself."""
    return item.kind is FileKind.WHEEL


def _fetch(source: UpstreamSource | None, url: str, writer: BlobWriter) -> None:
    if source is None:
        raise UpstreamError("no upstream is configured")
    source.fetch(url, writer)


def ignore_result(job: asyncio.Future[Any]) -> None:
    """A done-callback for background jobs: their failures are retried by the next request."""
    if not job.cancelled():
        with contextlib.suppress(Exception):
            job.result()


def check_upstream(index_url: str) -> None:
    """Refuse an upstream that cannot work: not an http(s) URL with a host, or a missing
    `file://` directory. Said at start-up, not after retries on the first request."""
    parts = urlsplit(index_url)
    if parts.scheme in ("http", "https") and parts.hostname:
        return
    if parts.scheme == "file":
        path = Path(url2pathname(unquote(parts.path)))
        if path.is_dir():
            return
        raise ConfigError(
            f"the upstream {redact(index_url)} is a file:// URL whose directory does not exist"
        )
    raise ConfigError(
        f"the upstream {redact(index_url)!r} is not an index URL; give an http(s) URL of a "
        "simple index (--upstream https://HOST/simple/) or a file:// directory"
    )


def build_state(watcher: ConfigWatcher) -> ServerState:
    """Open the database and blob store, and connect to the upstream named by the configuration."""
    config = watcher.current()
    upstream = config.upstream
    index_url = config.serve.upstream or upstream.resolved_index()[0]
    check_upstream(index_url)  # before anything is created: a typo fails at start-up
    data = upstream.data_path()
    data.mkdir(parents=True, exist_ok=True)
    db = Database(upstream.database()).open()
    spare = config.serve.download_spare_mib << 20
    store = open_store(config.serve.store_url, data / "store", spare_bytes=spare)
    store.recover()
    options = ClientOptions(
        timeout=upstream.timeout,
        retries=upstream.retries,
        same_origin_redirects=True,
        offline_hint=False,  # the server has no offline mode to suggest
    )
    hosts = frozenset(config.serve.files_hosts) if config.serve.files_hosts else None
    source = UpstreamSource(index_url, data / "cache", options, hosts)
    private = PrivateIndex(db)
    # Scans wait on no one but the CPU: one worker per core (the event loop mostly waits).
    workers = config.serve.scan_workers or max(1, os.cpu_count() or 1)
    remote = RemoteScans(config.serve.broker_url) if config.serve.broker_url else None
    scans = ScanCoordinator(
        store,
        db,
        workers,
        streams=config.serve.stream_scans,
        remote=remote,
        remote_timeout=config.serve.scan_timeout,
    )
    state = ServerState(
        watcher=watcher,
        db=db,
        store=store,
        source=source,
        private=private,
        pages=None,  # type: ignore[arg-type]  # set just below: the two refer to each other
        scans=scans,
        tokens=TokenBook(db),
        log=InstallLog(db),
        advisories=AdvisoryBook(db),
        provenance=ProvenanceBook(db, data),
        index_url=index_url,
        data_dir=data,
    )
    state.pages = ProjectPages(
        source,
        private,
        scans.blocks,
        advisories=state.advisories,
        first_seen=FirstSeen(db),
        metadata=scans.metadata,
        provenance=state.provenance,
        on_first_render=state.prescan,
        sizes=store.size,
        unscanned=lambda sha: scans.known(sha) is None,
    )
    scans.on_block = lambda project, _sha: state.pages.invalidate(ProjectName(project))
    scans.quarantine_warn = lambda: watcher.current().serve.on_warn == "quarantine"
    scans.on_metadata = lambda project, _sha: state.pages.invalidate(ProjectName(project))
    scans.early_enabled = lambda: watcher.current().serve.early_metadata
    return state
