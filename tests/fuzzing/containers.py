"""Take a seed apart into members and build it again in its own format, with changes.

The rebuilt archive keeps the seed's format and compression, so that the
reader dispatches on it as it would on the seed; names are raw bytes, so that
a member can carry a name no archiving library would write.
"""

from __future__ import annotations

import functools
import io
import tarfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace

from tests.fuzzing.layers import ZipEntry, compress, is_zip, tar_layer, write_zip
from tests.fuzzing.seeds import Seed
from tests.fuzzing.tarfuzz import BLOCK, make_header

# What a mutation family makes: the bytes, a note of what was done, and a new file
# name (None keeps the seed's).
Variant = tuple[bytes, str, str | None]


@dataclass(frozen=True, slots=True)
class Item:
    """A member to write: raw name, data, and for tar its type and link target."""

    name: bytes
    data: bytes
    kind: bytes = b"0"
    linkname: bytes = b""
    zip_entry: ZipEntry | None = None  # a zip member with fields of its own


@functools.lru_cache(maxsize=128)
def members(seed: Seed) -> tuple[Item, ...]:
    """The regular files of a (trusted) seed, in order."""
    if is_zip(seed):
        with zipfile.ZipFile(io.BytesIO(seed.data)) as archive:
            return tuple(
                Item(info.filename.encode(), archive.read(info))
                for info in archive.infolist()
                if not info.is_dir()
            )
    _, tar = tar_layer(seed)
    found: list[Item] = []
    with tarfile.open(fileobj=io.BytesIO(tar), mode="r:") as archive:
        for info in archive:
            handle = archive.extractfile(info) if info.isreg() else None
            if handle is not None:
                found.append(Item(info.name.encode("utf-8", "surrogateescape"), handle.read()))
    return tuple(found)


def top(seed: Seed) -> bytes:
    """The seed's top directory with a slash (sdists), or nothing (wheels)."""
    names = [item.name for item in members(seed)]
    heads = {name.split(b"/", 1)[0] for name in names}
    if len(heads) == 1 and all(b"/" in name for name in names):
        return heads.pop() + b"/"
    return b""


def write_tar(items: Sequence[Item]) -> bytes:
    """An uncompressed tar of *items*; names over 100 bytes get a GNU long-name header."""
    out = bytearray()
    for item in items:
        if len(item.name) > 100:
            body = item.name + b"\0"
            out += make_header(b"././@LongLink", len(body), b"L")
            out += body + b"\0" * (-len(body) % BLOCK)
        out += make_header(item.name, len(item.data), item.kind, item.linkname)
        out += item.data + b"\0" * (-len(item.data) % BLOCK)
    return bytes(out + b"\0" * (2 * BLOCK))


def rebuild(seed: Seed, items: Sequence[Item], *, prefix: bytes = b"") -> bytes:
    """*items* written in the seed's format (zip, or tar under the seed's compression)."""
    if is_zip(seed):
        entries = [
            item.zip_entry
            if item.zip_entry is not None
            else ZipEntry(item.name, item.data, flags=_utf8_flag(item.name))
            for item in items
        ]
        return write_zip(entries, prefix=prefix)
    kind, _ = tar_layer(seed)
    return prefix + compress(kind, write_tar(items))


def _utf8_flag(name: bytes) -> int:
    return 0x800 if not name.isascii() else 0


def with_name(item: Item, name: bytes) -> Item:
    """*item* under another name (its zip entry too)."""
    entry = item.zip_entry
    return replace(item, name=name, zip_entry=replace(entry, name=name) if entry else None)
