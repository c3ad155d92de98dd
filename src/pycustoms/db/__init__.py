"""The local database: snapshots of what was seen upstream (later: approvals, installs)."""

from pycustoms.db.session import Database
from pycustoms.db.snapshots import Snapshot, last_snapshot, record_snapshot

__all__ = ["Database", "Snapshot", "last_snapshot", "record_snapshot"]
