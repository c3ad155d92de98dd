"""An on-disk HTTP cache: bodies with their validators, for revalidation and `--offline`.

Entries are keyed by the sha256 of the URL and the Accept header, so the HTML
and JSON forms of one page never collide. Writes go to a temporary file that
replaces the entry atomically: a crash leaves the old entry or the new one.
Downloaded distribution files are kept by their verified sha256.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from pycustoms.atomic import write_atomic


@dataclass(frozen=True, slots=True)
class CachedResponse:
    """A stored response: body, content type and the validators to revalidate it."""

    url: str
    body: bytes
    content_type: str
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: float = 0.0


class HttpCache:
    """Responses and files below *root* (created on first write)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _key(self, url: str, accept: str) -> Path:
        digest = hashlib.sha256(f"{accept}\n{url}".encode()).hexdigest()
        return self.root / "http" / digest[:2] / digest

    def get(self, url: str, accept: str) -> CachedResponse | None:
        """The stored response for (*url*, *accept*), or `None` (also for a damaged entry)."""
        base = self._key(url, accept)
        try:
            meta = json.loads(base.with_suffix(".json").read_text("utf-8"))
            body = base.with_suffix(".body").read_bytes()
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("size") != len(body):
            return None
        return CachedResponse(
            url=str(meta.get("url", url)),
            body=body,
            content_type=str(meta.get("content_type", "")),
            etag=meta.get("etag"),
            last_modified=meta.get("last_modified"),
            fetched_at=float(meta.get("fetched_at", 0.0)),
        )

    def put(self, accept: str, response: CachedResponse) -> None:
        """Store *response*; the body is written before the metadata that vouches for it."""
        base = self._key(response.url, accept)
        write_atomic(base.with_suffix(".body"), response.body)
        meta = {
            "url": response.url,
            "content_type": response.content_type,
            "etag": response.etag,
            "last_modified": response.last_modified,
            "fetched_at": response.fetched_at,
            "size": len(response.body),
        }
        write_atomic(base.with_suffix(".json"), json.dumps(meta).encode())

    def file_path(self, sha256: str, filename: str) -> Path:
        """Where a verified file with *sha256* is kept."""
        safe = Path(filename).name
        return self.root / "files" / sha256[:2] / sha256 / safe
