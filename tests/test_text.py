"""Persian and English text normalisation."""

import pytest

from bot.core.lang.detect import detect_language
from bot.core.lang.text import normalize, to_ascii_digits, tokens


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("كوييز", "کوییز"),  # Arabic kaf and yeh
        ("می‌شه", "می شه"),  # ZWNJ
        ("تَمرین", "تمرین"),  # diacritics
        ("۱۲۳", "123"),
        ("١٢٣", "123"),
        ("QUIZ  3", "quiz 3"),
        ("آزمون", "ازمون"),
        ("٪۰٫۵", "%0.5"),
    ],
)
def test_normalize_folds_equivalent_spellings(left, right):
    """Spellings that students mean the same way normalise to the same text."""
    assert normalize(left) == normalize(right)


def test_to_ascii_digits_reads_all_digit_scripts():
    """Persian and Arabic-Indic digits become ASCII; other text is untouched."""
    assert to_ascii_digits("کوییز ۳ و ٤ and 5") == "کوییز 3 و 4 and 5"


def test_tokens_split_words_and_drop_punctuation():
    """Tokens are lowercase words and numbers without punctuation."""
    assert tokens("When is Quiz-3?!") == ["when", "is", "quiz", "3"]


@pytest.mark.parametrize(
    ("text", "lang"),
    [("when is quiz 3", "en"), ("کوییز ۳ کیه", "fa"), ("CA2 کی تحویله؟", "fa"), ("", "en")],
)
def test_detect_language(text, lang):
    """Text in Persian script is Persian, even with a Latin item label in it."""
    assert detect_language(text) == lang
