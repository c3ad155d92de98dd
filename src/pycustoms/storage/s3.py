"""A `BlobStore` in an S3-compatible object store (`--store-url s3://bucket/prefix`).

Key layout, below the prefix:

- `blobs/ab/abcdef...`: a published blob, under its sha256 (content-addressed);
- `tmp/<uuid>`: a staged upload that a scan worker reads (`BlobWriter.share`).

A write is staged in a local file (hashed as it is written); `commit` checks the
sha256 first and only then uploads under the final key (from the staging key by
a server-side copy when a worker was given one), so no object exists under a
hash its bytes do not have. The scan coordinator commits only after the verdict
is stored (see `server.scanning`), so an object under `blobs/` always has one.
Published blobs are read back into a local cache directory (checked again
against their sha256) and served from there, as the local store's are.

Endpoint and credentials come from the standard AWS environment
(`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
`AWS_DEFAULT_REGION`, or a profile); they are never printed: error messages pass
through `redact_credentials`.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from pycustoms.errors import PycustomsError
from pycustoms.storage.local import LocalBlobStore, LocalWriter
from pycustoms.upstream.errors import HashMismatchError

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
_SECRET_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID")
_CHUNK = 1 << 20
_ERRORS = (BotoCoreError, ClientError, OSError)


class StoreError(PycustomsError):
    """The object store could not be reached or refused a request."""


def redact_credentials(text: str, environ: dict[str, str] | None = None) -> str:
    """*text* with every AWS credential of the environment replaced by `***`."""
    env = os.environ if environ is None else environ
    for name in _SECRET_VARIABLES:
        value = env.get(name)
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    # Credentials written into an endpoint URL (https://KEY:SECRET@host).
    return re.sub(r"(?<=://)[^/@\s]+@", "***@", text)


@dataclass(frozen=True, slots=True)
class S3Location:
    """A bucket and a key prefix (`s3://bucket/prefix`), checked when built."""

    bucket: str
    prefix: str = ""

    def __post_init__(self) -> None:
        if not _BUCKET.match(self.bucket):
            raise ValueError(f"{self.bucket!r} is not an S3 bucket name")
        if self.prefix.startswith("/") or self.prefix.endswith("/") or "//" in self.prefix:
            raise ValueError(f"the prefix {self.prefix!r} must not start or end with '/'")

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """`s3://bucket/prefix` (prefix optional); `ValueError` for anything else."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"{url!r} is not an s3://bucket/prefix URL")
        return cls(parts.netloc, parts.path.strip("/"))

    def _key(self, rest: str) -> str:
        return f"{self.prefix}/{rest}" if self.prefix else rest

    def blob_key(self, sha256: str) -> str:
        """The key of the published blob *sha256*."""
        if not _HEX64.match(sha256):
            raise ValueError(f"{sha256!r} is not a sha256 hex digest")
        return self._key(f"blobs/{sha256[:2]}/{sha256}")

    def staging_key(self, name: str) -> str:
        """The key of a staged upload."""
        return self._key(f"tmp/{name}")

    def url(self, key: str) -> str:
        """`s3://bucket/key`."""
        return f"s3://{self.bucket}/{key}"


def client() -> Any:
    """A boto3 S3 client configured from the AWS environment."""
    import boto3  # noqa: PLC0415 - only where an S3 store is used

    return boto3.client("s3")


