"""The `pypi` source: the `vulnerabilities` of the index's JSON API for each release.

Warehouse-style indexes publish, at `/pypi/{name}/{version}/json`, the OSV
advisories that affect that version. An index without a JSON API, or without
the release, cannot answer: those releases are reported as not checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import httpx

from pycustoms.upstream.client import USER_AGENT, api_root
from pycustoms.vulns.interface import Answer, Query, VulnerabilitySource
from pycustoms.vulns.match import OsvRecord

WORKERS = 8


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


class PypiSource(VulnerabilitySource):
    """The JSON API next to the simple index at *index_url*."""

    name = "pypi"

    def __init__(
        self,
        index_url: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.api = api_root(index_url if index_url.endswith("/") else index_url + "/")
        self.index_url = index_url
        self._http = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            timeout=timeout,
            transport=transport,
            follow_redirects=True,
        )

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def _one(self, query: Query) -> list[OsvRecord] | str:
        url = f"{self.api}/pypi/{quote(query.name)}/{quote(query.version)}/json"
        try:
            response = self._http.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            return f"{url} failed: {exc}"
        if response.status_code == 404:
            return f"the index has no JSON API entry for {query.name} {query.version}"
        if response.status_code != 200:
            return f"{url} answered HTTP {response.status_code}"
        try:
            document = response.json()
            items = document["vulnerabilities"]
            return [
                record_from_json_api(i, query.name, query.version)
                for i in items
                if not i.get("withdrawn")
            ]
        except (ValueError, KeyError, TypeError):
            return f"{url} has no readable `vulnerabilities` list"

    def query(self, queries: Sequence[Query]) -> Answer:
        """One request per release, eight at a time."""
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
