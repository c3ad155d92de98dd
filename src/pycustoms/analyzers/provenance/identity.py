"""Trusted Publisher identities: from provenance JSON, and checked against a certificate.

The `publisher` object of a provenance is not signed; the certificate is. Each
`PublisherPolicy` holds the certificate's OIDC claims (Fulcio extensions) to the
publisher the document names, so the reported publisher is proven, not trusted.
This is a sigstore `VerificationPolicy` (a Protocol: `verify(cert)` raises).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptography import x509
from cryptography.x509.oid import ObjectIdentifier
from sigstore.errors import VerificationError

from pycustoms.analyzers.provenance.model import Publisher

# Fulcio certificate extensions (sigstore/fulcio docs/oid-info.md).
ISSUER_V2 = ObjectIdentifier("1.3.6.1.4.1.57264.1.8")
BUILD_SIGNER_URI = ObjectIdentifier("1.3.6.1.4.1.57264.1.9")
SOURCE_REPOSITORY_URI = ObjectIdentifier("1.3.6.1.4.1.57264.1.12")
BUILD_CONFIG_URI = ObjectIdentifier("1.3.6.1.4.1.57264.1.18")

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
GITLAB_ISSUER = "https://gitlab.com"
GOOGLE_ISSUER = "https://accounts.google.com"
CIRCLECI_ISSUER = "https://oidc.circleci.com"


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, str) and value else None


def publisher_from_json(raw: Mapping[str, Any]) -> Publisher:
    """The publisher a provenance's bundle names, in pycustoms' four fields."""
    kind = _text(raw.get("kind")) or "unknown"
    if kind == "GitLab":
        return Publisher(kind, _text(raw.get("repository")), _text(raw.get("workflow_filepath")),
                         _text(raw.get("environment")))  # fmt: skip
    if kind == "CircleCI":
        return Publisher(kind, _text(raw.get("vcs_origin")),
                         _text(raw.get("pipeline_definition_id")))  # fmt: skip
    if kind == "Google":
        return Publisher(kind, _text(raw.get("email")))
    return Publisher(kind, _text(raw.get("repository")), _text(raw.get("workflow")),
                     _text(raw.get("environment")))  # fmt: skip


def der_utf8(data: bytes) -> str:
    """Decode a DER UTF8String (tag 0x0C), the encoding of Fulcio's v2 claims."""
    if len(data) < 2 or data[0] != 0x0C:
        raise ValueError("not a DER UTF8String")
    length, start = data[1], 2
    if length & 0x80:
        count = length & 0x7F
        length, start = int.from_bytes(data[2 : 2 + count], "big"), 2 + count
    body = data[start : start + length]
    if len(body) != length:
        raise ValueError("truncated DER UTF8String")
    return body.decode("utf-8")


def claim(cert: x509.Certificate, oid: ObjectIdentifier) -> str | None:
    """A Fulcio v2 claim of *cert*, or `None` when absent."""
    try:
        extension = cert.extensions.get_extension_for_oid(oid).value
    except x509.ExtensionNotFound:
        return None
    if not isinstance(extension, x509.UnrecognizedExtension):
        return None
    try:
        return der_utf8(extension.value)
    except ValueError:
        return None


def _emails(cert: x509.Certificate) -> list[str]:
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [str(n) for n in names.get_values_for_type(x509.RFC822Name)]


class PublisherPolicy:
    """Require the certificate to belong to *publisher* (a sigstore verification policy)."""

    def __init__(self, publisher: Publisher) -> None:
        self.publisher = publisher

    def verify(self, cert: x509.Certificate) -> None:
        """Raise `sigstore.errors.VerificationError` unless *cert* is *publisher*'s."""
        p = self.publisher
        repo = p.repository or ""
        issuer = claim(cert, ISSUER_V2)
        source = claim(cert, SOURCE_REPOSITORY_URI) or ""
        config = claim(cert, BUILD_CONFIG_URI) or ""
        if p.kind == "GitHub":
            self._expect(issuer, GITHUB_ISSUER, "issuer")
            self._expect(source.lower(), f"https://github.com/{repo}".lower(), "repository")
            prefix = f"https://github.com/{repo}/.github/workflows/{p.workflow}@"
            self._prefix(config, prefix, "workflow")
        elif p.kind == "GitLab":
            self._expect(issuer, GITLAB_ISSUER, "issuer")
            self._expect(source.lower(), f"https://gitlab.com/{repo}".lower(), "repository")
            self._prefix(config, f"https://gitlab.com/{repo}//{p.workflow}@", "workflow")
        elif p.kind == "Google":
            self._expect(issuer, GOOGLE_ISSUER, "issuer")
            if repo not in _emails(cert):
                raise VerificationError(f"the certificate is not for the account {repo}")
        elif p.kind == "CircleCI":
            self._expect(issuer, CIRCLECI_ISSUER, "issuer")
            self._expect(source, repo, "repository")
            signer = claim(cert, BUILD_SIGNER_URI) or ""
            if not p.workflow or f"/pipeline-definitions/{p.workflow}" not in signer:
                raise VerificationError("the certificate names another CircleCI pipeline")
        else:
            raise VerificationError(f"unsupported Trusted Publisher kind {p.kind!r}")

    @staticmethod
    def _expect(found: str | None, expected: str, what: str) -> None:
        if found != expected:
            raise VerificationError(
                f"the certificate's {what} is {found!r}, the provenance names {expected!r}"
            )

    @staticmethod
    def _prefix(found: str, prefix: str, what: str) -> None:
        if not found.lower().startswith(prefix.lower()):
            raise VerificationError(
                f"the certificate's {what} ({found!r}) is not the provenance's ({prefix}...)"
            )
