"""The `pypi` source: the `vulnerabilities` of the index's JSON API for each release.

Warehouse-style indexes publish, at `/pypi/{name}/{version}/json`, the OSV
advisories that affect that version. Where that route is missing (some mirrors
and proxies serve only the project document), the project document at
`/pypi/{name}/json` answers for the release it describes, the latest one
(`info.version`), and for no other. An index without a JSON API, a release
neither document answers for, or a document without a `vulnerabilities` list
cannot answer: those releases are reported as not checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import httpx

from pycustoms.retry import Backoff, retry_call
from pycustoms.upstream.client import USER_AGENT, api_root
from pycustoms.vulns.interface import Answer, Query, VulnerabilitySource
from pycustoms.vulns.match import OsvRecord, parse_version

WORKERS = 8
# A request that fails in transit or with one of these statuses is tried again.
RETRIES = 2
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def record_from_json_api(item: Mapping[str, Any], name: str, version: str) -> OsvRecord:
    """An `OsvRecord` from one JSON API vulnerability entry (it affects *version* by definition)."""
    fixed = [str(v) for v in item.get("fixed_in", []) or []]
    return OsvRecord(
        id=str(item["id"]),
        package=name,
        aliases=tuple(str(a) for a in item.get("aliases", []) or []),
        summary=str(item.get("summary") or item.get("details") or "")[:200].strip(),
        ranges=({"type": "ECOSYSTEM", "events": [{"fixed": v} for v in fixed]},) if fixed else (),
        versions=(version,),
        withdrawn=str(item["withdrawn"]) if item.get("withdrawn") else None,
        url=str(item["link"]) if item.get("link") else None,
    )


def _same_version(a: str, b: str) -> bool:
    parsed_a, parsed_b = parse_version(a), parse_version(b)
    if parsed_a is None or parsed_b is None:
        return a == b
    return parsed_a == parsed_b


class _Busy(Exception):
    """A busy answer (429, 5xx), retried like a transport error."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


class PypiSource(VulnerabilitySource):
    """The JSON API next to the simple index at *index_url*."""

    name = "pypi"

    def __init__(
        self,
        index_url: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        backoff: float = 0.5,
        retries: int = RETRIES,
    ) -> None:
        self.api = api_root(index_url if index_url.endswith("/") else index_url + "/")
        self.index_url = index_url
        self._backoff = Backoff(retries, backoff)
        self._http = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            timeout=timeout,
            transport=transport,
            follow_redirects=True,
        )

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def _get(self, url: str) -> httpx.Response:
        """GET *url*, trying again after a transport error or a busy answer.

        The last busy answer is returned as it is (the caller reports its status).
        """

        def attempt() -> httpx.Response:
            response = self._http.get(url, headers={"Accept": "application/json"})
            if response.status_code in RETRY_STATUSES:
                raise _Busy(response)
            return response

        try:
            return retry_call(
                attempt,
                on=lambda exc: isinstance(exc, _Busy | httpx.HTTPError),
                backoff=self._backoff,
            )
        except _Busy as busy:
            return busy.response

    def _document(self, url: str) -> dict[str, Any] | str | None:
        """The JSON object at *url*, `None` for a 404, or why there is none."""
        try:
            response = self._get(url)
        except httpx.HTTPError as exc:
            return f"{url} failed: {exc}"
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            return f"{url} answered HTTP {response.status_code}"
        try:
            document = response.json()
        except ValueError:
            return f"{url} is not JSON"
        if not isinstance(document, dict):
            return f"{url} is not a JSON object"
        return document

    def _one(self, query: Query) -> list[OsvRecord] | str:
        url = f"{self.api}/pypi/{quote(query.name)}/{quote(query.version)}/json"
        document = self._document(url)
        if document is None:
            url = f"{self.api}/pypi/{quote(query.name)}/json"
            document = self._document(url)
            if document is None:
                return f"the index has no JSON API entry for {query.name} {query.version}"
            if isinstance(document, dict):
                info = document.get("info")
                latest = info.get("version") if isinstance(info, Mapping) else None
                if not isinstance(latest, str) or not _same_version(latest, query.version):
                    return (
                        f"the index has no JSON API entry for {query.name} {query.version} "
                        f"(its project document answers only for the latest release, {latest})"
                    )
        if isinstance(document, str):
            return document
        try:
            items = document["vulnerabilities"]
            return [
                record_from_json_api(i, query.name, query.version)
                for i in items
                if not i.get("withdrawn")
            ]
        except (KeyError, TypeError, AttributeError):
            return f"{url} has no readable `vulnerabilities` list"

    def query(self, queries: Sequence[Query]) -> Answer:
        """One request per release (two when only the project document answers), eight at once."""
        answer = Answer()
        if self.api is None:
            return answer.fail_all(
                queries, f"the index {self.index_url} has no JSON API next to its simple API"
            )
        with ThreadPoolExecutor(WORKERS) as pool:
            for query, result in zip(queries, pool.map(self._one, queries), strict=True):
                if isinstance(result, str):
                    answer.failed[query] = result
                else:
                    answer.found[query] = result
        return answer
