"""Real provenance fixtures (see assets/README.md) and roots built from them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pycustoms.analyzers.provenance.trust import TrustRoot, parse_trust_root
from pycustoms.trustroot import shipped_root_path

ASSETS = Path(__file__).with_name("assets")
GITHUB_FILE = "pypi_attestations-0.0.19.tar.gz"
GITHUB_REPO = "trailofbits/pypi-attestations"


def data(name: str) -> bytes:
    """The bytes of an asset."""
    return (ASSETS / name).read_bytes()


def sha(name: str) -> str:
    """The sha256 of an asset."""
    return hashlib.sha256(data(name)).hexdigest()


def provenance(name: str) -> dict[str, Any]:
    """The provenance document of *name* (a single attestation is wrapped into one)."""
    path = ASSETS / f"{name}.provenance"
    if path.is_file():
        document: dict[str, Any] = json.loads(path.read_bytes())
        return document
    attestation = json.loads(data(f"{name}.publish.attestation"))
    publisher = {"kind": "GitLab", "repository": "facutuesca/gitlab-oidc-project",
                 "workflow_filepath": ".gitlab-ci.yml", "environment": None}  # fmt: skip
    return {"version": 1, "attestation_bundles": [
        {"publisher": publisher, "attestations": [attestation]}]}  # fmt: skip


def production() -> TrustRoot:
    """The shipped production root."""
    path = shipped_root_path()
    return parse_trust_root(path, path.read_bytes())


def staging(tmp: Path) -> TrustRoot:
    """Sigstore's staging root: it does not contain the production issuer or logs."""
    path = tmp / "staging.json"
    path.write_bytes(data("staging_trusted_root.json"))
    return parse_trust_root(path, path.read_bytes())


def outdated(tmp: Path) -> TrustRoot:
    """A root as it was before the logs that signed the fixtures: only a later log.

    Its newest `validFor.start` is in 2022, so the 2024 signatures look newer than it.
    """
    root = json.loads(shipped_root_path().read_bytes())
    root["tlogs"] = [t for t in root["tlogs"] if "2025" in t["baseUrl"]]
    for log in root["tlogs"]:
        log["publicKey"]["validFor"]["start"] = "2021-01-01T00:00:00Z"
    for group in ("ctlogs", "timestampAuthorities"):
        for item in root.get(group, []):
            key = item.get("publicKey", item)
            key["validFor"]["start"] = "2021-01-01T00:00:00Z"
    path = tmp / "outdated.json"
    path.write_text(json.dumps(root))
    return parse_trust_root(path, path.read_bytes())
