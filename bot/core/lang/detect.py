"""Tell which language a message is written in: English, or Persian in either script."""

from __future__ import annotations

import re

from bot.core.lang.finglish import is_finglish
from bot.core.lang.lexicon import lexicon
from bot.core.lang.text import tokens

_PERSIAN_SCRIPT = re.compile(r"[\u0600-\u06ff]")


def detect_language(text: str) -> str:
    """Return "fa" for text mostly in Persian script or in Finglish, otherwise "en"."""
    persian = len(_PERSIAN_SCRIPT.findall(text))
    latin = sum(1 for ch in text if "a" <= ch.lower() <= "z")
    if persian and persian >= latin / 2:
        return "fa"
    if persian and set(tokens(text)) & set(lexicon().words.question):
        return "fa"  # a Persian question around an English title: "کتاب … مال کیه"
    return "fa" if latin and is_finglish(text) else "en"
