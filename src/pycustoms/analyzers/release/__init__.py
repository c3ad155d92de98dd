"""The release analyzer: age, dormancy, owners, versions, late files, attestations.

Pure functions of `ReleaseFacts` (see `facts.assemble`) and a clock value.
"""

from pycustoms.analyzers.release.facts import ReleaseFacts, ReleaseSummary, assemble
from pycustoms.analyzers.release.rules import RULES, analyze_release
from pycustoms.analyzers.release.settings import ReleasePolicy, load_release_policy

__all__ = [
    "RULES",
    "ReleaseFacts",
    "ReleasePolicy",
    "ReleaseSummary",
    "analyze_release",
    "assemble",
    "load_release_policy",
]
