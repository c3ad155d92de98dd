"""Fuzz cases through the firewall index: a fake upstream publishes them, a real server serves.

Every download must end one of two ways: `200` with exactly the bytes the
upstream published, for a file the scanner does not block, or a `4xx`/`5xx`
refusal. Partial or other bytes, a `200` for a blocked file, no answer at all,
or a server that died or stopped answering its health check are violations.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from pycustoms.types import Decision
from tests.fake_upstream import FakeUpstream
from tests.fuzzing.cases import Case
from tests.server.serverproc import ServerProcess

JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}
OLD = datetime.now(UTC) - timedelta(days=400)  # past any cooldown
# Names, prescans and provenance have tests of their own: here every request is a download.
SERVER_ENV = {
    "PYCUSTOMS_SERVE_NAMES_CHECK": "0",
    "PYCUSTOMS_SERVE_PRESCAN": "0",
    "PYCUSTOMS_SERVE_SCAN_TIMEOUT": "120",
}


@dataclass(frozen=True, slots=True)
class Served:
    """What the index did with one case, beside what the scanner says of it."""

    index: int
    family: str
    filename: str
    local: str  # the scanner's decision on the same bytes and name, or "error"
    listed: bool
    status: int | None  # of the download; None: no answer
    exact: bool = False  # the body is the published bytes
    detail: str = ""

    @property
    def violation(self) -> str | None:
        """Why this answer breaks the index's promise, or None."""
        if not self.listed:
            return None if self.status is None or self.status >= 400 else "page not served"
        if self.status is None:
            return f"no answer: {self.detail}"
        if self.status == 200 and not self.exact:
            return "200 with other bytes than the upstream published"
        if self.status == 200 and self.local not in (Decision.ALLOW.value, Decision.WARN.value):
            return f"200 for a file the scanner judges {self.local}"
        if self.status != 200 and self.status < 400:
            return f"unexpected status {self.status}"
        return None


@dataclass(frozen=True, slots=True)
class IndexReport:
    """All downloads, and how the server was at the end."""

    served: list[Served]
    alive: bool
    healthy: bool
    tracebacks: int  # tracebacks in the server's log

    @property
    def violations(self) -> list[tuple[Served, str]]:
        """Every download that broke the promise, with the reason."""
        return [(s, v) for s in self.served if (v := s.violation) is not None]


def publish(upstream: FakeUpstream, cases: Sequence[Case]) -> None:
    """Publish each case as the only file of its own project."""
    for case in cases:
        upstream.add_file(case.project, "1.0", case.index_filename, case.data, uploaded=OLD)


def _download(client: httpx.Client, index: str, case: Case, local: str) -> Served:
    def served(
        listed: bool, status: int | None, *, exact: bool = False, detail: str = ""
    ) -> Served:
        facts = (case.index, case.family, case.index_filename, local, listed, status)
        return Served(*facts, exact=exact, detail=detail)

    try:
        page = client.get(f"{index}{case.project}/", headers=JSON)
    except httpx.HTTPError as exc:
        return served(True, None, detail=f"page: {type(exc).__name__}")
    if page.status_code != 200:
        return served(False, page.status_code)
    entries = [f for f in page.json().get("files", []) if f["filename"] == case.index_filename]
    if not entries:
        return served(False, None, detail="not listed")
    url = str(httpx.URL(f"{index}{case.project}/").join(entries[0]["url"]))
    try:
        response = client.get(url)
    except httpx.HTTPError as exc:
        return served(True, None, detail=f"download: {type(exc).__name__}: {exc}"[:200])
    same = hashlib.sha256(response.content).digest() == hashlib.sha256(case.data).digest()
    reason = response.reason_phrase[:200] if response.status_code != 200 else ""
    return served(True, response.status_code, exact=same, detail=reason)


def serve_cases(
    cases: Sequence[Case],
    local: Mapping[int, str],
    workdir: Path,
    *,
    clients: int = 4,
    timeout: float = 180.0,
) -> IndexReport:
    """Publish *cases*, download each through a real server, and check every answer.

    *local* maps a case's number to the scanner's decision on the same bytes
    under the same name (`Case.index_filename`).
    """
    upstream = FakeUpstream(workdir / "upstream")
    upstream.start()
    server: ServerProcess | None = None
    try:
        publish(upstream, cases)
        server = running = ServerProcess(upstream.url, workdir / "server", env=SERVER_ENV)
        with (
            httpx.Client(timeout=timeout) as client,
            ThreadPoolExecutor(max_workers=clients) as pool,
        ):
            served = list(
                pool.map(
                    lambda c: _download(client, running.index, c, local.get(c.index, "?")),
                    cases,
                )
            )
        alive = server.proc.poll() is None
        try:
            healthy = httpx.get(server.url + "/-/health", timeout=30).status_code == 200
        except httpx.HTTPError:
            healthy = False
        return IndexReport(served, alive, healthy, server.output().count("Traceback"))
    finally:
        if server is not None:
            server.stop()
        upstream.stop()
