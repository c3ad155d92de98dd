"""The index explains itself in its log: every hidden file, every refusal, and why.

An index that hides files and says nothing looks broken (an upstream without
upload times used to empty every page in silence). Each hidden file is logged
at INFO once, with its rule and reason, and again only when its rule changes;
each refused request is logged at INFO; an upstream that publishes no upload
times is warned about once per process, with the setting that changes it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from pycustoms.analyzers.release.settings import format_duration
from pycustoms.redact import redact
from pycustoms.server.filtering import Block, FilteredPage
from pycustoms.server.settings import ServerConfig
from pycustoms.types import ProjectName

LOG = logging.getLogger(__name__)
# Hidden files remembered so that a re-rendered page does not log them again.
MAX_REMEMBERED = 200_000


def untimed_advice(config: ServerConfig) -> str:
    """What an upstream without upload times means under *config*, and what to set."""
    cooldown = config.release.cooldown
    held = (
        f"each file counts from when this index first saw it, so it stays hidden for the "
        f"cooldown ({format_duration(cooldown)}) after that"
        if cooldown.total_seconds() > 0
        else "each file counts from when this index first saw it"
    )
    return (
        f"{held}. If this upstream carries only files you already trust (a curated mirror), "
        "declare it trusted for age: --trusted-for-age, PYCUSTOMS_SERVE_TRUSTED_FOR_AGE=1 or "
        "`trusted-for-age = true` under [serve] serves such files without a cooldown; or "
        "exempt single projects with serve.cooldown-exempt"
    )


class Explainer:
    """Logs hidden files and refusals; warns once about an upstream without upload times."""

    def __init__(self, index_url: str | None) -> None:
        self._index_url = redact(index_url or "")
        self._logged: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()
        self._warned = False

    def hidden(self, page: FilteredPage) -> None:
        """Log each file *page* hides that was not logged with the same rule before."""
        project = page.name
        fresh: list[tuple[str, Block]] = []
        with self._lock:
            for filename, block in page.hidden.items():
                key = (project, filename)
                if self._logged.get(key) != block.rule:
                    fresh.append((filename, block))
                    self._logged[key] = block.rule
            for item in page.files:  # shown again: a later hide is news again
                self._logged.pop((project, item.file.filename), None)
            if len(self._logged) > MAX_REMEMBERED:
                self._logged.clear()
        for filename, block in fresh:
            LOG.info(
                "hidden project=%s file=%s rule=%s reason=%s",
                project,
                filename,
                block.rule,
                block.reason,
            )

    def untimed(self, project: ProjectName, filenames: Iterable[str], config: ServerConfig) -> None:
        """Warn once that the upstream gave no upload time for *filenames* of *project*."""
        names = sorted(filenames)
        if not names or config.serve.trusted_for_age:
            return
        with self._lock:
            if self._warned:
                return
            self._warned = True
        LOG.warning(
            "the upstream %s gives no upload time for %d file(s) of %s (%s), neither in its "
            "pages nor in a JSON API: %s",
            self._index_url,
            len(names),
            project,
            ", ".join(names[:3]),
            untimed_advice(config),
        )

    def warned(self) -> None:
        """Record that the warning was given already (at start-up)."""
        with self._lock:
            self._warned = True


def refused(status: int, project: str, filename: str | None, block: Block) -> None:
    """Log one refused request (a 403, or a policy 404) with its rule and reason."""
    LOG.info(
        "refused status=%d project=%s file=%s rule=%s reason=%s",
        status,
        project,
        filename or "-",
        block.rule,
        redact(block.reason),
    )
