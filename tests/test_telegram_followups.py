"""End to end: follow-ups across messages ("and quiz 4?", "his email?") with the real
Application and the Bot API double, per user and chat, kept in the database."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import storage
from bot.core.answering.dialogue import FOLLOW_UP_WINDOW
from bot.settings import Settings
from bot.telegram.app import build_application
from bot.telegram.context import CourseApplication
from bot.telegram.reminder_jobs import reminders_of
from bot.telegram.web import site_of, telegram_webhook
from bot.web import create_app
from tests.conftest import NOW, STUDENT, TOKEN, Bot, Clock
from tests.support.bot_api import BotApiDouble
from tests.support.bot_api.markup import text_entities
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.anyio

GROUP = -1001234567890
FRIEND = 1002
QUIZ_3_DATE = "27 Esfand 1401"
QUIZ_4_DATE = "21 Farvardin 1402"
LEAD_TA_EMAIL = "hossein.basafa.hb@gmail.com"
WHICH_ONE = "Which one do you mean?"


def contexts(db: Engine) -> dict[tuple[int, int], storage.Conversation]:
    """Return the stored conversation rows by (chat, user)."""
    with Session(db) as session:
        rows = session.exec(select(storage.Conversation)).all()
        return {(row.chat_id, row.user_id): row for row in rows}


async def test_private_follow_ups_borrow_the_last_subject(bot: Bot) -> None:
    """In a private chat, "and quiz 4?" after quiz 3 gets quiz 4's date, and "his email?"
    after "who is the lead TA?" gets the lead TA's email."""
    assert QUIZ_3_DATE in await bot.ask(STUDENT, "when is quiz 3?")
    follow_up = await bot.ask(STUDENT, "and quiz 4?")
    assert QUIZ_4_DATE in follow_up and QUIZ_3_DATE not in follow_up
    assert "Hossein Basafa" in await bot.ask(STUDENT, "who is the lead TA?")
    assert LEAD_TA_EMAIL in await bot.ask(STUDENT, "his email?")


async def test_the_context_expires_after_the_follow_up_window(bot: Bot, clock: Clock) -> None:
    """A follow-up 9 minutes after the question still borrows its subject; 11 minutes after the
    last answer, "his email?" is asked to name its subject instead."""
    assert timedelta(minutes=9) < FOLLOW_UP_WINDOW < timedelta(minutes=11)
    await bot.ask(STUDENT, "who is the lead TA?")
    clock.advance(minutes=9)
    assert LEAD_TA_EMAIL in await bot.ask(STUDENT, "his email?")
    clock.advance(minutes=11)
    late = await bot.ask(STUDENT, "his email?")
    assert WHICH_ONE in late and LEAD_TA_EMAIL not in late


async def test_a_new_subject_replaces_the_remembered_one(bot: Bot) -> None:
    """After "when is quiz 3?" then "when is CA2 due?", "and CA3?" asks CA3's deadline (the
    last question), and "and quiz 4?" then still gets quiz 4's date."""
    await bot.ask(STUDENT, "when is quiz 3?")
    assert "CA2 is due Mon 11 Ordibehesht 1402" in await bot.ask(STUDENT, "when is CA2 due?")
    follow_up = await bot.ask(STUDENT, "and CA3?")
    # Quiz 3's lookup would open with CA3's release; the deadline question opens with its due date.
    assert follow_up.startswith("CA3 is due Mon 15 Khordad 1402")
    quiz_4 = await bot.ask(STUDENT, "and quiz 4?")
    assert QUIZ_4_DATE in quiz_4 and "CA3" not in quiz_4


