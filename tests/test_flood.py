"""The flood guard: a student exploring the bot is never held back, every tap is answered,
and a real flood is held while others are served."""

from __future__ import annotations

import asyncio
import types
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from telegram import Update

from bot.settings import Settings
from bot.telegram.flood import FloodGuard
from bot.telegram.guards import IGNORE, SERVE, WARN, screen
from tests.conftest import ADMIN, NOW, STUDENT, Bot, Clock, running_bot
from tests.support.bot_api import BotApiDouble

pytestmark = pytest.mark.anyio

BOT = types.SimpleNamespace(username="mlsd_test_bot", id=4242)
OTHER = STUDENT + 1
TOO_FAST = "too fast"


def _update(update_id: int, **kind: Any) -> Update:
    user = {"id": STUDENT, "is_bot": False, "first_name": "S"}
    chat = {"id": STUDENT, "type": "private"}
    if kind.get("message"):
        payload = {
            "message": {"message_id": 1, "date": 0, "chat": chat, "from": user, "text": "hi"}
        }
    elif kind.get("tap"):
        payload = {"callback_query": {"id": "1", "from": user, "chat_instance": "1", "data": "x"}}
    else:
        payload = {"inline_query": {"id": "1", "from": user, "query": "quiz", "offset": ""}}
    return Update.de_json({"update_id": update_id, **payload}, None)


def test_the_allowance_refills_so_a_student_who_slows_down_is_served_at_once() -> None:
    """Past the burst a message is refused; 60/limit seconds later exactly one more is allowed."""
    clock = Clock(NOW)
    guard = FloodGuard(3, clock)
    assert [guard.allow(STUDENT) for _ in range(4)] == [True, True, True, False]
    clock.advance(seconds=20)
    assert [guard.allow(STUDENT) for _ in range(2)] == [True, False]
    clock.advance(seconds=60)
    assert [guard.allow(STUDENT) for _ in range(4)] == [True, True, True, False]


def test_taps_and_inline_queries_do_not_count_against_messages() -> None:
    """Button taps and inline keystrokes are served past the message limit, and do not use it."""
    guard = FloodGuard(2, Clock(NOW))
    interactions = [screen(_update(n, tap=n % 2), BOT, guard) for n in range(6)]
    assert interactions == [SERVE] * 6
    messages = [screen(_update(10 + n, message=True), BOT, guard) for n in range(4)]
    assert messages == [SERVE, SERVE, WARN, IGNORE]


def test_a_tap_past_its_own_allowance_still_carries_an_answer() -> None:
    """A script tapping without pause is held back, but each tap is given the notice (WARN)."""
    guard = FloodGuard(1, Clock(NOW))
    verdicts = [screen(_update(n, tap=True), BOT, guard) for n in range(8)]
    assert SERVE in verdicts and verdicts[-1] == WARN and IGNORE not in verdicts
    inline = [screen(_update(20 + n), BOT, guard) for n in range(8)]
    assert inline[-1] == IGNORE  # an inline query has no spinner to stop


def _buttons(record: Any) -> dict[str, str]:
    rows = (record.reply_markup or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row if "callback_data" in b}


async def _type_inline(bot: Bot, user: int, query: str) -> int:
    """Push one inline query per keystroke, as a Telegram client does; return how many."""
    for end in range(1, len(query) + 1):
        bot.api.push_inline_query(user, query[:end])
    return len(query)


async def test_the_reported_exploring_session_is_served_in_full(bot: Bot) -> None:
    """An inline query typed key by key, /schedule paged four times, three questions and /next
    (the 21st update and beyond) are all answered, with no "too fast"."""
    keystrokes = await _type_inline(bot, STUDENT, "when is quiz 3")
    await bot.ask(STUDENT, "/schedule")
    schedule = bot.api.messages_to(STUDENT)[-1]
    for _ in range(4):
        later = next(data for text, data in _buttons(schedule).items() if "▶" in text)
        edits = len([r for r in bot.api.sent if r.method == "editMessageText"])
        bot.api.push_callback(STUDENT, later, schedule.message_id or 0)
        await asyncio.to_thread(bot.api.wait_for_count, edits + 1, "editMessageText", 5.0)
        schedule = [r for r in bot.api.sent if r.method == "editMessageText"][-1]
    for question in ("when is CA2 due", "how is the course graded", "who are the TAs"):
        assert TOO_FAST not in await bot.ask(STUDENT, question)
    assert "The next quiz" in await bot.ask(STUDENT, "/next")
    await bot.handled()
    assert len(bot.api.callback_answers) == 4
    assert len(bot.api.inline_answers) == keystrokes
    assert not [r for r in bot.api.messages_to(STUDENT) if TOO_FAST in (r.plain_text or "")]


