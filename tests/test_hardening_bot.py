"""The real Application against the Bot API double when things go wrong: the database file
vanishing, edited messages, forged buttons, broken text and oversized reports."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.settings import Settings
from bot.telegram.reminders import reminders_of
from tests.conftest import ADMIN, CHANNEL_ID, STUDENT, Bot, Clock, running_bot
from tests.support.bot_api import BotApiDouble
from tests.test_reminders import QUIZ3_1D, reminder

pytestmark = pytest.mark.anyio


def _database_file(settings: Settings) -> Path:
    return Path(settings.database_url.removeprefix("sqlite:///"))


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Read the file on disk with a fresh connection, not the bot's pooled ones."""
    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchall()


async def test_deleted_state_folder_is_recreated_reported_once_and_kept(
    bot: Bot, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Deleting the state folder: ERROR in the log, one message to the admins, a new file
    that keeps what is written afterwards, and students still answered."""
    path = _database_file(settings)
    bot.api.add_chat(ADMIN)
    assert "27 Esfand" in await bot.ask(STUDENT, "when is quiz 3")
    shutil.rmtree(path.parent)
    with caplog.at_level(logging.ERROR, logger="bot.telegram.database"):
        assert "27 Esfand" in await bot.ask(STUDENT, "when is quiz 3?")
        assert "quiz" in (await bot.ask(STUDENT, "when is the next quiz")).lower()
    await asyncio.to_thread(bot.api.wait_for_count, 1, "sendMessage", 5.0, chat_id=ADMIN)
    await bot.settle()
    to_admin = bot.api.messages_to(ADMIN)
    assert len(to_admin) == 1
    assert "deleted or replaced" in (to_admin[0].plain_text or "")
    assert any("deleted or replaced" in r.getMessage() for r in caplog.records)
    assert path.exists()
    logged = _rows(path, "select question from questionlog order by id")
    assert logged == [("when is quiz 3?",), ("when is the next quiz",)]


async def test_a_reminder_delivered_after_the_file_vanished_is_recorded_in_the_new_one(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """A delivery recorded just after the database file was deleted lands in the new file,
    and reminders already due before are marked handled there, not sent again."""
    quiz = reminder(f"{QUIZ3_1D}/channel")
    clock.now = quiz.due_at - timedelta(minutes=1)
    path = _database_file(settings)
    async with running_bot(api, settings, clock, db) as bot:
        path.unlink()
        clock.now = quiz.due_at
        await reminders_of(bot.app).deliver(quiz)
        await bot.settle()
    assert len(api.messages_to(CHANNEL_ID)) == 1
    assert path.exists()
    rows = dict(_rows(path, "select key, status from delivery where key like 'quiz:quiz-3/%'"))
    assert rows == {f"{QUIZ3_1D}/channel": "sent"}
    earlier = dict(_rows(path, "select key, status from delivery where key like 'quiz:quiz-2/%'"))
    assert earlier and set(earlier.values()) == {"skipped"}
    # Another start at the same moment finds the record and sends nothing more.
    async with running_bot(api, settings, clock, db) as bot:
        await bot.settle(0.5)
    assert len(api.messages_to(CHANNEL_ID)) == 1
