from __future__ import annotations

import pytest

from pycustoms.analyzers.names import Technique, analyze_name, default_index
from pycustoms.analyzers.names.index import NameIndex
from pycustoms.analyzers.names.typosquat import classify_edit, find_typosquat
from pycustoms.types import Severity


@pytest.fixture(scope="module")
def index() -> NameIndex:
    return default_index()


@pytest.mark.parametrize(
    ("name", "target", "technique"),
    [
        ("reqeusts", "requests", Technique.ADJACENT_SWAP),
        ("requets", "requests", Technique.DROPPED_LETTER),
        ("requestss", "requests", Technique.DOUBLED_LETTER),
        ("pandaa", "pandas", Technique.KEYBOARD_NEIGHBOUR),
        ("rnatplotlib", "matplotlib", Technique.VISUAL_LOOKALIKE),
        ("nurnpy", "numpy", Technique.VISUAL_LOOKALIKE),
        ("pythondateutil", "python-dateutil", Technique.SEPARATOR),
        ("python-requests", "requests", Technique.AFFIX),
        ("py-requests", "requests", Technique.AFFIX),
        ("python3-requests", "requests", Technique.AFFIX),
        ("requests2", "requests", Technique.AFFIX),
        ("requests-py", "requests", Technique.AFFIX),
        ("urlib3", "urllib3", Technique.DROPPED_LETTER),
        ("dotenv-python", "python-dotenv", Technique.REORDERED_WORDS),
    ],
)
def test_real_typosquat_patterns_alert(
    index: NameIndex, name: str, target: str, technique: Technique
) -> None:
    match = find_typosquat(name, index)
    assert match is not None
    assert match.target == target
    assert match.technique is technique
    report = analyze_name(name, index=index)
    assert report.imitates == target
    assert max(f.severity for f in report.findings) >= Severity.HIGH


@pytest.mark.parametrize(
    "name", ["boto", "boto3", "attrs", "cattrs", "requests", "python-dateutil", "six", "Django"]
)
def test_popular_names_are_never_squats(index: NameIndex, name: str) -> None:
    assert analyze_name(name, index=index).findings == ()


def test_uppercase_and_underscores_are_the_same_project(index: NameIndex) -> None:
    assert analyze_name("Python_DateUtil", index=index).findings == ()


@pytest.mark.parametrize(
    ("name", "target", "expected"),
    [
        ("abdc", "abcd", Technique.ADJACENT_SWAP),
        ("abcc", "abc", Technique.DOUBLED_LETTER),
        ("ab", "abc", Technique.DROPPED_LETTER),
        ("abx", "abc", Technique.KEYBOARD_NEIGHBOUR),
        ("abq", "abc", Technique.SUBSTITUTION),
        ("ab1", "abl", Technique.VISUAL_LOOKALIKE),
        ("a-bc", "abc", Technique.SEPARATOR),
        ("abcz", "abc", Technique.EXTRA_LETTER),
    ],
)
def test_classify_edit(name: str, target: str, expected: Technique) -> None:
    edit = classify_edit(name, target)
    assert edit is not None
    assert edit[0] is expected


def test_two_edits_are_not_one(index: NameIndex) -> None:
    assert classify_edit("abcdef", "abdcfe") is None


def test_rank_weighs_heavily() -> None:
    """A one-edit neighbour of an obscure project is not reported."""
    small = NameIndex.build([(1, "requests"), (14_000, "obscurelib")])
    assert find_typosquat("obscurelb", small) is not None
    assert analyze_name("obscurelb", index=small).findings == ()
    assert analyze_name("requsts", index=small).findings != ()


def test_short_names_need_more(index: NameIndex) -> None:
    """`rsa` is popular; `ras` is one swap away but three letters are too few to tell."""
    report = analyze_name("ras", index=index)
    assert all(f.severity < Severity.HIGH for f in report.findings)


def test_plain_unrelated_name_is_clean(index: NameIndex) -> None:
    assert analyze_name("zebra-accounting-toolkit", index=index).findings == ()
