"""The Sigstore trusted root that provenance is verified against: what it holds.

Parsing and checking a root's JSON is pure; where roots are kept on disk and how
a fresh one is fetched is `pycustoms.trustroot`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pycustoms.errors import PycustomsError

TRUST_ROOT_NAME = "trusted_root.json"
MEDIA_TYPE = "application/vnd.dev.sigstore.trustedroot+json;version=0.1"


class TrustRootError(PycustomsError):
    """The trusted root is missing, malformed, or too old for a signature (exit code 3)."""


@dataclass(frozen=True, slots=True)
class TrustRoot:
    """A Sigstore trusted root: its JSON, where it came from, and what it vouches for.

    `as_of` is the newest `validFor.start` in the root: a lower bound on when
    it was issued. A signature made later by a log or CA the root does not
    know means the root is too old, not that the signature is foreign.
    """

    path: Path
    data: bytes
    log_key_ids: frozenset[bytes]
    as_of: datetime

    @property
    def sha256(self) -> str:
        """The sha256 of the root's JSON."""
        return hashlib.sha256(self.data).hexdigest()


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def parse_trust_root(path: Path, data: bytes) -> TrustRoot:
    """Check that *data* looks like a trusted root and index what it vouches for."""
    try:
        document: Any = json.loads(data)
        if document.get("mediaType") != MEDIA_TYPE:
            raise ValueError(f"media type {document.get('mediaType')!r} is not {MEDIA_TYPE}")  # noqa: TRY301 - one message for every malformation
        logs = document["tlogs"]
        keys = frozenset(base64.b64decode(t["logId"]["keyId"]) for t in logs)
        starts = [
            _time(item[key]["validFor"]["start"])
            for group in ("tlogs", "ctlogs")
            for item in document.get(group, [])
            for key in ("publicKey",)
        ] + [
            _time(item["validFor"]["start"])
            for group in ("certificateAuthorities", "timestampAuthorities")
            for item in document.get(group, [])
        ]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise TrustRootError(
            f"{path} is not a Sigstore trusted root ({exc}); run `pycustoms trust update` "
            "or delete the file to use the root shipped with pycustoms"
        ) from None
    if not keys or not starts:
        raise TrustRootError(f"{path} names no transparency log; run `pycustoms trust update`")
    return TrustRoot(path, data, keys, max(starts))


def serialize_trusted_root(root: Any) -> bytes:
    """The JSON of a `sigstore.models.TrustedRoot`.

    sigstore 4 has no public way to serialise a trusted root, so this is the one
    place that reaches into its private `_inner` model (tested in
    `tests/provenance/test_trust.py`).
    """
    inner = root._inner
    text: str = inner.to_json()
    return text.encode()
