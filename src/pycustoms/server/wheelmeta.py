"""The core metadata (PEP 658) of a scanned wheel: its `NAME-VERSION.dist-info/METADATA`.

Read with the scanner's safe archive reader (bounded, nothing extracted,
imported or run), so it inherits every limit the scan applied. Used when the
upstream publishes no metadata file for a wheel, or fails to serve the one it
advertises. Runs in a scan worker process (it reads the whole archive).
"""

from __future__ import annotations

import re
from pathlib import Path

from pycustoms.archive import open_package
from pycustoms.config import Policy
from pycustoms.scan import limits_for

_METADATA = re.compile(r"[^/]+\.dist-info/METADATA")
# Large binary members are read only this far: METADATA is text, nothing else is needed.
_HEAD = 64 * 1024
_MAX = 4 * 1024**2


def wheel_metadata(path: Path, policy: Policy) -> bytes | None:
    """The METADATA of the wheel at *path*, or `None` (unreadable, none, or more than one)."""
    reader = open_package(path, limits_for(policy), max_binary_bytes=_HEAD)
    found = [
        m.data
        for m in reader.members()
        if m.depth == 0 and not m.truncated and _METADATA.fullmatch(m.path)
    ]
    if reader.problems or len(found) != 1 or len(found[0]) > _MAX:
        return None
    return found[0]
