"""Incident response: who installed a bad release, when, and what to rotate.

`query` reads the install log and reported environments; `checklist` turns what the
package's code could reach into actions; `formats` renders both; `retro` detects
served releases that became blocked later and `webhooks` tells people about them.
"""

from pycustoms.incident.model import (
    ChecklistItem,
    EnvironmentHit,
    IncidentReport,
    ReleaseFacts,
    Spec,
    parse_spec,
)

__all__ = [
    "ChecklistItem",
    "EnvironmentHit",
    "IncidentReport",
    "ReleaseFacts",
    "Spec",
    "parse_spec",
]
