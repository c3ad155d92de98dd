"""Content-addressed blob storage behind a small interface (local directory by default)."""

from __future__ import annotations

from pathlib import Path

from pycustoms.errors import ConfigError
from pycustoms.storage.interface import BlobStore, BlobWriter
from pycustoms.storage.local import LocalBlobStore

__all__ = ["BlobStore", "BlobWriter", "LocalBlobStore", "open_store"]


def open_store(store_url: str | None, folder: Path, *, spare_bytes: int = 0) -> LocalBlobStore:
    """The local store in *folder*, or the S3 store of *store_url* (`s3://BUCKET/PREFIX`)
    with *folder* as its local cache. Every command that reads stored files opens the
    store this one way, so that it reads what the server wrote, wherever that is."""
    if not store_url:
        return LocalBlobStore(folder, spare_bytes=spare_bytes)
    from pycustoms.storage.s3 import S3BlobStore, S3Location  # noqa: PLC0415 - only for S3

    try:
        location = S3Location.parse(store_url)
    except ValueError as exc:
        raise ConfigError(f"store-url: {exc}; give s3://BUCKET/PREFIX") from None
    return S3BlobStore(location, folder, spare_bytes=spare_bytes)
