"""Verify a file's PEP 740 provenance offline against a Sigstore trusted root.

Only public APIs of `sigstore` and `pypi-attestations` are used:
`Attestation.to_bundle()`, `Verifier(trusted_root=...)`, `Verifier.verify_dsse()`
and `TrustedRoot.from_file()`. `Attestation.verify()` is not used because it
always loads sigstore's own (TUF-cached) root; the statement checks it does after
the signature (one subject, its name and sha256, a known predicate) are repeated here.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from pydantic import ValidationError
from pypi_attestations import Attestation, AttestationError, AttestationType
from sigstore.errors import Error as SigstoreError
from sigstore.models import TrustedRoot
from sigstore.verify import Verifier

from pycustoms.analyzers.provenance.identity import PublisherPolicy, publisher_from_json
from pycustoms.analyzers.provenance.model import FileProvenance, Publisher, Status
from pycustoms.analyzers.provenance.trust import TrustRoot

IN_TOTO_PAYLOAD = "application/vnd.in-toto+json"
_KNOWN_PREDICATES = frozenset(t.value for t in AttestationType)


class _Failure(Exception):
    def __init__(self, status: Status, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@cache
def verifier_for(root: TrustRoot) -> Verifier:
    """A sigstore verifier for *root*, built once per process (the costly start-up)."""
    return Verifier(trusted_root=TrustedRoot.from_file(str(root.path)))


def _dist_key(filename: str) -> tuple[Any, ...]:
    try:
        if filename.endswith(".whl"):
            return ("wheel", *parse_wheel_filename(filename))
        return ("sdist", *parse_sdist_filename(filename))
    except (InvalidWheelFilename, InvalidSdistFilename):
        return ("other", filename)


def _root_gap(attestation: Attestation, root: TrustRoot) -> _Failure | None:
    """Explain a failure caused by the trusted root: too old, or a foreign log."""
    entries = attestation.verification_material.transparency_entries
    if not entries:
        return None
    entry = entries[0]
    try:
        key_id = base64.b64decode(entry["logId"]["keyId"])
        signed = datetime.fromtimestamp(int(entry["integratedTime"]), UTC)
    except (KeyError, TypeError, ValueError, binascii.Error):
        return None
    if key_id in root.log_key_ids:
        return None
    if signed > root.as_of:
        return _Failure(
            Status.UNCHECKED,
            f"signed {signed:%Y-%m-%d} by a transparency log that the trusted root "
            f"(as of {root.as_of:%Y-%m-%d}, {root.path}) does not know; "
            "run `pycustoms trust update` when online",
        )
    return _Failure(
        Status.INVALID,
        "signed by a transparency log that is not in the trusted root "
        "(a foreign or staging Sigstore instance)",
    )


def _check_statement(payload: bytes, filename: str, sha256: str) -> None:
    try:
        statement = json.loads(payload)
        subjects = statement["subject"]
        predicate = statement["predicateType"]
    except (ValueError, KeyError, TypeError):
        raise _Failure(Status.INVALID, "the signed statement is not an in-toto statement") from None
    if not isinstance(subjects, list) or len(subjects) != 1:
        raise _Failure(Status.INVALID, "the signed statement must name exactly one file")
    subject = subjects[0] if isinstance(subjects[0], dict) else {}
    name = str(subject.get("name", ""))
    if _dist_key(name) != _dist_key(filename):
        raise _Failure(Status.INVALID, f"the attestation is for {name}, not {filename}")
    digest = subject.get("digest", {}).get("sha256") if isinstance(subject, dict) else None
    if not isinstance(digest, str) or digest.lower() != sha256.lower():
        raise _Failure(
            Status.INVALID,
            f"the signed sha256 {digest} does not match the file's sha256 {sha256}",
        )
    if predicate not in _KNOWN_PREDICATES:
        raise _Failure(Status.INVALID, f"unknown attestation type {predicate}")


def _verify_attestation(
    raw: Any, publisher: Publisher, filename: str, sha256: str, root: TrustRoot
) -> None:
    try:
        attestation = Attestation.model_validate(raw)
        bundle = attestation.to_bundle()
    except (ValidationError, AttestationError, SigstoreError, ValueError) as exc:
        # The index checks attestations on upload, so a malformed one is an index or
        # mirror fault, not an attacker's; it cannot be checked, and is not proof.
        raise _Failure(
            Status.UNCHECKED, f"not a well-formed PEP 740 attestation ({_first_line(exc)})"
        ) from None
    try:
        kind, payload = verifier_for(root).verify_dsse(bundle, PublisherPolicy(publisher))
    except SigstoreError as exc:
        gap = _root_gap(attestation, root)
        raise gap or _Failure(Status.INVALID, _first_line(exc)) from None
    if kind != IN_TOTO_PAYLOAD:
        raise _Failure(Status.INVALID, f"the envelope carries {kind}, not an in-toto statement")
    _check_statement(payload, filename, sha256)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def verify_provenance(
    document: Mapping[str, Any],
    filename: str,
    sha256: str,
    root: TrustRoot,
    *,
    expected: Publisher | None = None,
) -> FileProvenance:
    """Check *document* (a PEP 740 provenance object) for the file *filename* with *sha256*.

    Every attestation of every bundle must verify against *root*, be signed by
    the bundle's publisher, and name this file and digest. With *expected*, the
    publisher must also be that one (repository and workflow).
    """

    def fail(status: Status, reason: str, publisher: Publisher | None = None) -> FileProvenance:
        return FileProvenance(filename, sha256, status, publisher, reason)

    bundles = document.get("attestation_bundles")
    if document.get("version") != 1 or not isinstance(bundles, list) or not bundles:
        return fail(Status.INVALID, "not a PEP 740 provenance object (version 1 with bundles)")
    publishers: list[Publisher] = []
    for bundle in bundles:
        if not isinstance(bundle, Mapping) or not isinstance(bundle.get("publisher"), Mapping):
            return fail(Status.INVALID, "an attestation bundle names no publisher")
        publisher = publisher_from_json(bundle["publisher"])
        attestations = bundle.get("attestations")
        if not isinstance(attestations, list) or not attestations:
            return fail(Status.INVALID, "an attestation bundle has no attestations", publisher)
        for raw in attestations:
            try:
                _verify_attestation(raw, publisher, filename, sha256, root)
            except _Failure as failure:
                return fail(failure.status, failure.reason, publisher)
        publishers.append(publisher)
    first = publishers[0]
    if any(p.key() != first.key() for p in publishers[1:]):
        return fail(Status.INVALID, "the bundles name different publishers", first)
    if expected is not None and expected.key() != first.key():
        return fail(
            Status.INVALID,
            f"published by {first.label()}, expected {expected.label()}",
            first,
        )
    return FileProvenance(filename, sha256, Status.VERIFIED, first, f"verified: {first.label()}")
