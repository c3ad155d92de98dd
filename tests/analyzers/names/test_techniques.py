"""Each squatting technique of issue 14: a squat that alerts and a benign look-alike that does not.

Names are judged against the shipped popular-name index, as `check-name` does.
"""

from __future__ import annotations

import pytest

from pycustoms.analyzers.names import Technique, analyze_name, default_index
from pycustoms.analyzers.names.index import NameIndex
from pycustoms.types import Severity


@pytest.fixture(scope="module")
def index() -> NameIndex:
    return default_index()


def _alerts(name: str, index: NameIndex) -> bool:
    return any(f.severity >= Severity.HIGH for f in analyze_name(name, index=index).findings)


@pytest.mark.parametrize(
    ("squat", "target", "look_alike"),
    [
        # A slip that writes a letter pair words seldom use (`gq`) is not a word:
        # `bagel` is one key from `babel` and a word.
        ("pygqme", "pygame", "bagel"),
        # Repeated letters folded, then a slip; `sellenim` reads as two slips.
        ("selemniumm", "selenium", "semantic"),
    ],
)
def test_rare_letter_pair_slip(index: NameIndex, squat: str, target: str, look_alike: str) -> None:
    report = analyze_name(squat, index=index)
    assert report.imitates == target
    assert _alerts(squat, index)
    assert not _alerts(look_alike, index)


def test_wrapped_name_takes_the_bare_names_rank(index: NameIndex) -> None:
    """`pytorch` wraps `torch` in `py`: a slip of it aims at `torch`'s users."""
    assert index.rank["pytorch"] == index.rank["torch"]
    report = analyze_name("pytorhc", index=index)
    assert report.imitates == "pytorch"
    assert report.technique is Technique.ADJACENT_SWAP
    assert _alerts("pytorhc", index)


def test_short_bare_name_keeps_its_own_rank(index: NameIndex) -> None:
    """`utils` is a word of its own, not `python-utils` shortened."""
    assert index.rank["utils"] > index.rank["python-utils"]
    assert not _alerts("utilsx", index)
    assert not _alerts("boto-utils", index)


def test_long_bare_name_takes_the_wrapped_names_rank(index: NameIndex) -> None:
    """`beautifulsoup` is typed for `beautifulsoup4`; two slips far apart in it are found."""
    assert index.rank["beautifulsoup"] == index.rank["beautifulsoup4"]
    report = analyze_name("beutifulsoop", index=index)
    assert report.imitates == "beautifulsoup"
    assert report.technique is Technique.TWO_EDITS
    assert _alerts("beutifulsoop", index)


def test_plural_and_slip_of_a_long_name(index: NameIndex) -> None:
    report = analyze_name("pyinstalers", index=index)
    assert report.imitates == "pyinstaller"
    assert report.technique is Technique.TWO_EDITS
    assert _alerts("pyinstalers", index)
    # On short names a plural and a slip make a new word.
    assert not _alerts("httpcodes", index)
    assert not _alerts("pyjats", index)


def test_letter_typed_before_the_last_keeps_the_ending(index: NameIndex) -> None:
    report = analyze_name("tensofloaw", index=index)
    assert report.imitates == "tensorflow"
    assert _alerts("tensofloaw", index)
    # A changed ending or two letters left out is another word or an abbreviation.
    assert not _alerts("deprecator", index)
    assert not _alerts("smpljson", index)


def test_obscure_targets_are_never_reported() -> None:
    """Beyond the rank scale a long-word bonus does not lift a neighbour into a report."""
    small = NameIndex.build([(1, "requests"), (14_000, "customizerlib")])
    assert analyze_name("customizerlb", index=small).findings == ()


@pytest.mark.parametrize(
    ("squat", "target", "look_alike"),
    [
        # The words of a popular hyphenated name run together, as typed from memory;
        # adding a separator to a popular one-word name is how honest names are spelled.
        ("fakeuseragent", "fake-useragent", "bit-array"),
        ("emailvalidator", "email-validator", "bit-array"),
    ],
)
def test_words_run_together(index: NameIndex, squat: str, target: str, look_alike: str) -> None:
    report = analyze_name(squat, index=index)
    assert report.imitates == target
    assert _alerts(squat, index)
    assert not _alerts(look_alike, index)


