"""The core metadata (PEP 658) of a wheel: its `NAME-VERSION.dist-info/METADATA`.

Read from the zip's central directory and that one member only (bounded by the
policy's archive limits; nothing extracted, imported or run). Used when the
upstream publishes no metadata file for a wheel, or fails to serve the one it
advertises: after the scan (`wheel_metadata`), or before its verdict for plain
metadata of a hash-checked file (`early_metadata`, `serve.early-metadata`).
"""

from __future__ import annotations

import re
import zipfile
from email.parser import BytesParser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

from pycustoms.archive.base import read_capped, zip_directory_precheck
from pycustoms.config import Policy
from pycustoms.scan import limits_for

_METADATA = re.compile(r"[^/]+\.dist-info/METADATA")
_MAX = 4 * 1024**2


def wheel_metadata(path: Path, policy: Policy) -> bytes | None:
    """The METADATA of the wheel at *path*, or `None` (unreadable, none, or more than one).

    Reads the zip's central directory and that one member, bounded by *policy*'s
    limits: what else the wheel holds (a nested archive, say) is the scan's business.
    """
    limits = limits_for(policy)
    try:
        size = path.stat().st_size
        with path.open("rb") as raw:
            zip_directory_precheck(raw, size, limits.max_members)
            with zipfile.ZipFile(raw) as archive:
                found = [i for i in archive.infolist() if _METADATA.fullmatch(i.filename)]
                if len(found) != 1 or found[0].file_size > _MAX:
                    return None
                with archive.open(found[0]) as handle:
                    body = read_capped(handle, _MAX + 1)
    except Exception:  # noqa: BLE001 - a bad or hostile zip (an unknown method ...): no metadata
        return None
    return body if len(body) <= _MAX else None


def early_metadata(path: Path, filename: str, policy: Policy) -> bytes | None:
    """The METADATA of a fetched wheel that is not scanned yet, if it may be served now.

    Read as `wheel_metadata` reads it (nothing else decompressed), and given only
    when it is plain metadata of this very file: its name and version are the
    filename's, and every dependency is a name with a version range, never a URL.
    Anything else (`None`) waits for the scan, like the wheel itself. Cheap
    enough for a thread of the server.
    """
    body = wheel_metadata(path, policy)
    if body is None or not _describes(body, filename):
        return None
    return body


def _describes(body: bytes, filename: str) -> bool:
    """True if *body* is the metadata of wheel *filename*, with no URL dependency."""
    try:
        name, version, _, _ = parse_wheel_filename(filename)
        headers = BytesParser().parsebytes(body, headersonly=True)
        if canonicalize_name(headers.get("Name", "")) != name:
            return False
        if Version(headers.get("Version", "")) != version:
            return False
        for line in headers.get_all("Requires-Dist") or ():
            if Requirement(str(line)).url is not None:
                return False  # an installer would fetch it from there, unscanned
    except Exception:  # noqa: BLE001 - not parseable (a non-ASCII name is an email Header)
        return False
    return True
