"""Forms of a normalised project name that squatters play with.

Separators, look-alike characters, affixes (`py-`, `-python`, `-lib`, a digit),
plural endings, word order, and deletion neighbourhoods for the symmetric-delete
lookups of `index`. Pure string functions, used both when the index is built
and when a name is judged.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations, permutations

# Visual look-alikes, folded longest first. Only pairs a reader confuses in a
# terminal or a requirements file (lower-case after PEP 503 normalisation).
_VISUAL_FOLDS: tuple[tuple[str, str], ...] = (
    ("rn", "m"),
    ("vv", "w"),
    ("1", "l"),
    ("i", "l"),
    ("|", "l"),
    ("0", "o"),
)

# Affixes that squatters add to or remove from a popular name (THREATS.md §1).
PREFIXES: tuple[str, ...] = ("python3-", "python-", "py3-", "py-", "python3", "python", "py3", "py")
SUFFIXES: tuple[str, ...] = (
    "-python3",
    "-python",
    "-py3",
    "-py",
    "-lib",
    "python3",
    "python",
    "py3",
    "py",
    "lib",
    *(f"-{digit}" for digit in "123456789"),
    *"123456789",
)
# Plural endings (`pyfiglets`). Kept apart from the affixes above because only
# a judged name is read as a plural: a popular plural's singular is a word, not
# a stem (`requests` -> `request` is a dropped letter, weighed as such).
PLURALS: tuple[str, ...] = ("es", "s")
# `-es` makes a plural only after these endings (`boxes`, `matches`, `tornadoes`).
_ES_AFTER = ("s", "x", "z", "ch", "sh", "o")
_MIN_STEM = 3
_SUFFIX_ENDS = frozenset(s[-1] for s in SUFFIXES)
_GLUED_MAX_WORDS = 3


def skeleton(name: str) -> str:
    """Fold visual look-alikes so that `rnatplot1ib` and `matplotlib` meet."""
    out = name
    for old, new in _VISUAL_FOLDS:
        out = out.replace(old, new)
    return out


def collapse(name: str) -> str:
    """Remove separators from a normalised name (`python-dateutil` -> `pythondateutil`)."""
    return name.replace("-", "")


def words(name: str) -> list[str]:
    """The separator-delimited words of a normalised name, empty ones dropped."""
    return [w for w in name.split("-") if w]


def strip_affixes(name: str) -> Iterator[tuple[str, str]]:
    """Yield `(stem, affix)` for each single prefix or suffix that can be removed from *name*.

    The stem keeps at least three characters and loses any separator left at
    its edge (`requests-py` -> `requests`).
    """
    for prefix in PREFIXES if name.startswith("py") else ():
        if name.startswith(prefix):
            stem = name[len(prefix) :].strip("-")
            if len(stem) >= _MIN_STEM:
                yield stem, prefix
    for suffix in SUFFIXES if name[-1:] in _SUFFIX_ENDS else ():
        if name.endswith(suffix):
            stem = name[: -len(suffix)].strip("-")
            if len(stem) >= _MIN_STEM:
                yield stem, suffix


def strip_plural(name: str) -> Iterator[tuple[str, str]]:
    """Yield `(singular, ending)` for a plural-looking *name* (`pyfiglets` -> `pyfiglet`).

    The ending is glued to a word (`torch-es` is not a plural), and a doubled
    `s` is the repeated-letter check's business, not a plural.
    """
    for ending in PLURALS if name.endswith("s") and not name.endswith("ss") else ():
        stem = name[: -len(ending)]
        if not name.endswith(ending) or len(stem) < _MIN_STEM or not stem[-1].isalpha():
            continue
        if ending == "es" and not stem.endswith(_ES_AFTER):
            continue
        yield stem, ending


def letter_pairs(name: str) -> Iterator[str]:
    """The two-character pairs inside each word of *name* (`pygame` -> `py`, `yg`, ...)."""
    for word in words(name):
        for i in range(len(word) - 1):
            yield word[i : i + 2]


def pairs_around(name: str, i: int) -> set[str]:
    """The pairs of *name* within a character of an edit at *i* (a swap spans two)."""
    window = name[max(i - 1, 0) : i + 3]
    return set(letter_pairs(window))


def deletions(name: str) -> Iterator[str]:
    """Every string obtained by deleting exactly one character of *name*."""
    for i in range(len(name)):
        yield name[:i] + name[i + 1 :]


def letter_deletions_upto_two(name: str) -> set[str]:
    """*name* and every string made by deleting one or two letters, never the first.

    Separators stay: the two-edit search compares names word by word.
    """
    letters = [i for i in range(1, len(name)) if name[i] != "-"]
    found = {name[:i] + name[i + 1 : j] + name[j + 1 :] for i, j in combinations(letters, 2)}
    found.update(name[:i] + name[i + 1 :] for i in letters)
    found.add(name)
    return found


def glued_orders(parts: list[str]) -> Iterator[str]:
    """The words of a 2-3 word name in every other order, joined without separators."""
    if not 1 < len(parts) <= _GLUED_MAX_WORDS:
        return
    for order in permutations(parts):
        if list(order) != parts:
            yield "".join(order)
