"""Ask the engine without letting a date it cannot reckon with end the asking.

Python's calendar ends at the years 1 and 9999: a question naming a day near or past those
("what weekday is 31 December 9999") can overflow somewhere in the engine's date arithmetic.
That is the asker's date, not the bot's fault: the answer says so, and the next question is
answered as usual, in the command line and in the bot alike.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core.answering.answer import Answer
from bot.core.answering.dialogue import Context
from bot.core.answering.engine import Engine
from bot.core.lang.detect import detect_language
from bot.core.lang.i18n import t

log = logging.getLogger(__name__)

# The decline reason such an answer carries (the question log counts it as declined).
OUT_OF_RANGE = "date-out-of-range"


def answer(
    engine: Engine,
    question: str,
    now: datetime,
    lang: str | None = None,
    context: Context | None = None,
) -> Answer:
    """Return the engine's answer, or, for a date beyond the calendar, one line saying so."""
    try:
        return engine.answer(question, now, lang, context=context)
    except (OverflowError, ValueError) as error:
        # ValueError is also what date() raises for a year out of range.
        log.warning("a date in a question is beyond the calendar: %s", error)
        reply_lang = lang if lang in ("en", "fa") else detect_language(question)
        text = t(reply_lang, "answer.out_of_range")
        return Answer(False, text, reply_lang, declined=OUT_OF_RANGE)
