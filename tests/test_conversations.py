"""The conversation table keeps each user's follow-up context per chat, the same on SQLite and
on a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import storage
from bot.core.answering.dialogue import Context
from bot.core.answering.engine import Engine as AnsweringEngine
from bot.core.course.loader import load_course
from bot.storage.database import from_db
from tests.conftest import COURSE_FILE, NOW

# A supergroup's id: negative and wider than 32 bits, like Telegram's.
GROUP = -1001234567890
USER, OTHER = 1001, 7_123_456_789


@pytest.fixture(scope="module")
def answering() -> AnsweringEngine:
    """Return the answering engine on the shipped course (loaded once: it takes a while)."""
    return AnsweringEngine(load_course(COURSE_FILE))


def context_of(engine: AnsweringEngine, question: str) -> dict[str, Any]:
    """Return the context the engine remembers after ``question``, as stored data."""
    context = engine.answer(question, NOW, "en").context
    assert context is not None, question
    return context.to_dict()


@pytest.fixture
def store(database_url: str) -> Iterator[Engine]:
    """Return an engine on a fresh database of each backend, with the schema in place."""
    engine = storage.make_engine(database_url)
    yield engine
    engine.dispose()


def rows(store: Engine) -> list[storage.Conversation]:
    with Session(store) as session:
        return list(session.exec(select(storage.Conversation)).all())


def test_a_context_round_trips_through_the_table(store: Engine, answering: AnsweringEngine) -> None:
    """A saved engine context loads back equal, and rebuilds the same Context."""
    saved = context_of(answering, "who is the lead TA?")
    storage.save_context(store, USER, USER, saved, NOW)
    loaded = storage.load_context(store, USER, USER)
    assert loaded == saved
    assert Context.from_dict(loaded) == Context.from_dict(saved)
    assert Context.from_dict(loaded).subject.person == "basafa"


def test_saving_again_replaces_the_context_and_its_time(
    store: Engine, answering: AnsweringEngine
) -> None:
    """A second save for the same chat and user replaces the context and moves updated_at."""
    storage.save_context(store, USER, USER, context_of(answering, "when is quiz 3?"), NOW)
    later = NOW + timedelta(minutes=3)
    quiz_4 = context_of(answering, "when is quiz 4?")
    storage.save_context(store, USER, USER, quiz_4, later)
    assert storage.load_context(store, USER, USER) == quiz_4
    (row,) = rows(store)
    assert from_db(row.updated_at) == later.astimezone(UTC)


def test_contexts_are_kept_per_chat_and_user(store: Engine, answering: AnsweringEngine) -> None:
    """Two users in one group and one user in two chats each keep a context of their own."""
    mine = context_of(answering, "when is quiz 3?")
    theirs = context_of(answering, "when is CA2 due?")
    private = context_of(answering, "who is the lead TA?")
    storage.save_context(store, GROUP, USER, mine, NOW)
    storage.save_context(store, GROUP, OTHER, theirs, NOW)
    storage.save_context(store, USER, USER, private, NOW)
    assert storage.load_context(store, GROUP, USER) == mine
    assert storage.load_context(store, GROUP, OTHER) == theirs
    assert storage.load_context(store, USER, USER) == private
    assert storage.load_context(store, OTHER, OTHER) is None
    assert storage.load_context(store, GROUP, 42) is None


def test_forget_deletes_only_rows_older_than_the_cut_off(
    store: Engine, answering: AnsweringEngine
) -> None:
    """forget_contexts deletes the rows last touched before the cut-off and returns how many;
    a row touched at the cut-off or after stays, whatever zone the times were given in."""
    context = context_of(answering, "when is quiz 3?")
    cut_off = NOW - timedelta(hours=1)
    ages = {1: timedelta(hours=5), 2: timedelta(minutes=61), 3: timedelta(hours=1), 4: timedelta()}
    for chat, age in ages.items():
        storage.save_context(store, chat, USER, context, NOW - age)
    # The cut-off in UTC, the rows written in Tehran time: the same moments.
    assert storage.forget_contexts(store, cut_off.astimezone(UTC)) == 2
    assert sorted(row.chat_id for row in rows(store)) == [3, 4]
    assert storage.load_context(store, 4, USER) == context
    assert storage.forget_contexts(store, cut_off) == 0


def test_a_row_that_is_not_a_json_object_loads_as_none(store: Engine) -> None:
    """A context cut short ("{broken") or not an object ("[1, 2]") loads as None."""
    at = NOW.astimezone(UTC)
    with Session(store) as session:
        session.add(storage.Conversation(chat_id=1, user_id=USER, context="{broken", updated_at=at))
        session.add(storage.Conversation(chat_id=2, user_id=USER, context="[1, 2]", updated_at=at))
        session.commit()
    assert storage.load_context(store, 1, USER) is None
    assert storage.load_context(store, 2, USER) is None
