"""The S3 store: key layout and credential redaction without a server; writes, reads
and the commands that read stored files against a real SeaweedFS (`weed server -s3`,
`tests/seaweed.py`; no mock S3 stands in).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from pycustoms.storage.s3 import S3BlobStore, S3Location, StoreError, redact_credentials
from pycustoms.upstream.errors import HashMismatchError
from tests.ports import free_port
from tests.seaweed import LocalSeaweed

SHA = "ab" + "c" * 62


def test_key_layout() -> None:
    location = S3Location.parse("s3://pkgs/pycustoms/prod")
    assert location == S3Location("pkgs", "pycustoms/prod")
    assert location.blob_key(SHA) == f"pycustoms/prod/blobs/ab/{SHA}"
    assert location.staging_key("x1") == "pycustoms/prod/tmp/x1"
    assert location.url("k") == "s3://pkgs/k"
    bare = S3Location.parse("s3://pkgs")
    assert bare.blob_key(SHA) == f"blobs/ab/{SHA}"
    with pytest.raises(ValueError, match="sha256"):
        location.blob_key("../../etc")


@pytest.mark.parametrize(
    "url", ["https://pkgs/x", "s3://", "s3://UPPER/x", "s3://pkgs/x?versionId=1", "/pkgs"]
)
def test_bad_store_urls(url: str) -> None:
    with pytest.raises(ValueError, match=r"s3|bucket"):
        S3Location.parse(url)


def test_credentials_never_appear_in_messages() -> None:
    env = {"AWS_SECRET_ACCESS_KEY": "wJalrSECRETKEY", "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"}
    text = "denied for AKIAEXAMPLE (secret wJalrSECRETKEY) at https://user:pw@s3.internal/b"
    out = redact_credentials(text, env)
    assert "wJalrSECRETKEY" not in out
    assert "AKIAEXAMPLE" not in out
    assert "user:pw" not in out
    assert "https://***@s3.internal/b" in out


# --- against a real S3 server -------------------------------------------------------------


def test_writes_are_published_only_once_checked(seaweed: LocalSeaweed, tmp_path: Path) -> None:
    store = S3BlobStore(S3Location("pycustoms-test", "t"), tmp_path / "cache")
    body = os.urandom(3 << 20)
    sha = hashlib.sha256(body).hexdigest()
    assert not store.has(sha)
    writer = store.writer()
    writer.write(body)
    writer.finish()
    staged = writer.share()
    assert staged.startswith("s3://pycustoms-test/t/tmp/")
    assert not store.has(sha)  # staged, not published
    writer.commit(sha)
    assert store.has(sha)
    # A second replica with an empty cache reads it back, checked.
    other = S3BlobStore(S3Location("pycustoms-test", "t"), tmp_path / "cache2")
    path = other.path(sha)
    assert path is not None
    assert path.read_bytes() == body
    # Content that is not the sha256 it claims is never published.
    wrong = store.writer()
    wrong.write(b"not it")
    wrong.finish()
    wrong.share()
    with pytest.raises(HashMismatchError):
        wrong.commit("d" * 64)
    assert not other.has("d" * 64)


def test_an_unreachable_store_is_an_error_without_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIANOTREAL")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "supersecretvalue")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    store = S3BlobStore(S3Location("pycustoms-test", "t"), tmp_path / "cache")
    with pytest.raises(StoreError) as caught:
        store.has(SHA)
    assert "supersecretvalue" not in str(caught.value)
    assert "AKIANOTREAL" not in str(caught.value)
