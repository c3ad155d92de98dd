"""Content-addressed blob storage behind a small interface (local directory by default)."""

from pycustoms.storage.interface import BlobStore, BlobWriter
from pycustoms.storage.local import LocalBlobStore

__all__ = ["BlobStore", "BlobWriter", "LocalBlobStore"]
