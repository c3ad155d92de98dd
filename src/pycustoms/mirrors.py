"""Local (file://) package indexes pip is configured with: a real corpus on this machine."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from pycustoms.upstream.pipconf import discover


def local_path(url: str) -> Path | None:
    """The directory a `file://` URL points at, else None."""
    parsed = urlparse(url)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


def local_mirror_wheels() -> list[Path]:
    """Every wheel below the local PEP 503 indexes (index-url and extra-index-url) pip uses."""
    conf = discover()
    roots: set[Path] = set()
    for url in (conf.index_url, *conf.extra_index_urls):
        path = local_path(url)
        if path is None or not path.is_dir():
            continue
        # A PEP 503 tree may keep its files beside `simple/`, so look from its parent.
        roots.add(path.parent if path.name == "simple" else path)
    return sorted({p.resolve() for root in roots for p in root.rglob("*.whl")})