# A minute of exploring: 25 messages, 15 taps on the schedule's buttons, 2 inline queries.
SESSION = [
    "/start", "/next", "/schedule", "tap", "tap", "when is quiz 3", "/deadlines", "/quizzes",
    "inline:quiz 3", "/grading", "/schedule", "tap", "tap", "tap", "when is CA2 due", "/staff",
    "/policies", "who are the TAs", "/links", "/schedule", "tap", "tap", "tap", "tap",
    "/references", "what is the late policy", "/subscribe", "/help", "inline:CA2 due",
    "where is the class", "/next", "/schedule", "tap", "tap", "tap", "how many quizzes",
    "/calendar", "کوییز سوم کیه؟", "/schedule", "tap", "tap", "tap",
]  # fmt: skip


async def test_a_scripted_minute_of_exploring_is_never_held_back(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """With the default limit, 25 messages, 15 taps and 2 inline queries in 60 s are all served."""
    default = Settings.model_fields["flood_limit"].default
    explorer = settings.model_copy(update={"flood_limit": default})
    messages = [step for step in SESSION if step != "tap" and not step.startswith("inline:")]
    assert (len(messages), SESSION.count("tap")) == (25, 15)
    step_time = 60 / len(SESSION)
    async with running_bot(api, explorer, clock, db) as bot:
        for step in SESSION:
            if step == "tap":
                shown = [r for r in api.sent if _buttons(r) and r.chat_id == STUDENT]
                schedule = shown[-1]
                data = next(iter(_buttons(schedule).values()))
                api.push_callback(STUDENT, data, schedule.message_id or 0)
            elif step.startswith("inline:"):
                await _type_inline(bot, STUDENT, step.removeprefix("inline:"))
            else:
                api.push_text(STUDENT, step)
            await bot.handled()
            clock.advance(seconds=step_time)
    assert len(api.callback_answers) == 15
    assert len(api.inline_answers) == len("quiz 3") + len("CA2 due")
    replies = [r.plain_text or "" for r in api.messages_to(STUDENT)]
    assert len(replies) == 25
    assert not [text for text in replies if TOO_FAST in text]


async def test_a_flood_is_held_and_others_and_taps_are_still_served(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """Past the limit a flood gets one notice and no more; the flooder's taps are answered,
    other students are answered, and a flooder who slows down is answered again at once."""
    limited = settings.model_copy(update={"flood_limit": 5})
    async with running_bot(api, limited, clock, db) as bot:
        await bot.ask(STUDENT, "/schedule")
        schedule = api.messages_to(STUDENT)[-1]
        for n in range(40):
            api.push_text(STUDENT, f"flood {n}")
        api.push_callback(STUDENT, next(iter(_buttons(schedule).values())), schedule.message_id)
        assert "The next quiz" in await bot.ask(OTHER, "/next")
        await bot.handled()
        flood = [r.plain_text or "" for r in api.messages_to(STUDENT)][1:]
        assert len(flood) == 4 + 1  # the rest of the burst, then the notice once
        assert sum(TOO_FAST in text for text in flood) == 1
        assert len(api.callback_answers) == 1
        for n in range(10):
            api.push_text(STUDENT, f"still flooding {n}")
        await bot.handled()
        assert len(api.messages_to(STUDENT)) == 1 + 5  # no second notice within the minute
        clock.advance(seconds=12)  # one message's worth of allowance at 5 a minute
        assert "The next quiz" in await bot.ask(STUDENT, "/next")
        assert "The next quiz" in await bot.ask(ADMIN, "/next")
