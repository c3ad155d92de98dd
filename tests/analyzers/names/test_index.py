from __future__ import annotations

from pycustoms.analyzers.names.index import NameIndex, default_index, skeleton, strip_affixes
from pycustoms.analyzers.names.rules import RULES


def test_shipped_dataset_loads() -> None:
    index = default_index()
    assert len(index) > 14_000
    assert index.rank["boto3"] == 1


def test_neighbours_cover_one_edit() -> None:
    index = NameIndex.build([(1, "requests")])
    for variant in ("requets", "requestss", "reqeusts", "requestz"):
        assert "requests" in index.neighbours(variant)


def test_skeleton_folds_lookalikes() -> None:
    assert skeleton("rnatp1otiib") == skeleton("matplotlib")


def test_affixes() -> None:
    assert ("requests", "python-") in set(strip_affixes("python-requests"))
    assert ("requests", "-py") in set(strip_affixes("requests-py"))


def test_rules_declared() -> None:
    ids = {rule.id for rule in RULES}
    for rule in ("names/typosquat", "names/combosquat", "names/lookalike-host"):
        assert rule in ids
