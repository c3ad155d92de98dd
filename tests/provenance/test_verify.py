"""Offline verification of real PEP 740 provenance, and tampered variants of it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sigstore.models import TrustedRoot

from pycustoms.analyzers.provenance.identity import der_utf8
from pycustoms.analyzers.provenance.model import Publisher, Status
from pycustoms.analyzers.provenance.trust import (
    TrustRootError,
    parse_trust_root,
    serialize_trusted_root,
)
from pycustoms.analyzers.provenance.verify import verify_provenance
from pycustoms.provenance_pipeline import check_file
from pycustoms.trustroot import load_trust_root, shipped_root_path
from tests.provenance.helpers import (
    GITHUB_FILE,
    GITHUB_REPO,
    outdated,
    production,
    provenance,
    sha,
    staging,
)

REAL = {
    GITHUB_FILE: ("GitHub", GITHUB_REPO, "release.yml"),
    "circleci_sign_publish_example-0.0.1.dev137-py3-none-any.whl": (
        "CircleCI", "github.com/CircleCI-Public/sign-and-publish-examples",
        "8e4f8ab2-8d7c-4827-9f15-de076d6d647f"),
    "gcb_attestation_test-0.0.0.tar.gz": (
        "Google", "919436158236-compute@developer.gserviceaccount.com", None),
    "gitlab_oidc_project-0.0.3.tar.gz": (
        "GitLab", "facutuesca/gitlab-oidc-project", ".gitlab-ci.yml"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_provenance_verifies_offline_and_names_its_publisher(name: str) -> None:
    result = verify_provenance(provenance(name), name, sha(name), production())
    assert result.status is Status.VERIFIED, result.reason
    assert result.publisher is not None
    kind, repository, workflow = REAL[name]
    assert (result.publisher.kind, result.publisher.repository) == (kind, repository)
    assert result.publisher.workflow == workflow


def test_changed_file_does_not_match_the_signed_digest() -> None:
    result = verify_provenance(provenance(GITHUB_FILE), GITHUB_FILE, "0" * 64, production())
    assert result.status is Status.INVALID
    assert "does not match the file's sha256" in result.reason


def test_provenance_claiming_another_repository_is_refuted_by_the_certificate() -> None:
    document = copy.deepcopy(provenance(GITHUB_FILE))
    document["attestation_bundles"][0]["publisher"]["repository"] = "evil/pypi-attestations"
    result = verify_provenance(document, GITHUB_FILE, sha(GITHUB_FILE), production())
    assert result.status is Status.INVALID
    assert "repository" in result.reason


def test_changed_workflow_is_refuted() -> None:
    document = copy.deepcopy(provenance(GITHUB_FILE))
    document["attestation_bundles"][0]["publisher"]["workflow"] = "other.yml"
    result = verify_provenance(document, GITHUB_FILE, sha(GITHUB_FILE), production())
    assert (result.status, "workflow" in result.reason) == (Status.INVALID, True)


def test_expected_identity_must_match() -> None:
    expected = Publisher("GitHub", "someone/else", "release.yml")
    result = verify_provenance(
        provenance(GITHUB_FILE), GITHUB_FILE, sha(GITHUB_FILE), production(), expected=expected
    )
    assert result.status is Status.INVALID
    assert "expected GitHub someone/else" in result.reason


def test_attestation_of_another_file() -> None:
    other = "gcb_attestation_test-0.0.0.tar.gz"
    result = verify_provenance(provenance(other), GITHUB_FILE, sha(other), production())
    assert result.status is Status.INVALID
    assert "is for gcb_attestation_test-0.0.0.tar.gz" in result.reason


def test_foreign_root_does_not_verify_production_signatures(tmp_path: Path) -> None:
    result = verify_provenance(provenance(GITHUB_FILE), GITHUB_FILE, sha(GITHUB_FILE),
                               staging(tmp_path))  # fmt: skip
    assert result.status is Status.INVALID
    assert "not in the trusted root" in result.reason


def test_staging_signature_is_foreign_to_the_production_root() -> None:
    name = "rfc8785-0.1.2-py3-none-any.whl"
    attestation = json.loads((Path(__file__).parent / "assets" / f"{name}.publish.attestation")
                             .read_bytes())  # fmt: skip
    document = {"version": 1, "attestation_bundles": [{
        "publisher": {"kind": "GitHub", "repository": "trailofbits/rfc8785.py",
                      "workflow": "release.yml"}, "attestations": [attestation]}]}  # fmt: skip
    result = verify_provenance(document, name, sha(name), production())
    assert result.status is Status.INVALID


def test_root_older_than_the_signature_cannot_check(tmp_path: Path) -> None:
    result = verify_provenance(provenance(GITHUB_FILE), GITHUB_FILE, sha(GITHUB_FILE),
                               outdated(tmp_path))  # fmt: skip
    assert result.status is Status.UNCHECKED
    assert "pycustoms trust update" in result.reason


def test_malformed_documents() -> None:
    root = production()
    assert verify_provenance({"version": 2}, GITHUB_FILE, "0" * 64, root).status is Status.INVALID
    broken = {"version": 1, "attestation_bundles": [{"publisher": {"kind": "GitHub"},
              "attestations": [{"version": 1}]}]}  # fmt: skip
    assert verify_provenance(broken, GITHUB_FILE, "0" * 64, root).status is Status.UNCHECKED
    assert check_file(GITHUB_FILE, "0" * 64, None, root).status is Status.ABSENT


def test_shipped_root_loads_and_round_trips_through_sigstore() -> None:
    root = load_trust_root()
    assert root.path == shipped_root_path()
    assert root.as_of.year >= 2025
    text = serialize_trusted_root(TrustedRoot.from_file(str(root.path)))
    assert json.loads(text)["tlogs"] == json.loads(root.data)["tlogs"]


def test_bad_root_is_reported(tmp_path: Path) -> None:
    with pytest.raises(TrustRootError, match="not a Sigstore trusted root"):
        parse_trust_root(tmp_path / "x.json", b'{"mediaType": "nope"}')


def test_der_utf8() -> None:
    assert der_utf8(b"\x0c\x03abc") == "abc"
    long = "x" * 200
    assert der_utf8(b"\x0c\x81\xc8" + long.encode()) == long
    with pytest.raises(ValueError, match="UTF8String"):
        der_utf8(b"\x04\x01a")