def test_singular_and_slip_of_a_plural_name(index: NameIndex) -> None:
    """The `-s` of a popular plural name dropped and a letter added inside the rest."""
    report = analyze_name("reqiuest", index=index)
    assert report.imitates == "requests"
    assert report.technique is Technique.TWO_EDITS
    assert "plural '-s' dropped" in report.findings[0].message
    assert _alerts("reqiuest", index)
    # A changed letter or a dropped one with the `-s` gone is another word or an
    # abbreviation: `pigment` and `pygent` are not `pygments` mistyped.
    assert analyze_name("pigment", index=index).findings == ()
    assert analyze_name("pygent", index=index).findings == ()


def test_misspelt_name_with_a_lure_word(index: NameIndex) -> None:
    """A slip of a popular name does not hide behind a lure word; a plain word does not alert."""
    report = analyze_name("pnadas-utils", index=index)
    assert report.imitates == "pandas"
    assert report.technique is Technique.COMBOSQUAT
    assert "adjacent-swap" in report.findings[0].message
    assert report.findings[0].severity is Severity.HIGH  # capped at warn on the name alone
    # Another start or ending, or a lighter slip, is an ordinary word plus a lure.
    assert not _alerts("finance-utils", index)  # `yfinance` without its first letter
    assert not _alerts("decker-client", index)  # one letter from `docker`
    assert not _alerts("transformer-fast", index)  # `transformers` without its `-s`


def test_letter_added_inside_a_mid_length_word(index: NameIndex) -> None:
    """A letter added deep inside a six- to nine-letter word weighs one point more."""
    report = analyze_name("seleanium", index=index)
    assert report.match is not None
    assert report.match.points == 6  # 3 (rank 489) + 2 (extra letter) + 1 (inside the word)
    assert report.imitates == "selenium"
    assert _alerts("seleanium", index)
    # A changed letter inside a word, or a letter added at its end, stays a medium.
    stride = analyze_name("stride", index=index)
    assert stride.imitates == "stripe"
    assert not _alerts("stride", index)
    assert not _alerts("djanga", index)
    # A swap inside already weighs 4 and gains nothing: `shapley` warns, never blocks.
    shapley = analyze_name("shapley", index=index)
    assert shapley.imitates == "shapely"
    assert [f.severity for f in shapley.findings] == [Severity.HIGH]


def test_letter_dropped_before_the_last_with_repeated_letters(index: NameIndex) -> None:
    """Repeated letters folded, then a letter dropped just before the unchanged ending."""
    report = analyze_name("tensorrflw", index=index)
    assert report.imitates == "tensorflow"
    assert report.technique is Technique.TWO_EDITS
    assert _alerts("tensorrflw", index)
    # Two letters left out, with nothing repeated, is still an abbreviation.
    assert not _alerts("smpljson", index)


def test_three_or_more_words_reordered(index: NameIndex) -> None:
    """Reordering three or more words weighs a point more than swapping two."""
    report = analyze_name("sdk-python-aliyun-kms", index=index)
    assert report.imitates == "aliyun-python-sdk-kms"
    assert report.technique is Technique.REORDERED_WORDS
    assert report.match is not None
    assert report.match.points == 6  # 2 (rank 2,410) + 3 (reordered) + 1 (four words)
    assert _alerts("sdk-python-aliyun-kms", index)
    # Two words swapped is how honest names read too (`cache-requests`): a medium.
    swapped = analyze_name("cache-requests", index=index)
    assert swapped.imitates == "requests-cache"
    assert not _alerts("cache-requests", index)


def test_misspelt_name_with_a_version_or_year(index: NameIndex) -> None:
    """A version or a year after a misspelt name is bait even when the slip changed the ending."""
    report = analyze_name("reqiuest-2025", index=index)
    assert report.imitates == "requests"
    assert report.technique is Technique.COMBOSQUAT
    assert _alerts("reqiuest-2025", index)
    # The same misspelt part with a lure word needs an unchanged ending ...
    assert not _alerts("reqiuest-utils", index)
    # ... and a year never makes a popular name's suffix (`yfinance`) a misspelling.
    assert not _alerts("finance-2024", index)
