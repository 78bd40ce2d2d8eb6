"""A moved quiz or deadline reaches the channel and every subscriber of its kind by direct
message, once, in their language; and /next after the term says it is over in one line."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.core.course.loader import load_course
from bot.settings import Settings
from tests.conftest import ADMIN, CHANNEL_ID, STUDENT, TEHRAN, Bot, Clock, running_bot
from tests.support.bot_api import BotApiDouble
from tests.test_reminders import english, received, statuses, subscribe

pytestmark = pytest.mark.anyio

DEADLINES, QUIZZES, EVERYTHING = 2001, 2002, 2003
MOVED_EN = (
    "📌 CA1 due moved from Mon 29 Esfand 1401 (20 Mar 2023), 23:59 "
    "to Wed 2 Farvardin 1402 (22 Mar 2023), 23:59."
)


def move_ca1(course_file: Path, due: str = "2 Farvardin 1402") -> None:
    """Give CA1 an explicit deadline in the course file."""
    text = course_file.read_text(encoding="utf-8")
    assert "      - assignment: 1\n" in text
    moved = text.replace("      - assignment: 1\n", f"      - assignment: 1\n        due: {due}\n")
    course_file.write_text(moved, encoding="utf-8")


def subscribers(api: BotApiDouble, db: Engine) -> None:
    subscribe(api, db, DEADLINES, "deadlines", lang="en")
    subscribe(api, db, QUIZZES, "quizzes", lang="en")
    subscribe(api, db, EVERYTHING, "all", lang="fa")


def notices(api: BotApiDouble, chat: int) -> list[str]:
    return [text for text in received(api, chat) if "📌" in text]


async def test_a_moved_deadline_reaches_its_subscribers_once_in_their_language(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine, course_file: Path
) -> None:
    """After /reload moves CA1's deadline, the channel and the deadline and "everything"
    subscribers hear of it once (Persian for the Persian reader); quiz subscribers do not."""
    subscribers(api, db)
    async with running_bot(api, english(settings), clock, db) as bot:
        await bot.idle()
        move_ca1(course_file)
        assert "Reloaded" in await bot.ask(ADMIN, "/reload")
        await bot.idle()
        assert "Reloaded" in await bot.ask(ADMIN, "/reload")  # nothing new: nothing sent
        await bot.idle()
    assert notices(api, CHANNEL_ID) == [MOVED_EN]
    assert notices(api, DEADLINES) == [MOVED_EN]
    assert notices(api, QUIZZES) == []
    persian = notices(api, EVERYTHING)
    assert len(persian) == 1
    assert "تغییر کرد" in persian[0] and "۲ فروردین ۱۴۰۲" in persian[0]
    key = "moved:deadline:ca-1/from 2023-03-20T20:29:00Z"
    assert statuses(db, key) == {"sent": 3}


async def test_without_a_channel_subscribers_still_hear_of_a_move(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine, course_file: Path
) -> None:
    """A bot with no channel still tells the subscribers of a moved deadline."""
    subscribers(api, db)
    no_channel = settings.model_copy(update={"channel": None})
    async with running_bot(api, no_channel, clock, db) as bot:
        await bot.idle()
        move_ca1(course_file)
        assert "Reloaded" in await bot.ask(ADMIN, "/reload")
        await bot.idle()
    assert notices(api, DEADLINES) == [MOVED_EN]
    assert notices(api, CHANNEL_ID) == []


async def test_a_restart_finishes_the_notice_without_repeating_it(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine, course_file: Path
) -> None:
    """A move noticed while a subscriber could not be reached is told to them at the next
    start; those already told are not told again, and the channel is not posted twice."""
    subscribers(api, db)
    async with running_bot(api, english(settings), clock, db) as bot:
        await bot.idle()
        move_ca1(course_file)
        # A send to the "everything" subscriber fails in a way worth trying again later.
        api.fail_next("sendMessage", 409, "Conflict", chat_id=EVERYTHING)
        assert "Reloaded" in await bot.ask(ADMIN, "/reload")
        await bot.idle()
    told_first = {chat: len(notices(api, chat)) for chat in (CHANNEL_ID, DEADLINES, EVERYTHING)}
    async with running_bot(api, english(settings), clock, db) as bot:
        await bot.idle()
    told = {chat: len(notices(api, chat)) for chat in (CHANNEL_ID, DEADLINES, EVERYTHING)}
    assert told == {CHANNEL_ID: 1, DEADLINES: 1, EVERYTHING: 1}, (told_first, told)


async def test_next_after_the_term_says_it_is_over_in_one_line(bot: Bot, clock: Clock) -> None:
    """/next after the term is one line: the term is over, and the date of its last event."""
    course = load_course(bot.app.bot_data.settings.course_path())
    clock.now = datetime.combine(course.last_day() + timedelta(days=30), datetime.min.time())
    clock.now = clock.now.replace(tzinfo=TEHRAN)
    reply = await bot.ask(STUDENT, "/next")
    assert reply == "The term is over: its last event was on Sat 10 Tir 1402 (1 Jul 2023)."
    persian = await bot.ask(STUDENT + 1, "/next", language_code="fa")
    assert persian.count("\n") == 0 and "ترم تمام شده" in persian
