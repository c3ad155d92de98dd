"""Secrets left in a package: live-looking tokens, keys and credential files.

Pure: `find_secrets(members)` reads package members (bytes in memory, from the
archive reader) and returns findings that name the kind of secret and where it
is, never its value. The firewall runs it on private uploads; `pycustoms scan
--secrets` runs it on a project's own `dist/` before publishing.
"""

from __future__ import annotations

from pycustoms.analyzers.secrets.analyze import RULES, find_secrets, member_secrets

__all__ = ["RULES", "find_secrets", "member_secrets"]
