"""`pycustoms trust update` against Sigstore's real TUF repository (`--run-online` only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pycustoms.analyzers.provenance.model import Status
from pycustoms.cli import main
from pycustoms.provenance_pipeline import check_file
from pycustoms.trustroot import load_trust_root, updated_root_path
from tests.provenance.helpers import GITHUB_FILE, provenance, sha

pytestmark = pytest.mark.online


def test_trust_update_fetches_the_production_root_and_it_verifies(tmp_path: Path) -> None:
    assert not updated_root_path(tmp_path).exists()
    assert main(["trust", "update", "--data-dir", str(tmp_path)]) == 0
    path = updated_root_path(tmp_path)
    assert path.is_file()
    root = load_trust_root(tmp_path)
    assert root.path == path
    # A production root fetched today still verifies the published fixtures.
    result = check_file(GITHUB_FILE, sha(GITHUB_FILE), provenance(GITHUB_FILE), root)
    assert result.status is Status.VERIFIED, result.reason
