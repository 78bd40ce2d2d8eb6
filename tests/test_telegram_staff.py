"""Staff end to end against the Bot API double: /stats labels topics the way it counts
answers, and the flood limit leaves the admins alone."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy.engine import Engine

from bot.core.answering.engine import Engine as AnswerEngine
from bot.core.loader import load_course
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
    await bot.ask(STUDENT, "is there free parking near the faculty?")
    stats = await bot.ask(ADMIN, "/stats")
    assert "Questions: 3" in stats and "Answered: 2 (67%)" in stats
    topics = dict(re.findall(r"• (\S+): (\d+)", stats))
    assert topics == {"computed/other": "1", "quiz-3": "1", "unanswered": "1"}


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