async def test_in_a_group_each_user_follows_up_on_their_own_question(bot: Bot, db: Engine) -> None:
    """In a group, A asks about the lead TA and B about CA2's deadline; A's "his email?" (a
    mention) gets the lead TA's email and B's "and CA3?" (a reply to the bot) CA3's deadline."""
    bot.api.add_chat(GROUP, "supergroup")
    mention = f"@{bot.username}"
    lead = await bot.ask(STUDENT, f"{mention} who is the lead TA?", chat_id=GROUP)
    assert "Hossein Basafa" in lead
    due = await bot.ask(FRIEND, f"{mention} when is CA2 due?", chat_id=GROUP)
    assert "CA2 is due" in due
    # Chatter not addressed to the bot is not answered and leaves the context alone.
    bot.api.push_text(STUDENT, "when is quiz 3 guys?", chat_id=GROUP)
    email = await bot.ask(STUDENT, f"{mention} his email?", chat_id=GROUP)
    assert LEAD_TA_EMAIL in email and "CA2" not in email
    answer_id = bot.api.messages_to(GROUP)[-1].message_id
    follow_up = await bot.ask(FRIEND, "and CA3?", chat_id=GROUP, reply_to_message_id=answer_id)
    assert follow_up.startswith("CA3 is due Mon 15 Khordad 1402")
    assert set(contexts(db)) == {(GROUP, STUDENT), (GROUP, FRIEND)}


async def test_a_private_context_is_not_borrowed_in_a_group(bot: Bot) -> None:
    """The same user's question in their private chat is no context for their group messages."""
    bot.api.add_chat(GROUP, "supergroup")
    await bot.ask(STUDENT, "who is the lead TA?")
    reply = await bot.ask(STUDENT, f"@{bot.username} his email?", chat_id=GROUP)
    assert WHICH_ONE in reply and LEAD_TA_EMAIL not in reply


@pytest.mark.parametrize(
    "stored",
    [
        {"query": "lookup", "subject": {}, "at": NOW.isoformat()},
        {"query": {"op": "lookup"}, "subject": {}, "at": NOW.replace(tzinfo=None).isoformat()},
        {"query": {"op": "no-such-operation"}, "subject": {}, "at": NOW.isoformat()},
    ],
    ids=["query-not-an-object", "time-without-zone", "unknown-operation"],
)
async def test_a_context_this_version_cannot_read_is_no_context(
    bot: Bot, db: Engine, stored: dict[str, Any]
) -> None:
    """A stored context of another shape (another version wrote it) is ignored: the question is
    answered, and its own context replaces the unreadable one for the next follow-up."""
    storage.save_context(db, STUDENT, STUDENT, stored, NOW)
    assert QUIZ_3_DATE in await bot.ask(STUDENT, "when is quiz 3?")
    assert QUIZ_4_DATE in await bot.ask(STUDENT, "and quiz 4?")
    assert storage.load_context(db, STUDENT, STUDENT) != stored


async def test_the_forget_job_deletes_only_contexts_older_than_an_hour(
    bot: Bot, clock: Clock, db: Engine
) -> None:
    """The "forget-conversations" job, run as the job queue runs it, deletes the contexts last
    touched over an hour ago and keeps the recent ones, which still answer follow-ups."""
    (job,) = bot.app.job_queue.get_jobs_by_name("forget-conversations")
    await bot.ask(STUDENT, "who is the lead TA?")
    clock.advance(minutes=55)
    await bot.ask(FRIEND, "who is the lead TA?")
    clock.advance(minutes=6)
    await job.run(bot.app)
    assert set(contexts(db)) == {(FRIEND, FRIEND)}
    assert LEAD_TA_EMAIL in await bot.ask(FRIEND, "his email?")


# -- replicas behind one webhook ------------------------------------------------------------


@dataclass
class Replica:
    """An application fed through its webhook, as a replica behind a reverse proxy is."""

    app: CourseApplication
    db: Engine
    http: httpx.AsyncClient

    async def post(self, update: dict[str, Any]) -> None:
        """POST an update to the replica's webhook and wait until it was handled."""
        response = await self.http.post("/hook", json=update, headers={SECRET_HEADER: SECRET})
        assert response.status_code == 200
        async with asyncio.timeout(10):
            await self.app.update_queue.join()
            # The context is written after the reply, on the store's writer thread.
            await self.app.bot_data.store.written()


SECRET = "replicas-share-this-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_update_ids = itertools.count(1)


