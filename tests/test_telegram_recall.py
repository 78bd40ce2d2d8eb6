"""Replies recall the user's language choice and the chat's context from memory on SQLite,
exactly (written through, loaded at start), and from the database on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot import storage
from bot.core.answering.dialogue import FOLLOW_UP_WINDOW, Context
from bot.core.answering.query import Op, Query, Subject
from bot.settings import Settings
from bot.telegram.recall import Recall
from bot.telegram.store import Store
from tests.conftest import NOW, STUDENT, Bot, Clock, running_bot
from tests.support.bot_api import BotApiDouble
from tests.support.postgres import PostgresServer
from tests.test_telegram_followups import (
    LEAD_TA_EMAIL,
    QUIZ_3_DATE,
    QUIZ_4_DATE,
    replica,
    text_update,
)

pytestmark = pytest.mark.anyio

PERSIAN_ESFAND = "اسفند"


@contextmanager
def reads_held(db: Engine) -> Iterator[list[str]]:
    """Hold every statement the store's reader threads run until the block ends; yield the
    statements that were held."""
    gate = threading.Event()
    held: list[str] = []

    def hold(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if threading.current_thread().name.startswith("db-read"):
            held.append(statement)
            gate.wait(10)

    event.listen(db, "before_cursor_execute", hold)
    try:
        yield held
    finally:
        gate.set()
        event.remove(db, "before_cursor_execute", hold)


async def choose_persian(bot: Bot) -> None:
    """Press فارسی under /language and wait for the confirmation."""
    await bot.ask(STUDENT, "/language")
    menu = bot.api.messages_to(STUDENT)[-1]
    bot.api.push_callback(STUDENT, "lang:fa", menu.message_id)
    await bot.wait(lambda r: r.method == "editMessageText")
    await bot.handled()


async def test_replies_need_no_database_read_on_sqlite(bot: Bot, db: Engine) -> None:
    """With the database's reads held, a /language choice and a context written a moment
    before are recalled: the follow-up is answered, in Persian, leaning on the question."""
    await choose_persian(bot)
    with reads_held(db) as held:
        assert PERSIAN_ESFAND in await bot.ask(STUDENT, "when is quiz 3?")
        follow_up = await bot.ask(STUDENT, "and quiz 4?")
        assert "فروردین" in follow_up and PERSIAN_ESFAND not in follow_up
        assert held == []


async def test_choices_and_fresh_contexts_are_back_after_a_restart(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """A new application on the same file recalls the /language choice and the context still
    within the follow-up window from memory, with the database's reads held."""
    async with running_bot(api, settings, clock, db) as bot:
        await choose_persian(bot)
        await bot.ask(STUDENT, "who is the lead TA?")
    clock.advance(minutes=5)
    again = storage.make_engine(settings.database_url)
    try:
        async with running_bot(api, settings, clock, again) as bot:
            with reads_held(again) as held:
                reply = await bot.ask(STUDENT, "his email?")
                assert LEAD_TA_EMAIL in reply and not reply.isascii()
                assert held == []
    finally:
        again.dispose()


@pytest.mark.parametrize(
    "stored",
    [
        {"query": "not an object", "subject": {}, "at": NOW.isoformat()},
        {"query": {"op": "lookup"}, "subject": {}, "at": NOW.replace(tzinfo=None).isoformat()},
        {"query": {"op": "no-such-operation"}, "subject": {}, "at": NOW.isoformat()},
    ],
    ids=["query-not-an-object", "time-without-zone", "unknown-operation"],
)
async def test_a_stored_context_this_version_cannot_read_is_left_out_at_start(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine, stored: dict[str, Any]
) -> None:
    """A context of another shape found at start (another version wrote it) is no context:
    the bot starts, answers, and the question's own context serves the follow-up."""
    storage.save_context(db, STUDENT, STUDENT, stored, NOW)
    async with running_bot(api, settings, clock, db) as bot:
        assert QUIZ_3_DATE in await bot.ask(STUDENT, "when is quiz 3?")
        assert QUIZ_4_DATE in await bot.ask(STUDENT, "and quiz 4?")


async def test_memory_drops_contexts_past_the_follow_up_window(db: Engine, clock: Clock) -> None:
    """Recall.forget drops from memory the contexts from before its moment, keeps the later
    ones, and they are not read back from the database on SQLite."""
    store = Store()
    try:
        recall = Recall(db, store, clock)
        old = Context(Query(Op.LOOKUP), Subject(), NOW)
        new = Context(Query(Op.LOOKUP), Subject(), NOW + FOLLOW_UP_WINDOW)
        recall.keep(STUDENT, STUDENT, old, NOW)
        recall.keep(STUDENT + 1, STUDENT + 1, new, NOW + FOLLOW_UP_WINDOW)
        await store.written()
        assert await recall.context(STUDENT, STUDENT) is old
        recall.forget(NOW + FOLLOW_UP_WINDOW / 2)
        assert await recall.context(STUDENT, STUDENT) is None
        assert await recall.context(STUDENT + 1, STUDENT + 1) is new
    finally:
        store.close()


async def test_a_choice_another_replica_wrote_is_read_on_postgresql(
    api: BotApiDouble, settings: Settings, clock: Clock, postgres: PostgresServer
) -> None:
    """On PostgreSQL a /language choice written to the database by another replica after the
    start is read for the next reply."""
    url = postgres.create_database()
    shared = settings.model_copy(update={"database_url": url})
    api.add_chat(STUDENT)
    async with replica(api, shared, clock, url) as only:
        await only.post(text_update(STUDENT, "when is quiz 3?"))
        storage.set_language(only.db, STUDENT, "fa", clock())
        await only.post(text_update(STUDENT, "when is quiz 3?"))
    first, second = (r.plain_text or "" for r in api.messages_to(STUDENT))
    assert PERSIAN_ESFAND not in first and PERSIAN_ESFAND in second
