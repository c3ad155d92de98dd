"""Rule ids emitted by the name analyzers."""

from __future__ import annotations

from pycustoms.rules import Rule
from pycustoms.types import Severity

RULES: tuple[Rule, ...] = (
    Rule(
        "names/typosquat",
        Severity.HIGH,
        "Name imitates a popular project",
        "One edit, swapped, doubled or dropped letter, keyboard neighbour, visual look-alike, "
        "separator or affix change, or reordered words. Severity grows with the target's "
        "popularity and the name's length; see docs/names.md.",
    ),
    Rule(
        "names/combosquat",
        Severity.MEDIUM,
        "Popular name joined with another word",
        "A very popular project's name plus a lure word (`-utils`, `-sdk`, `-async`) or another "
        "popular name. At most a warning on the name alone; a brand-new project raises it.",
    ),
    Rule(
        "names/not-found",
        Severity.HIGH,
        "Name does not exist upstream",
        "Likely mistyped or invented by an assistant (slopsquatting bait).",
    ),
    Rule(
        "names/new-project",
        Severity.LOW,
        "Project is days old with one or two releases",
        "No history vouches for it; raises the weight of any name match.",
    ),
    Rule(
        "names/dependency-confusion",
        Severity.HIGH,
        "Internal name exists on the upstream index",
        "Critical when the upstream version is higher than the internal one.",
    ),
    Rule(
        "names/placeholder-version",
        Severity.HIGH,
        "Version chosen to outrank real ones (99.x, 66.x, 9999)",
    ),
    Rule(
        "names/lookalike-host",
        Severity.CRITICAL,
        "Index host imitates a trusted host",
        "Within two edits of a trusted host, its name under another domain, or its name "
        "as a token (`name-mirror`).",
    ),
    Rule("names/plain-http-index", Severity.HIGH, "Index URL uses plain HTTP"),
    Rule(
        "names/credentials-in-url",
        Severity.MEDIUM,
        "Index URL carries credentials",
        "Use a keyring, .netrc or an environment variable reference instead.",
    ),
)