def _missing(exc: Exception) -> bool:
    response = getattr(exc, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


def _store_error(action: str, exc: Exception) -> StoreError:
    return StoreError(f"the object store refused to {action}: {redact_credentials(str(exc))}")


def download_checked(url: str, target: Path, digest: Any, s3: Any = None) -> None:
    """Download `s3://bucket/key` to *target*, feeding *digest* with every byte."""
    parts = urlsplit(url)
    s3 = s3 or client()
    try:
        body = s3.get_object(Bucket=parts.netloc, Key=parts.path.lstrip("/"))["Body"]
        with target.open("wb") as out:
            while chunk := body.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
    except _ERRORS as exc:
        raise _store_error("send the job's file", exc) from None


class _S3Writer(LocalWriter):
    """Staged in a local file like the local store's writer; published to the bucket."""

    def __init__(self, store: S3BlobStore, *, inline_hash: bool, spare: Path | None) -> None:
        super().__init__(store, inline_hash=inline_hash, spare=spare)
        self._s3store = store
        self._staged: str | None = None

    def share(self) -> str:
        self._close()
        key = self._s3store.location.staging_key(uuid.uuid4().hex)
        self._s3store.upload(self._tmp, key)
        self._staged = key
        return self._s3store.location.url(key)

    def commit(self, sha256: str, *, digest: str | None = None) -> None:
        self._close()
        actual = self._final_digest(digest)
        if actual != sha256.lower() or self._tmp.stat().st_size != self.size:
            self.abort()
            raise HashMismatchError(
                f"the content's sha256 differs from the published {sha256}; "
                "the file was discarded and will not be served"
            )
        store, key = self._s3store, self._s3store.location.blob_key(actual)
        try:
            if self._staged is not None:
                store.copy(self._staged, key)
            else:
                store.upload(self._tmp, key)
        except StoreError:
            self.abort()
            raise
        self._drop_staged()
        super().commit(sha256, digest=actual)  # into the local cache, for serving

    def abort(self) -> None:
        self._drop_staged()
        super().abort()

    def _drop_staged(self) -> None:
        staged, self._staged = self._staged, None
        if staged is not None:
            with contextlib.suppress(StoreError):
                self._s3store.delete(staged)


class S3BlobStore(LocalBlobStore):
    """Blobs in *location*; *cache_root* is a local store that holds the ones read back.

    The local part is the local store itself (its `tmp/` stages writes, its
    `blobs/` caches published objects), so everything that serves from a local
    path works unchanged.
    """

    def __init__(
        self, location: S3Location, cache_root: Path, *, s3: Any = None, spare_bytes: int = 0
    ) -> None:
        super().__init__(cache_root, spare_bytes=spare_bytes)
        self.location = location
        self._s3 = s3 or client()

    def __repr__(self) -> str:
        return f"S3BlobStore({self.location.url(self.location.prefix)})"

    def has(self, sha256: str) -> bool:
        if super().has(sha256):
            return True
        try:
            self._s3.head_object(Bucket=self.location.bucket, Key=self.location.blob_key(sha256))
        except _ERRORS as exc:
            if _missing(exc):
                return False
            raise _store_error("say whether it holds a file", exc) from None
        return True

    def path(self, sha256: str) -> Path | None:
        found = super().path(sha256)
        if found is not None:
            return found
        writer = LocalWriter(self, inline_hash=True, spare=None)
        try:
            key = self.location.blob_key(sha256)
            body = self._s3.get_object(Bucket=self.location.bucket, Key=key)["Body"]
            while chunk := body.read(_CHUNK):
                writer.write(chunk)
        except _ERRORS as exc:
            writer.abort()
            if _missing(exc):
                return None
            raise _store_error("send a file", exc) from None
        writer.commit(sha256)  # checked again: a bucket is not trusted to keep bytes intact
        return super().path(sha256)

    def writer(self, *, inline_hash: bool = True, expected: int | None = None) -> _S3Writer:
        return _S3Writer(self, inline_hash=inline_hash, spare=self.spare.take(expected))

    def upload(self, source: Path, key: str) -> None:
        """Put the local file *source* under *key*."""
        try:
            self._s3.upload_file(str(source), self.location.bucket, key)
        except _ERRORS as exc:
            raise _store_error("take a file", exc) from None

    def copy(self, source_key: str, key: str) -> None:
        """Copy *source_key* to *key* within the bucket (server side)."""
        try:
            self._s3.copy_object(
                Bucket=self.location.bucket,
                Key=key,
                CopySource={"Bucket": self.location.bucket, "Key": source_key},
            )
        except _ERRORS as exc:
            raise _store_error("copy a file", exc) from None

    def delete(self, key: str) -> None:
        """Remove *key*."""
        try:
            self._s3.delete_object(Bucket=self.location.bucket, Key=key)
        except _ERRORS as exc:
            raise _store_error("remove a staged file", exc) from None
