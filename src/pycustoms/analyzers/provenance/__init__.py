"""Provenance analyzer: PEP 740 verification and publisher continuity.

`verify` (sigstore, imported on demand) checks one file's provenance offline;
`continuity` turns checked files and the project's recorded history into findings.
The glue that fetches documents and reads and records the history in the database
is `pycustoms.provenance_pipeline`, outside the pure analyzers.
"""

from pycustoms.analyzers.provenance.continuity import RULES, analyze_continuity
from pycustoms.analyzers.provenance.model import FileProvenance, Publisher, PublisherRecord, Status
from pycustoms.analyzers.provenance.settings import Mode, ProvenancePolicy, load_provenance_policy

__all__ = [
    "RULES",
    "FileProvenance",
    "Mode",
    "ProvenancePolicy",
    "Publisher",
    "PublisherRecord",
    "Status",
    "analyze_continuity",
    "load_provenance_policy",
]
