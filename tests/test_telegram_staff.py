"""Staff end to end against the Bot API double: /stats labels topics the way it counts
answers, and the flood limit leaves the admins alone."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy.engine import Engine

from bot.core.answering.engine import Engine as AnswerEngine
from bot.core.course.loader import load_course
from bot.settings import Settings
from tests.conftest import ADMIN, NOW, STUDENT, Bot, Clock, running_bot
from tests.support.bot_api import BotApiDouble

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
    await bot.ask(STUDENT, "is there a party?")
    stats = await bot.ask(ADMIN, "/stats")
    assert "Questions: 3" in stats and "Answered: 2 (67%)" in stats
    topics = dict(re.findall(r"• (\S+): (\d+)", stats))
    assert topics == {"computed/other": "1", "quiz-3": "1", "unanswered": "1"}


async def test_a_new_unknown_question_shows_under_declines_asked_often(
    bot: Bot, clock: Clock
) -> None:
    """Seven "when is quiz 0" (declined: the course has 7 quizzes) and a midterm question (not
    in the syllabus) are not unanswered; a new question the bot did not know is listed, also
    among the most recent, and typing an inline query counts as one question."""
    for _ in range(7):
        assert "7 quizzes" in await bot.ask(STUDENT, "when is quiz 0")
    await bot.ask(STUDENT, "ميانترم داريم؟")
    for _ in range(3):
        await bot.ask(STUDENT + 1, "is there a party?")
    clock.advance(minutes=5)
    await bot.ask(STUDENT + 2, "do we get snacks")
    for end in range(1, len("who won the football match") + 1):
        bot.api.push_inline_query(STUDENT + 3, "who won the football match"[:end])
    await bot.handled()
    unanswered = await bot.ask(ADMIN, "/unanswered")
    assert "quiz 0" not in unanswered and "ميانترم" not in unanswered
    frequent, recent = unanswered.split("Most recent unanswered questions:")
    assert "is there a party? — 3×" in frequent
    assert recent.index("who won the football match") < recent.index("do we get snacks")
    assert "who won the football matc —" not in unanswered  # nor the keystrokes before it
    stats = await bot.ask(ADMIN, "/stats")
    assert "Questions: 13" in stats and "Declined with an answer: 8 (62%)" in stats
    assert "Did not know: 5 (38%)" in stats and "1 of the questions were asked inline" in stats


async def test_admins_are_not_held_by_the_flood_limit(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """Past flood_limit messages a minute an admin's commands are still run; a student's are
    not."""
    limited = settings.model_copy(update={"flood_limit": 3})
    async with running_bot(api, limited, clock, db) as bot:
        for _ in range(6):
            api.push_text(ADMIN, "/next")
            api.push_text(STUDENT, "/next")
        await asyncio.to_thread(api.wait_for_count, 6, "sendMessage", 5.0, chat_id=ADMIN)
        reload = await bot.ask(ADMIN, "/reload")
    assert "Reloaded" in reload and "too fast" not in reload
    admin = [r.plain_text or "" for r in api.messages_to(ADMIN)]
    assert len(admin) == 7
    assert sum("The next quiz" in text for text in admin) == 6
    student = [r.plain_text or "" for r in api.messages_to(STUDENT)]
    assert len(student) == 4 and sum("too fast" in text for text in student) == 1
