"""Write a file atomically: readers see the old content or the new, never a part.

The data goes to a temporary file in the same directory (same file system),
which then replaces the target in one rename. A crash or an error leaves the
old file as it was and removes the temporary one. A file that existed keeps its
permissions (a user's requirements file); a new one is private to the user.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes | str, *, prefix: str = ".tmp-") -> None:
    """Replace *path* with *data* (text is written as UTF-8), creating its directory."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode: int | None = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = None
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=prefix)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
        if mode is not None:
            temporary.chmod(mode)
        temporary.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
