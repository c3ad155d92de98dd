"""Helpers shared by the lock-file readers (TOML tables of files with hashes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from pycustoms.audit.model import LockedFile


def filename_of(url: str | None) -> str | None:
    """The last path segment of *url*, unquoted; `None` for no URL."""
    if not url:
        return None
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or None


def split_hash(value: str) -> tuple[str, str] | None:
    """`sha256:abc` -> (`sha256`, `abc`); `None` for anything else."""
    algorithm, sep, digest = value.partition(":")
    if not sep or not digest:
        return None
    return algorithm.strip().lower(), digest.strip().lower()


def locked_file(entry: Mapping[str, Any], *, hash_key: str = "hashes") -> LockedFile | None:
    """A `LockedFile` from a table with a url/file/name and hashes (a mapping or `alg:hex`)."""
    url = entry.get("url") if isinstance(entry.get("url"), str) else None
    name = (
        entry.get("name")
        or entry.get("file")
        or filename_of(url)
        or filename_of(entry.get("path") if isinstance(entry.get("path"), str) else None)
    )
    hashes: dict[str, str] = {}
    raw = entry.get(hash_key)
    if isinstance(raw, Mapping):
        hashes = {str(k).lower(): str(v).lower() for k, v in raw.items()}
    elif isinstance(raw, str) and (pair := split_hash(raw)):
        hashes = {pair[0]: pair[1]}
    if name is None and not hashes:
        return None
    return LockedFile(str(name) if name else None, url, hashes)
