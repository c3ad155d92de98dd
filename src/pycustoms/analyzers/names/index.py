"""The prebuilt lookup structure over popular project names.

A check must cost microseconds, so nothing here scans all popular names per
query. Built once per process (about 0.3 s for 15,000 names) from the shipped
`pycustoms/data/popular-names.tsv`:

- `rank`: normalised name -> download rank (1 is the most downloaded).
- `deletes`: every popular name and each string obtained by deleting one of its
  characters -> the popular names it came from. Two strings are within one
  edit (insertion, deletion, substitution, adjacent swap) only if their
  one-deletion neighbourhoods meet, so a query looks up its own `len + 1`
  deletion variants and verifies the few candidates (symmetric-delete search).
- `collapsed`: name with separators removed -> popular name (`pythondateutil`).
- `skeletons`: name with visual look-alikes folded (`rn`->`m`, `1`/`i`->`l`,
  `0`->`o`) -> popular name.
- `stems`: popular name with a `py`/`python`/`-lib`/digit affix removed -> name.
- `reordered`: sorted separator-delimited words -> popular name.
- `families`: popular name -> how many other popular names extend it by whole
  words (`django` -> hundreds of `django-*`): a plugin ecosystem, where
  `name-word` is the normal way to name a project.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

DATA_PACKAGE = "pycustoms.data"
DATA_FILE = "popular-names.tsv"

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
    "-2",
    "-3",
    "2",
    "3",
)
_MIN_STEM = 3
_SUFFIX_ENDS = frozenset(s[-1] for s in SUFFIXES)


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


def deletions(name: str) -> Iterator[str]:
    """Every string obtained by deleting exactly one character of *name*."""
    for i in range(len(name)):
        yield name[:i] + name[i + 1 :]


def _keep_best(table: dict[str, str], key: str, name: str, rank: dict[str, int]) -> None:
    current = table.get(key)
    if current is None or rank[name] < rank[current]:
        table[key] = name


@dataclass(frozen=True, slots=True)
class NameIndex:
    """Lookup tables over the popular names; build with `NameIndex.build` or `default_index`."""

    rank: dict[str, int]
    deletes: dict[str, tuple[str, ...]]
    collapsed: dict[str, str]
    skeletons: dict[str, str]
    stems: dict[str, str]
    reordered: dict[str, str]
    families: dict[str, int]

    @classmethod
    def build(cls, ranked: Iterable[tuple[int, str]]) -> NameIndex:
        """Build the tables from `(rank, normalised name)` pairs."""
        rank: dict[str, int] = {}
        for position, name in ranked:
            if name and (name not in rank or position < rank[name]):
                rank[name] = position
        grouped: dict[str, list[str]] = {}
        collapsed: dict[str, str] = {}
        skeletons: dict[str, str] = {}
        stems: dict[str, str] = {}
        reordered: dict[str, str] = {}
        families: dict[str, int] = {}
        for name in rank:
            grouped.setdefault(name, []).append(name)
            for variant in deletions(name):
                grouped.setdefault(variant, []).append(name)
            _keep_best(collapsed, collapse(name), name, rank)
            _keep_best(skeletons, skeleton(collapse(name)), name, rank)
            for stem, _ in strip_affixes(name):
                _keep_best(stems, stem, name, rank)
            parts = words(name)
            if len(parts) > 1:
                _keep_best(reordered, "-".join(sorted(parts)), name, rank)
                runs = {
                    "-".join(parts[start:stop])
                    for start in range(len(parts))
                    for stop in range(start + 1, len(parts) + 1)
                    if stop - start < len(parts)
                }
                for run in runs & rank.keys():
                    families[run] = families.get(run, 0) + 1
        deletes = {key: tuple(names) for key, names in grouped.items()}
        return cls(rank, deletes, collapsed, skeletons, stems, reordered, families)

    def neighbours(self, name: str) -> set[str]:
        """Popular names whose one-deletion neighbourhood meets *name*'s (a superset of edit 1)."""
        get = self.deletes.get
        found: set[str] = set()
        for key in [name] + [name[:i] + name[i + 1 :] for i in range(len(name))]:
            hit = get(key)
            if hit:
                found.update(hit)
        found.discard(name)
        return found

    def __len__(self) -> int:
        return len(self.rank)


def parse_ranking(text: str) -> Iterator[tuple[int, str]]:
    """Parse the shipped TSV (`rank<TAB>name`, `#` comments)."""
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        position, _, name = line.partition("\t")
        yield int(position), name.strip()


@cache
def default_index() -> NameIndex:
    """The index over the dataset shipped with pycustoms, built once per process."""
    text = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return NameIndex.build(parse_ranking(text))