def text_update(user: int, text: str, chat_id: int | None = None) -> dict[str, Any]:
    """Return the update of a message ``user`` sends, privately unless ``chat_id`` says."""
    chat = {"id": user, "type": "private", "first_name": "S"}
    if chat_id is not None:
        chat = {"id": chat_id, "type": "supergroup", "title": "MLSD"}
    number = next(_update_ids)
    message: dict[str, Any] = {
        "message_id": number,
        "date": 0,
        "chat": chat,
        "from": {"id": user, "is_bot": False, "first_name": "S", "language_code": "en"},
        "text": text,
    }
    entities = text_entities(text)
    if entities:
        message["entities"] = entities
    return {"update_id": number, "message": message}


@asynccontextmanager
async def replica(
    api: BotApiDouble, settings: Settings, clock: Clock, url: str
) -> AsyncIterator[Replica]:
    """Start an application with a database engine of its own on ``url``, fed by webhook."""
    db = storage.make_engine(url)
    app = build_application(settings, token=TOKEN, api_url=api.base_url, clock=clock, db_engine=db)
    try:
        async with app:
            await app.post_init(app)  # type: ignore[misc]
            await app.start()
            hook = telegram_webhook(app, "https://bot.example/hook", SECRET)
            transport = httpx.ASGITransport(app=create_app(site_of(app, hook)))
            try:
                async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
                    yield Replica(app, db, http)
            finally:
                await app.stop()
        await app.post_shutdown(app)  # type: ignore[misc]
    finally:
        db.dispose()


@pytest.fixture
async def replicas(
    api: BotApiDouble, settings: Settings, clock: Clock, postgres: PostgresServer
) -> AsyncIterator[tuple[Replica, Replica]]:
    """Start two replicas on one fresh PostgreSQL database; the first one leads."""
    url = postgres.create_database()
    shared = settings.model_copy(update={"database_url": url})
    async with AsyncExitStack() as stack:
        first = await stack.enter_async_context(replica(api, shared, clock, url))
        second = await stack.enter_async_context(replica(api, shared, clock, url))
        yield first, second


async def test_another_replica_answers_the_follow_up(
    api: BotApiDouble, replicas: tuple[Replica, Replica]
) -> None:
    """A follow-up that reaches another replica than its question leans on the context the
    first one saved in the shared database, in a private chat and in a group."""
    first, second = replicas
    api.add_chat(STUDENT)
    api.add_chat(GROUP, "supergroup")
    await first.post(text_update(STUDENT, "who is the lead TA?"))
    await second.post(text_update(STUDENT, "his email?"))
    mention = f"@{api.bot_user['username']}"
    await first.post(text_update(FRIEND, f"{mention} when is CA2 due?", GROUP))
    await second.post(text_update(FRIEND, f"{mention} and CA3?", GROUP))
    private = [r.plain_text or "" for r in api.messages_to(STUDENT)]
    assert len(private) == 2 and LEAD_TA_EMAIL in private[1]
    group = [r.plain_text or "" for r in api.messages_to(GROUP)]
    # Asked afresh, "and CA3?" would open with CA3's release, not with its deadline.
    assert len(group) == 2 and group[1].startswith("CA3 is due Mon 15 Khordad 1402")


async def test_only_the_leading_replica_forgets_old_contexts(
    clock: Clock, replicas: tuple[Replica, Replica]
) -> None:
    """The forget job does nothing on a replica that does not lead; on the leader it deletes
    the contexts over an hour old."""
    first, second = replicas
    assert reminders_of(first.app).leading and not reminders_of(second.app).leading
    storage.save_context(first.db, STUDENT, STUDENT, {"old": True}, clock())
    clock.advance(minutes=61)
    (follower_job,) = second.app.job_queue.get_jobs_by_name("forget-conversations")
    await follower_job.run(second.app)
    assert set(contexts(first.db)) == {(STUDENT, STUDENT)}
    (leader_job,) = first.app.job_queue.get_jobs_by_name("forget-conversations")
    await leader_job.run(first.app)
    assert contexts(first.db) == {}
