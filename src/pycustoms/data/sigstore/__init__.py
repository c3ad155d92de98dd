"""Sigstore's production trusted root, shipped for offline verification (see source.json)."""
