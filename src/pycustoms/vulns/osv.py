"""The `osv` source: batch queries to an OSV API (`/v1/querybatch`, then `/v1/vulns/{id}`).

One request per 1,000 releases answers which advisory ids apply; each distinct
id is then fetched once for its ranges, fixes and severity. Any failure marks
the queries it concerns as not answered, never as clean.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import httpx

from pycustoms.upstream.client import USER_AGENT
from pycustoms.vulns.interface import Answer, Query, VulnerabilitySource
from pycustoms.vulns.match import ECOSYSTEM, OsvRecord, affects, parse_osv

BATCH = 1000
MAX_PAGES = 20


class OsvSource(VulnerabilitySource):
    """An OSV API at *base_url* (the public one, or a mirror)."""

    name = "osv"

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            headers={"User-Agent": USER_AGENT}, timeout=timeout, transport=transport
        )
        self._records: dict[str, list[OsvRecord]] = {}

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def _post(self, body: dict[str, Any]) -> list[Any]:
        response = self._http.post(f"{self.base_url}/v1/querybatch", json=body)
        response.raise_for_status()
        document = response.json()
        if not isinstance(document, dict) or not isinstance(document.get("results"), list):
            raise OsvAnswerError("the batch answer has no `results` list")
        results: list[Any] = document["results"]
        return results

    def _ids(self, batch: Sequence[Query]) -> list[set[str]]:
        """The advisory ids that apply to each query, following every page of results."""
        pending = [
            {"package": {"name": q.name, "ecosystem": ECOSYSTEM}, "version": q.version}
            for q in batch
        ]
        ids: list[set[str]] = [set() for _ in batch]
        positions = list(range(len(batch)))
        for page in range(1, MAX_PAGES + 1):
            results = self._post({"queries": pending})
            if len(results) != len(pending):
                raise OsvAnswerError(
                    f"page {page} has {len(results)} results for {len(pending)} queries"
                )
            again: list[dict[str, Any]] = []
            again_positions: list[int] = []
            for position, query, result in zip(positions, pending, results, strict=True):
                vulns, token = _read_result(result, page)
                ids[position].update(vulns)
                if token:
                    again.append({**query, "page_token": token})
                    again_positions.append(position)
            if not again:
                return ids
            pending, positions = again, again_positions
        raise OsvAnswerError(f"more than {MAX_PAGES} pages of results")

    def _record(self, ident: str) -> list[OsvRecord]:
        if ident not in self._records:
            response = self._http.get(f"{self.base_url}/v1/vulns/{quote(ident, safe='')}")
            response.raise_for_status()
            document = response.json()
            if not isinstance(document, dict):
                raise OsvAnswerError(f"the record of {ident} is not an object")
            try:
                self._records[ident] = parse_osv(document)
            except (KeyError, TypeError, AttributeError) as exc:
                raise OsvAnswerError(f"the record of {ident} is malformed ({exc!r})") from None
        return self._records[ident]

    def query(self, queries: Sequence[Query]) -> Answer:
        """Ask in batches of 1,000; fetch each advisory once; a bad answer fails its queries."""
        answer = Answer()
        for start in range(0, len(queries), BATCH):
            batch = queries[start : start + BATCH]
            try:
                ids = self._ids(batch)
            except (httpx.HTTPError, ValueError) as exc:
                answer.fail_all(
                    batch, f"could not complete the OSV query at {self.base_url}: {exc}"
                )
                continue
            for query, found in zip(batch, ids, strict=True):
                try:
                    records = [r for i in sorted(found) for r in self._record(i)]
                except (httpx.HTTPError, ValueError) as exc:
                    answer.failed[query] = (
                        f"could not complete the OSV lookup at {self.base_url}: {exc}"
                    )
                    continue
                answer.found[query] = [
                    r for r in records if r.package == query.name and affects(r, query.version)
                ]
        return answer


class OsvAnswerError(ValueError):
    """The OSV API answered something that is not what its documentation describes."""


def _read_result(result: object, page: int) -> tuple[list[str], str | None]:
    """The advisory ids and next-page token of one batch result; `OsvAnswerError` if malformed."""
    if not isinstance(result, dict):
        raise OsvAnswerError(f"a result on page {page} is not an object")
    vulns = result.get("vulns") or []
    token = result.get("next_page_token")
    if not isinstance(vulns, list) or (token is not None and not isinstance(token, str)):
        raise OsvAnswerError(f"a result on page {page} has a malformed `vulns` or page token")
    ids: list[str] = []
    for vuln in vulns:
        if not isinstance(vuln, dict) or not isinstance(vuln.get("id"), str):
            raise OsvAnswerError(f"an advisory on page {page} has no `id`")
        ids.append(vuln["id"])
    return ids, token or None
