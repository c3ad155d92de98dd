"""Refresh the Sigstore trusted root shipped in `src/pycustoms/data/sigstore/`.

Where it comes from: the `trusted_root.json` target of Sigstore's production
TUF repository (tuf-repo-cdn.sigstore.dev), fetched and verified through TUF by
sigstore-python's public `ClientTrustConfig.production(offline=False)`. The first
shipped copy is the one bundled in sigstore-python 4.5.1 (`sigstore/_store/`).

Usage (online, by a maintainer, then commit the two files):

    .venv/bin/python scripts/update_trust_root.py

Users refresh their own copy with `pycustoms trust update` instead.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pycustoms.analyzers.provenance.trust import fetch_production_root, parse_trust_root

TARGET = Path(__file__).resolve().parents[1] / "src" / "pycustoms" / "data" / "sigstore"


def main() -> int:
    """Fetch, validate and write the root and its source note."""
    payload = fetch_production_root()
    root = parse_trust_root(TARGET / "trusted_root.json", payload)
    (TARGET / "trusted_root.json").write_bytes(payload)
    source = {
        "source": "trusted_root.json target of Sigstore's production TUF repository "
        "(tuf-repo-cdn.sigstore.dev), via scripts/update_trust_root.py",
        "sha256": hashlib.sha256(payload).hexdigest(),
    }
    (TARGET / "source.json").write_text(json.dumps(source, indent=2) + "\n")
    print(f"wrote {root.path} (as of {root.as_of:%Y-%m-%d}, sha256 {source['sha256']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
