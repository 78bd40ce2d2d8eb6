"""/schedule before, during and after the term, end to end against the Bot API double: the
weeks it opens on, what it says about the term, and that every button it offers pages."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.core.course.course import Course
from bot.core.course.loader import load_course
from bot.core.lang.calendar import format_date
from bot.core.render.views import event_title
from bot.settings import Settings
from tests.conftest import NOW, STUDENT, TEHRAN, Bot, Clock, running_bot
from tests.support.bot_api import BotApiDouble

pytestmark = pytest.mark.anyio


def _morning(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=TEHRAN)


# When each case asks, from the course: well before the first class, mid-term, long after.
MOMENTS = {
    "before": lambda course: _morning(course.first_day() - timedelta(days=45)),
    "during": lambda course: NOW,
    "after": lambda course: _morning(course.last_day() + timedelta(days=400)),
}


def _buttons(markup: object) -> dict[str, str]:
    """Return a keyboard's buttons as {label: callback data}."""
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return {button["text"]: button["callback_data"] for row in rows for button in row}


async def _schedule_and_press_all(bot: Bot, lang: str) -> tuple[str, dict[str, str], list[str]]:
    """Send /schedule, press each button it offers; return the reply, its buttons, the edits."""
    bot.api.push_text(STUDENT, "/schedule", language_code=lang)
    sent = await asyncio.to_thread(bot.api.wait_for_count, 1, "sendMessage", 5.0, chat_id=STUDENT)
    message = sent[-1]
    assert message.message_id is not None
    buttons = _buttons(message.reply_markup)
    for pressed, data in enumerate(buttons.values(), 1):
        bot.api.push_callback(STUDENT, data, message.message_id)
        await asyncio.to_thread(bot.api.wait_for_count, pressed, "editMessageText", 5.0)
    await bot.handled()
    answers = [str(answer.get("text") or "") for answer in bot.api.callback_answers]
    assert len(answers) == len(buttons)
    assert not [a for a in answers if "expired" in a or "منقضی" in a], answers
    edits = [r.plain_text or "" for r in bot.api.sent if r.method == "editMessageText"]
    return message.plain_text or "", buttons, edits


async def _run(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine, when: str, lang: str
) -> tuple[Course, str, dict[str, str], list[str]]:
    course = load_course(settings.course_path())
    clock.now = MOMENTS[when](course)
    async with running_bot(api, settings, clock, db) as bot:
        reply, buttons, edits = await _schedule_and_press_all(bot, lang)
    return course, reply, buttons, edits


async def test_after_the_term_schedule_says_so_and_shows_its_last_weeks(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """Long after the term /schedule says it is over and shows its last two weeks; both
    buttons page (none answers "expired")."""
    course, reply, buttons, edits = await _run(api, settings, clock, db, "after", "en")
    last = format_date(course.last_day(), "en")
    assert reply.startswith(f"The term is over: its last event was on {last}.")
    assert event_title(course.events[-1], "en") in reply  # the last week is shown
    assert format_date(course.last_day() - timedelta(days=7), "en") in reply
    assert set(buttons) == {"◀ Earlier", "Later ▶"}
    assert len(edits) == 2 and all("1402" in edit for edit in edits)


async def test_before_the_term_schedule_names_its_start_and_shows_its_first_weeks(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """Before the first class /schedule says when the term starts and shows its first two
    weeks, in the user's language; every button pages."""
    course, reply, buttons, edits = await _run(api, settings, clock, db, "before", "fa")
    first = format_date(course.first_day(), "fa")
    assert reply.startswith(f"ترم هنوز شروع نشده است: از {first} شروع می‌شود.")
    first_class = next(e for e in course.events if e.kind == "class")
    assert event_title(first_class, "fa") in reply
    assert len(buttons) == 2 and len(edits) == 2


async def test_during_the_term_schedule_shows_this_week_without_a_note(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """Mid-term /schedule opens on the current week with no note about the term; both buttons
    page."""
    _, reply, buttons, edits = await _run(api, settings, clock, db, "during", "en")
    assert "13 Esfand 1401" in reply.splitlines()[0]
    assert "term" not in reply.split("\n\n")[0].lower()
    assert set(buttons) == {"◀ Earlier", "Later ▶"} and len(edits) == 2
