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
_PERSIAN_SCRIPT = re.compile(r"[\u0600-\u06ff]")
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


def detect_language(text: str) -> str:
    """Return "fa" for text mostly in Persian script or in Finglish, otherwise "en"."""
    persian = len(_PERSIAN_SCRIPT.findall(text))
    latin = sum(1 for ch in text if "a" <= ch.lower() <= "z")
    if persian and persian >= latin / 2:
        return "fa"
    # Imported here: the lexicon is loaded with this module's normalisation.
    from bot.core.finglish import is_finglish
    from bot.core.lexicon import lexicon

    if persian and set(tokens(text)) & set(lexicon().words.question):
        return "fa"  # a Persian question around an English title: "کتاب … مال کیه"

    return "fa" if latin and is_finglish(text) else "en"
