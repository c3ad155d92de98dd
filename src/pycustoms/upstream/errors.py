"""Errors of the upstream client; each says what to do next."""

from __future__ import annotations

from pycustoms.errors import PycustomsError


class UpstreamError(PycustomsError):
    """The index could not be reached or answered with an error (exit code 3)."""


class NotFoundError(UpstreamError):
    """The index has no such project (or no JSON API for it)."""


class IndexFormatError(UpstreamError):
    """The index answered with a document pycustoms cannot read."""


class OfflineCacheMiss(UpstreamError):
    """`--offline` was given and the cache holds no copy of what was asked for."""


class HashMismatchError(UpstreamError):
    """A downloaded file's sha256 differs from the one the index published."""
