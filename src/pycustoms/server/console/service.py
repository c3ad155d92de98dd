"""The console's side of a server process: applies decisions to the index, watches for
retroactive blocks, notifies webhooks, and scans stored files for the package pages.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from pycustoms.config import load_config
from pycustoms.incident import webhooks
from pycustoms.incident.retro import detect_malware
from pycustoms.incident.stored import scan_blob
from pycustoms.server.console import actions
from pycustoms.server.console.access import console_secret
from pycustoms.server.filtering import UPLOAD_TIME_UNKNOWN
from pycustoms.server.state import ServerState, ignore_result
from pycustoms.types import ProjectName, ScanResult, normalize_name
from pycustoms.upstream.errors import NotFoundError, UpstreamError

_log = logging.getLogger(__name__)
_CACHE = 128
# How long the package page waits for the upstream's page before saying it could not.
SERVED_WAIT = 10.0


class Console:
    """One per server process, beside `ServerState`."""

    def __init__(self, state: ServerState, config_file: Path | None, *, every: float = 1.0) -> None:
        self.state = state
        self._config_file = config_file
        self._every = every
        self.secret = console_secret(state.data_dir)  # signs the console's form tokens
        self._last_block = 0
        self._applied_blocks: set[int] = set()
        # Quarantine decisions made on any replica, applied here once each.
        self._decisions: actions.DecisionMarker | None = None
        self._applied_decisions: set[tuple[str, str, datetime]] = set()
        self._advisory_version = -1
        self._task: asyncio.Task[None] | None = None
        self._scans: OrderedDict[str, ScanResult] = OrderedDict()
        self._lock = threading.Lock()

    def webhook_settings(self) -> webhooks.WebhookSettings:
        """Read now, so that a configuration change applies to the next incident."""
        return webhooks.WebhookSettings.load(load_config(config_file=self._config_file).raw)

    # -- the index's in-memory state (call on the event loop) ---------------------------------

    def apply_decision(self, sha256: str, decision: str, reason: str, project: str) -> None:
        """Serve an approved file, keep a denied one out; re-filter the project's page."""
        if decision == "approve":
            self.state.scans.override(sha256, None)
        if project:
            self.state.pages.invalidate(ProjectName(project))

    def apply_blocks(self, blocks: Iterable[tuple[str, str, str]]) -> None:
        """Refuse each (project, sha256, reason) from now on."""
        for project, sha, reason in blocks:
            self.state.scans.override(sha, actions.as_block("blocked", reason))
            self.state.pages.invalidate(ProjectName(project))

    def apply_release_blocks(self, releases: Iterable[tuple[str, str, str]]) -> None:
        """Refuse every file of each (project, version, reason), fetched or not, from now on."""
        for project, version, reason in releases:
            try:
                parsed = Version(version)
            except InvalidVersion:
                continue
            name = ProjectName(normalize_name(project))
            block = actions.as_block("blocked", reason)
            self.state.pages.release_blocks.setdefault(name, {})[parsed] = block
            self.state.pages.invalidate(name)

    async def block_release(
        self, project: str, version: str, reason: str, actor: str
    ) -> dict[str, Any]:
        """Block a release by hand (admin API and console): record the block, its audit
        entry and, if environments installed it, an incident; refuse its files from now
        on; notify the webhooks. Raises `UsageError` for an empty version or reason.
        """
        shas, summary = await asyncio.to_thread(
            actions.block, self.state.db, project, version, reason, actor
        )
        name = normalize_name(project)
        self.apply_blocks([(name, sha, f"manual: {reason.strip()}") for sha in shas])
        self.apply_release_blocks([(name, version.strip(), f"manual: {reason.strip()}")])
        if summary is not None:
            await self.notify([summary])
        return {"project": name, "version": version.strip(), "files": shas, "incident": summary}

    # -- lifecycle ---------------------------------------------------------------------------

    async def startup(self) -> None:
        """Apply stored decisions and blocks; start watching for new ones."""
        db = self.state.db
        for sha, decision, reason in await asyncio.to_thread(actions.decisions, db):
            if decision == "approve":
                self.state.scans.override(sha, None)
            del reason
        self._last_block, blocks, releases = await asyncio.to_thread(
            actions.blocked_shas, db, 0, self._applied_blocks
        )
        self.apply_blocks(blocks)
        self.apply_release_blocks(releases)
        self._advisory_version = self.state.advisories.version
        await self._follow_decisions()
        self._task = asyncio.ensure_future(self._watch())
        self._task.add_done_callback(ignore_result)

    async def shutdown(self) -> None:
        """Stop watching."""
        if self._task is not None:
            self._task.cancel()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            try:
                await self.check()
            except Exception:  # noqa: BLE001 - keep watching: the next round retries
                _log.exception("console: retroactive check failed")

    async def check(self) -> None:
        """One round: new advisories → incidents; new release blocks → refused files."""
        db = self.state.db
        version = self.state.advisories.version
        if version != self._advisory_version:
            self._advisory_version = version
            summaries = await asyncio.to_thread(detect_malware, db)
            await self.notify(summaries)
        after = max(0, self._last_block - actions.LATE_WINDOW)
        newest, blocks, releases = await asyncio.to_thread(
            actions.blocked_shas, db, after, self._applied_blocks
        )
        self._last_block = max(self._last_block, newest)
        self.apply_blocks(blocks)
        self.apply_release_blocks(releases)
        await self._follow_decisions()

    async def _follow_decisions(self) -> None:
        """Apply approvals made on other replicas (this one applied its own already)."""
        db = self.state.db
        marker = await asyncio.to_thread(actions.decision_marker, db)
        if marker == self._decisions:
            return
        first = self._decisions is None
        self._decisions = marker
        for sha, decision, project, at in await asyncio.to_thread(
            actions.decisions_of_projects, db
        ):
            key = (sha, decision, at)
            if key in self._applied_decisions:
                continue
            self._applied_decisions.add(key)
            if not first:  # `startup` applied the stored ones
                self.apply_decision(sha, decision, "", project)

    async def notify(self, summaries: list[dict[str, Any]]) -> None:
        """Send each incident summary to the webhooks (in a thread)."""
        if not summaries:
            return
        settings = await asyncio.to_thread(self.webhook_settings)
        for summary in summaries:
            _log.warning(
                "incident: %s==%s installed by %d environment(s)",
                summary["project"], summary["version"], len(summary["environments"]),
            )  # fmt: skip
            await asyncio.to_thread(webhooks.send, settings, summary)

    # -- stored files ------------------------------------------------------------------------

    def scan_stored(self, sha256: str, filename: str) -> ScanResult | None:
        """The findings of the stored file (scanned on first use, kept for a while); blocking."""
        with self._lock:
            found = self._scans.get(sha256)
        if found is not None:
            return found
        blob = self.state.store.path(sha256)
        if blob is None:
            return None
        result = scan_blob(blob, filename, self.state.watcher.current().policy)
        with self._lock:
            self._scans[sha256] = result
            while len(self._scans) > _CACHE:
                self._scans.popitem(last=False)
        return result

    # -- the index's view of a project (call on the event loop) --------------------------------

    async def served(self, name: ProjectName) -> dict[str, Any]:
        """What the index offers of *name* now: how many files it lists, which it hides
        and why (the same filtered page installers get), or why it has no page at all.

        A project refused by name (deny-list, internal name) is not asked of the upstream,
        as the index does not ask either.
        """
        config = self.state.watcher.current()
        pages = self.state.pages
        gate = pages.gate(name, config)
        if gate is not None:
            return {"gate": {"rule": gate.rule, "reason": gate.reason}}
        try:
            entry = pages.cached(name, config)
            if entry is None:
                entry = await asyncio.wait_for(pages.get(name, config), SERVED_WAIT)
        except NotFoundError:
            return {"error": f"The upstream has no project {name}, and nobody uploaded it here."}
        except UpstreamError as exc:
            return {"error": f"The upstream's page of {name} could not be read: {exc}"}
        except TimeoutError:
            return {"error": f"The upstream did not send the page of {name} within "
                             f"{SERVED_WAIT:.0f} s; reload to try again."}  # fmt: skip
        page = entry.filtered
        hidden = [
            {"filename": filename, "rule": block.rule, "reason": block.reason}
            for filename, block in sorted(page.hidden.items())
        ]
        hint = None
        if any(h["rule"] == UPLOAD_TIME_UNKNOWN for h in hidden):
            hint = (
                "The upstream publishes no upload times, so the cooldown cannot be checked "
                "and its files are hidden. If this upstream is a mirror you trust, set "
                "serve.trusted-for-age (PYCUSTOMS_SERVE_TRUSTED_FOR_AGE): the time this "
                "index first saw a file then stands in for its upload time."
            )
        blocked = page.blocked
        return {
            "listed": len(page.files),
            "hidden": hidden,
            "blocked": None
            if blocked is None
            else {"rule": blocked.rule, "reason": blocked.reason},
            "hint": hint,
        }
