"""Project pages: fetched once, filtered and rendered once, served from memory.

A rendered entry is keyed by the configuration version, the project's
generation (bumped when a scan blocks one of its files or reads a wheel's
metadata), the advisory database's version (bumped by an import) and the
provenance database's version (bumped when a publisher is recorded or a
continuity break learnt; `server/provenance.py`). It is
revalidated with the upstream (ETag) after `page-ttl`, in the background,
while the previous rendering keeps being served; a configuration change or a
cooldown expiry re-filters the page already in memory.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from packaging.version import Version

from pycustoms.server.advisories import AdvisoryBook
from pycustoms.server.explain import Explainer
from pycustoms.server.filtering import (
    Block,
    FilteredPage,
    ServedFile,
    filter_page,
    name_block,
    project_gate,
)
from pycustoms.server.firstseen import FirstSeen
from pycustoms.server.private import PrivateIndex
from pycustoms.server.provenance import ProvenanceBook
from pycustoms.server.render import JSON_TYPE, TEXT_HTML, Body, make_body, render_html, render_json
from pycustoms.server.settings import ServerConfig
from pycustoms.server.sources import UpstreamSource
from pycustoms.types import ProjectName
from pycustoms.upstream.errors import NotFoundError
from pycustoms.upstream.models import FileKind, IndexFile, ProjectPage

_MISSING = object()
# Pages kept (the oldest rendered go first), names remembered as missing, and for how long.
MAX_PAGES = 20_000
MAX_MISSING = 100_000
MISSING_TTL = 60.0


@dataclass(frozen=True, slots=True)
class Rendered:
    """One project as served: the filtered page, both bodies and a filename index."""

    page: ProjectPage
    filtered: FilteredPage
    html: Body
    json: Body
    by_filename: dict[str, ServedFile]
    private: bool
    key: tuple[str, int, int, int]
    fresh_until: float  # monotonic: ask the upstream again after this
    valid_until: float  # monotonic: re-filter after this (a cooldown expires)
    # Upload times the page itself lacks (the JSON API's), by filename: kept so that
    # re-filtering the same page does not ask again. First-seen times are not kept
    # here: `FirstSeen` holds them (database and memory).
    times: Mapping[str, datetime] = field(default_factory=dict)

    def find(self, filename: str) -> ServedFile | Block | None:
        """The listed file, the reason it is hidden, or `None` if the page has no such file."""
        found = self.by_filename.get(filename)
        if found is not None:
            return found
        return self.filtered.hidden.get(filename)


@dataclass
class _State:
    entries: dict[ProjectName, Rendered] = field(default_factory=dict)
    generation: dict[ProjectName, int] = field(default_factory=dict)
    loading: dict[ProjectName, asyncio.Future[Rendered]] = field(default_factory=dict)


class ProjectPages:
    """The page cache and its refresh logic for one server process."""

    def __init__(
        self,
        source: UpstreamSource | None,
        private: PrivateIndex,
        blocks: dict[str, Block],
        *,
        advisories: AdvisoryBook,
        first_seen: FirstSeen,
        metadata: Mapping[str, str | None],
        provenance: ProvenanceBook,
        on_first_render: Callable[[Rendered], None] | None = None,
        sizes: Callable[[str], int | None] | None = None,
        unscanned: Callable[[str], bool] | None = None,
    ) -> None:
        self._source = source
        self._unscanned = unscanned
        self._private = private
        self._blocks = blocks
        self._advisories = advisories
        self.first_seen = first_seen
        self._metadata = metadata
        self._provenance = provenance
        self._state = _State()
        self._on_first = on_first_render
        self._sizes = sizes
        self.explainer = Explainer(source.index_url if source is not None else None)
        self._gates: dict[tuple[ProjectName, str, bool], Block | object | None] = {}
        # Names the upstream does not have, until when (monotonic): asked again after that.
        self._missing: dict[ProjectName, float] = {}
        # Whole releases blocked by hand or by a rescan (console), fetched or not.
        self.release_blocks: dict[ProjectName, dict[Version, Block]] = {}

    def invalidate(self, name: ProjectName) -> None:
        """Re-filter *name* at its next request (a scan blocked one of its files)."""
        self._state.generation[name] = self._state.generation.get(name, 0) + 1

    def forget(self, name: ProjectName) -> None:
        """Drop *name* entirely (a private upload changed which source it comes from)."""
        self._state.entries.pop(name, None)
        self._missing.pop(name, None)
        self.invalidate(name)

    def gate(self, name: ProjectName, config: ServerConfig) -> Block | None:
        """The project-level block checked before anything is fetched (memoised per config)."""
        private = self._private.has(name)
        key = (name, config.version, private)
        found = self._gates.get(key, _MISSING)
        if found is _MISSING:
            if len(self._gates) > 100_000:
                self._gates.clear()
            found = self._gates[key] = project_gate(name, config, private=private)
        return found  # type: ignore[return-value]

    def cached(self, name: ProjectName, config: ServerConfig) -> Rendered | None:
        """The entry if it can be served as is (the hot path: no await, no I/O)."""
        entry = self._state.entries.get(name)
        if entry is None:
            return None
        now = time.monotonic()
        if entry.key != self._key(name, config):
            return None
        if now >= entry.valid_until:
            return None
        if now >= entry.fresh_until and name not in self._state.loading:
            self._start(name, config, refetch=True)
        return entry

    def _key(self, name: ProjectName, config: ServerConfig) -> tuple[str, int, int, int]:
        return (
            config.version,
            self._state.generation.get(name, 0),
            self._advisories.version,
            self._provenance.version,
        )

    async def get(self, name: ProjectName, config: ServerConfig) -> Rendered:
        """The entry for *name*, loading or re-filtering it if needed (raises upstream errors).

        A name the upstream said it does not have is not asked again for a minute (a
        client asking for thousands of made-up names must not become upstream traffic).
        """
        found = self.cached(name, config)
        if found is not None:
            return found
        missing = self._missing.get(name)
        if missing is not None and time.monotonic() < missing and not self._private.has(name):
            raise NotFoundError(f"{name} does not exist upstream")
        job = self._state.loading.get(name)
        if job is None:
            entry = self._state.entries.get(name)
            stale = entry is None or time.monotonic() >= entry.fresh_until
            job = self._start(name, config, refetch=stale)
        return await asyncio.shield(job)

    def _start(
        self, name: ProjectName, config: ServerConfig, *, refetch: bool
    ) -> asyncio.Future[Rendered]:
        job = asyncio.ensure_future(self._load(name, config, refetch=refetch))
        self._state.loading[name] = job

        def done(finished: asyncio.Future[Rendered]) -> None:
            self._state.loading.pop(name, None)
            if not finished.cancelled():
                error = finished.exception()  # a failed background refresh must not warn
                if isinstance(error, NotFoundError):
                    self._missing[name] = time.monotonic() + MISSING_TTL
                    while len(self._missing) > MAX_MISSING:
                        del self._missing[next(iter(self._missing))]

        job.add_done_callback(done)
        return job

    async def _load(self, name: ProjectName, config: ServerConfig, *, refetch: bool) -> Rendered:
        old = self._state.entries.get(name)
        private = self._private.has(name)
        times: dict[str, datetime] = {}
        if private:
            page = await asyncio.to_thread(self._private.page, name)
        elif old is not None and not refetch and not old.private:
            page = old.page
            times = dict(old.times)
        else:
            if self._source is None:
                raise NotFoundError(f"no upstream is configured and {name} is not private")
            source = self._source
            page = await asyncio.to_thread(source.page, name)
            if page.source != "file":
                times = await asyncio.to_thread(source.api_times, name, page)
        render = functools.partial(
            self._render, private=private, times=times, key=self._key(name, config)
        )
        entry = await asyncio.to_thread(render, name, page, config)
        first = old is None
        entries = self._state.entries
        entries.pop(name, None)
        entries[name] = entry  # newest last: the oldest go first when the cache is full
        while len(entries) > MAX_PAGES:
            evicted = next(iter(entries))
            del entries[evicted]
            self._state.generation.pop(evicted, None)
        # Pages are long-lived and acyclic: keep the cyclic GC from walking them again
        # and again (a 2,000-release page is ~100k objects; full collections cost ms).
        gc.freeze()
        if first and self._on_first is not None:
            self._on_first(entry)
        return entry

    def _render(
        self,
        name: ProjectName,
        page: ProjectPage,
        config: ServerConfig,
        *,
        private: bool,
        times: dict[str, datetime],
        key: tuple[str, int, int, int],
    ) -> Rendered:
        now = datetime.now(UTC)
        seen: dict[str, datetime] = {}
        if not private:
            # No upload time anywhere: the time this index first saw the file stands in.
            unknown = [
                f.filename for f in page.files if f.upload_time is None and f.filename not in times
            ]
            if unknown:
                seen = self.first_seen.times(name, unknown, now)
                self.explainer.untimed(name, unknown, config)
        blocked = None if private else name_block(name, config)
        releases = None
        if not private:
            versions = [f.version for f in page.files if f.version is not None]
            threshold = config.serve.block_vulnerabilities
            releases = dict(self._advisories.blocks(name, versions, threshold))
            # Continuity (DB only); an advisory block, when both apply, is the one shown.
            continuity = self._provenance.blocks(name, page, config.provenance, now)
            releases = continuity | releases if continuity else releases
        manual = self.release_blocks.get(name)
        if manual:
            releases = {**(releases or {}), **manual}
        filtered = filter_page(
            self._with_metadata(
                page,
                everywhere=private or config.serve.core_metadata == "always",
                early=config.serve.early_metadata and not private,
            ),
            config,
            now,
            verdicts=self._blocks,
            private=private,
            blocked=blocked,
            upload_times=times,
            first_seen=seen,
            releases=releases,
        )
        self.explainer.hidden(filtered)
        mono = time.monotonic()
        valid = float("inf")
        if filtered.changes_at is not None:
            valid = mono + max(1.0, (filtered.changes_at - now).total_seconds())
        return Rendered(
            page=page,
            filtered=filtered,
            html=make_body(render_html(filtered), TEXT_HTML),
            json=make_body(render_json(filtered), JSON_TYPE),
            by_filename={f.file.filename: f for f in filtered.files},
            private=private,
            key=key,
            fresh_until=mono + config.serve.page_ttl,
            valid_until=valid,
            times=times,
        )

    def _with_metadata(
        self, page: ProjectPage, *, everywhere: bool, early: bool = False
    ) -> ProjectPage:
        """*page* advertising only metadata files (PEP 658) that pycustoms read from the wheel.

        The upstream's `.metadata` sidecar is never passed on: it may disagree with
        the wheel's own METADATA (installers then refuse the file, or resolve with
        dependencies the wheel does not declare). A wheel's hash is advertised once
        its scan has read the METADATA; until then, and for other kinds, none is.
        Unless *everywhere*, only where the upstream advertises metadata too: an
        installer fetches a sidecar before each file it is offered for, and makes
        the same requests here as it would there (`serve.core-metadata`). With
        *early*, a wheel with no verdict yet advertises it as well (no hash: it is
        read from the fetched bytes on request, `serve.early-metadata`), so that an
        installer resolves while the scans run; once scanned, the rules above apply.
        """
        files: list[IndexFile] = []
        changed = False
        for item in page.files:
            known = self._metadata.get(item.sha256 or "")
            core: dict[str, str] | bool | None = None
            if known and item.kind is FileKind.WHEEL and (everywhere or item.core_metadata):
                core = {"sha256": known}
            elif (
                early
                and known is None
                and item.kind is FileKind.WHEEL
                and item.sha256
                and self._unscanned is not None
                and self._unscanned(item.sha256)
            ):
                core = True  # advertised without a hash: read from the bytes on request
            size = item.size
            if size is None and item.sha256 and self._sizes is not None:
                size = self._sizes(item.sha256)  # the stored file's own size (PEP 700)
            if item.core_metadata != core or size != item.size:
                files.append(replace(item, core_metadata=core, size=size))
                changed = True
            else:
                files.append(item)
        return replace(page, files=tuple(files)) if changed else page
