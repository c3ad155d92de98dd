"""Registrable domains come from the Public Suffix List (offline, bundled)."""

from __future__ import annotations

import pytest

from pycustoms.analyzers.names.hosts import lookalike_reason, registrable_domain


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("a.b.example.org", "example.org"),
        ("x.co.uk", "x.co.uk"),
        ("a.x.co.uk", "x.co.uk"),
        ("pkgs.example.com.au", "example.com.au"),
        # Before: a 7-entry table of second-level labels did not know these, and cut
        # them to the public suffix itself.
        ("mirror.example.ne.jp", "example.ne.jp"),
        ("pkgs.example.ltd.uk", "example.ltd.uk"),
        ("team.github.io", "team.github.io"),
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "localhost"),
        ("example.org.", "example.org"),
    ],
)
def test_registrable_domain(host: str, domain: str) -> None:
    assert registrable_domain(host) == domain


def test_two_owners_under_one_public_suffix_are_not_one_organisation() -> None:
    """Before: every `*.ne.jp` host was the organisation `ne.jp`, so a look-alike under
    the same suffix passed as the trusted host's own."""
    assert lookalike_reason("files.acme.ne.jp", "pkgs.acme.ne.jp") is None
    assert lookalike_reason("pkgs.acmee.ne.jp", "pkgs.acme.ne.jp") is not None
