"""Helpers shared by the lock-file readers (TOML tables of files with hashes)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from pycustoms.audit.inputs.interface import LineFinder
from pycustoms.audit.model import (
    AuditInput,
    Dependency,
    IndexSetting,
    InputFormat,
    LockedFile,
)
from pycustoms.errors import TargetError
from pycustoms.types import normalize_name


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


def named_packages(
    document: Mapping[str, Any], key: str, source: str, lines: LineFinder
) -> Iterator[tuple[Mapping[str, Any], str, int | None]]:
    """Each table of the `[[key]]` array with its name and line; `TargetError` if malformed.

    Lines are searched from the previous package on, so that a name that also
    appears in an earlier dependency list is found at its own table.
    """
    packages = document.get(key, [])
    if not isinstance(packages, list):
        raise TargetError(f"{source}: `{key}` must be an array of tables")
    cursor = 0
    for number, entry in enumerate(packages, start=1):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            raise TargetError(f"{source}: package #{number} has no name")
        name: str = entry["name"]
        line = lines.find(f'name = "{name}"', start=cursor)
        cursor = line or cursor
        yield entry, name, line


def locked_files(
    entry: Mapping[str, Any],
    many: str,
    single: tuple[str, ...] = (),
    *,
    hash_key: str = "hashes",
) -> tuple[LockedFile, ...]:
    """The files of a package table: the array *many*, then each table in *single*."""
    tables = [t for t in entry.get(many, []) or [] if isinstance(t, Mapping)]
    tables += [t for key in single if isinstance(t := entry.get(key), Mapping)]
    return tuple(f for t in tables if (f := locked_file(t, hash_key=hash_key)))


class LockCollector:
    """Gathers the dependencies and index settings of one lock file, in order."""

    def __init__(self, source: str, fmt: InputFormat) -> None:
        self.source = source
        self.format = fmt
        self.dependencies: list[Dependency] = []
        self.indexes: dict[str, IndexSetting] = {}

    def index(self, url: str | None, option: str, line: int | None) -> None:
        """Record the index *url* (named by *option*) where it first appears."""
        if url and url not in self.indexes:
            self.indexes[url] = IndexSetting(url, option, self.source, line)

    def add(self, name: str, line: int | None, **details: Any) -> None:
        """Add the dependency *name* (as written) declared at *line*."""
        self.dependencies.append(
            Dependency(
                name=normalize_name(name),
                display_name=name,
                source=self.source,
                line=line,
                **details,
            )
        )

    def result(self, indexes: Iterable[IndexSetting] | None = None) -> AuditInput:
        """The input read; *indexes* replaces the recorded index settings when given."""
        found = self.indexes.values() if indexes is None else indexes
        return AuditInput(self.source, self.format, tuple(self.dependencies), tuple(found))
