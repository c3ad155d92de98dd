"""Fetch and scan files ahead of their first download: a lock's files, or popular projects.

Prefetching only warms the store: each file goes through the same single-flight
fetch, hash check and scan as a download (`ServerState.scan`), and a later
download still passes every check of the file view before a byte is served.
A file the page hides (cooldown, a blocked release, a blocked project) is not
fetched at all: it is reported with the reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from pycustoms.server.clientenv import ClientEnv, pick
from pycustoms.server.filtering import Block, ServedFile
from pycustoms.server.pages import Rendered
from pycustoms.server.state import ServerState
from pycustoms.types import ProjectName, normalize_name
from pycustoms.upstream.errors import NotFoundError, UpstreamError

_log = logging.getLogger("pycustoms.server")
# Files fetched and scanned at once by one prefetch (the scan pool bounds the CPU).
_PARALLEL = 8


@dataclass(frozen=True, slots=True)
class Wanted:
    """One project to prefetch: a pinned version (or the newest) and the lock's sha256s."""

    name: str
    version: str | None = None
    # When given, exactly these files (a lock's hashes); else the files `pick` chooses.
    sha256: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Prefetched:
    """What became of one file (or of a project that yielded none)."""

    project: str
    version: str | None
    filename: str | None
    status: str  # "allowed", "blocked", "hidden", "missing", "error"
    detail: str = ""


def _files_of(
    entry: Rendered, wanted: Wanted, env: ClientEnv | None, limit: int
) -> tuple[list[ServedFile], list[tuple[str, Block]]]:
    """The listed files that *wanted* names, and those it names that the page hides (why)."""
    listed = list(entry.filtered.files)
    hidden = list(entry.filtered.hidden.items())
    if wanted.version is not None:
        listed = [f for f in listed if f.version is not None and str(f.version) == wanted.version]
        hidden = [(n, b) for n, b in hidden if f"-{wanted.version}" in n]
    if wanted.sha256:
        sha_of = {item.filename: item.sha256 for item in entry.page.files}
        listed = [f for f in listed if f.file.sha256 in wanted.sha256]
        return listed, [(n, b) for n, b in hidden if sha_of.get(n) in wanted.sha256]
    if listed:
        return pick(listed, env, limit), []
    return [], hidden[:limit]


async def _one_project(
    state: ServerState, wanted: Wanted, env: ClientEnv | None, limit: int, gate: asyncio.Semaphore
) -> list[Prefetched]:
    name = normalize_name(wanted.name)
    config = state.watcher.current()
    block = state.pages.gate(name, config)
    if block is not None:
        return [Prefetched(name, wanted.version, None, "blocked", block.reason)]
    try:
        entry = await state.pages.get(name, config)
    except NotFoundError:
        return [Prefetched(name, wanted.version, None, "missing", "not on the upstream")]
    except UpstreamError as exc:
        return [Prefetched(name, wanted.version, None, "error", f"upstream error: {exc}")]
    if entry.filtered.blocked is not None:
        return [Prefetched(name, wanted.version, None, "blocked", entry.filtered.blocked.reason)]
    listed, hidden = _files_of(entry, wanted, env, limit)
    out = [Prefetched(name, wanted.version, n, "hidden", b.reason) for n, b in hidden]
    if not listed and not hidden:
        return [Prefetched(name, wanted.version, None, "missing", "no such file is listed")]
    out += await asyncio.gather(*(_one_file(state, entry, served, gate) for served in listed))
    return out


async def _one_file(
    state: ServerState, entry: Rendered, served: ServedFile, gate: asyncio.Semaphore
) -> Prefetched:
    name = entry.filtered.name
    version = str(served.version) if served.version else None
    filename = served.file.filename
    async with gate:
        job = state.start_scan(entry, served.file)
        if job is None:
            known = state.scans.known(served.file.sha256 or "")
            if known is None:
                return Prefetched(name, version, filename, "error", "no upstream to fetch from")
            outcome = known
        else:
            outcome = await job
    if outcome.block is not None:
        return Prefetched(name, version, filename, "blocked", outcome.block.reason)
    return Prefetched(name, version, filename, "allowed")


async def prefetch(
    state: ServerState, wanted: Sequence[Wanted], env: ClientEnv | None = None
) -> list[Prefetched]:
    """Fetch and scan the files *wanted* names, several at once; what became of each."""
    limit = max(1, state.watcher.current().serve.prescan)
    gate = asyncio.Semaphore(_PARALLEL)
    done = await asyncio.gather(*(_one_project(state, w, env, limit, gate) for w in wanted))
    return [item for items in done for item in items]


async def popular(state: ServerState, count: int, every: float, pause: float) -> None:
    """Prefetch the newest release of the *count* most downloaded projects, forever.

    Most downloaded by this index's install log. One file at a time with *pause*
    seconds between files (the rate limit), a round every *every* seconds.
    """
    while True:
        names = await asyncio.to_thread(state.log.most_installed, count)
        for name in names:
            try:
                await prefetch(state, [Wanted(ProjectName(name))])
            except Exception:  # noqa: BLE001 - a background warm-up never stops the server
                _log.debug("background prefetch of %s failed", name, exc_info=True)
            await asyncio.sleep(pause)
        await asyncio.sleep(every)
