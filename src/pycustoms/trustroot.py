"""The Sigstore trusted root on disk: the copy shipped with pycustoms and a fresher one.

pycustoms ships a copy of Sigstore's production trusted root
(`pycustoms/data/sigstore/trusted_root.json`). `pycustoms trust update` writes a
fresher copy into the data directory; `load_trust_root` prefers that copy when
it exists. Nothing here touches the network except `fetch_production_root`. What
a root holds and how it is checked is the pure `analyzers.provenance.trust`.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from pycustoms.analyzers.provenance.trust import (
    TRUST_ROOT_NAME,
    TrustRoot,
    TrustRootError,
    parse_trust_root,
    serialize_trusted_root,
)
from pycustoms.atomic import write_atomic


def shipped_root_path() -> Path:
    """The trusted root shipped inside pycustoms."""
    return Path(str(resources.files("pycustoms.data.sigstore").joinpath(TRUST_ROOT_NAME)))


def updated_root_path(data_dir: Path) -> Path:
    """Where `pycustoms trust update` keeps a fresher root."""
    return data_dir / "sigstore" / TRUST_ROOT_NAME


def load_trust_root(data_dir: Path | None = None) -> TrustRoot:
    """The updated root in *data_dir* if there is one, else the shipped root."""
    if data_dir is not None:
        updated = updated_root_path(data_dir)
        if updated.is_file():
            return _load(updated)
    return _load(shipped_root_path())


@cache
def _load(path: Path) -> TrustRoot:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TrustRootError(f"the trusted root {path} cannot be read ({exc.strerror})") from None
    return parse_trust_root(path, data)


def fetch_production_root() -> bytes:
    """Fetch Sigstore's current production trusted root through TUF (network)."""
    from sigstore.models import ClientTrustConfig  # noqa: PLC0415 - heavy, online only

    config = ClientTrustConfig.production(offline=False)
    return serialize_trusted_root(config.trusted_root)


def install_root(data: bytes, data_dir: Path) -> TrustRoot:
    """Validate *data* and write it as the updated root in *data_dir*."""
    target = updated_root_path(data_dir)
    parsed = parse_trust_root(target, data)
    write_atomic(target, data)
    _load.cache_clear()
    return parsed
