"""Staff end to end against the Bot API double: /stats labels topics the way it counts
answers."""

from __future__ import annotations

import re

import pytest

from bot.core.engine import Engine as AnswerEngine
from bot.core.loader import load_course
from bot.settings import Settings
from tests.conftest import ADMIN, NOW, STUDENT, Bot

pytestmark = pytest.mark.anyio

# Answered from a computation over the calendar, not from one knowledge-base entry.
COMPUTED = "is there any workshop during the modeling part?"


async def test_stats_labels_answered_questions_without_an_entry_as_computed(
    bot: Bot, settings: Settings
) -> None:
    """An answered question with no knowledge-base entry counts under "computed/other", so
    the "unanswered" topic matches the answered rate."""
    answer = AnswerEngine(load_course(settings.course_path())).answer(COMPUTED, NOW, "en")
    assert answer.answered and not answer.used, "pick another computed question"
    await bot.ask(STUDENT, COMPUTED)
    await bot.ask(STUDENT, "when is quiz 3")
    await bot.ask(STUDENT, "is there free parking near the faculty?")
    stats = await bot.ask(ADMIN, "/stats")
    assert "Questions: 3" in stats and "Answered: 2 (67%)" in stats
    topics = dict(re.findall(r"• (\S+): (\d+)", stats))
    assert topics == {"computed/other": "1", "quiz-3": "1", "unanswered": "1"}
