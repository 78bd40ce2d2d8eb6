"""Text normalisation shared by the answering engine and the tests, for English and Persian."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
# Arabic letters that Persian keyboards and phones produce interchangeably with Persian ones.
_LETTERS = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "ـ": None,  # tatweel stretches words without changing them
        "\u200c": " ",  # ZWNJ joins the parts of one word; a space keeps the parts searchable
        "\u200d": None,
        "\u200f": None,
        "\u200e": None,
        "؟": "?",
        "،": ",",
        "؛": ";",
        "٪": "%",
        "٫": ".",  # Arabic decimal separator
        "٬": ",",
    }
)
_WORD = re.compile(r"[a-z0-9\u0600-\u06ff]+")


def to_ascii_digits(text: str) -> str:
    """Replace Persian and Arabic-Indic digits with ASCII ones."""
    return text.translate(_DIGITS)


@lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    """Fold case, digit forms, Arabic/Persian letter variants, ZWNJ and diacritics."""
    text = unicodedata.normalize("NFKC", text).translate(_DIGITS).translate(_LETTERS)
    # Diacritics (harakat, tanwin, shadda) are combining marks; drop them.
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(text.split())


def tokens(text: str) -> list[str]:
    """Split normalised text into word tokens."""
    return _WORD.findall(normalize(text))
