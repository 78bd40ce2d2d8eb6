"""The state database behaves the same on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import storage
from tests.conftest import NOW, TEHRAN
from tests.support.postgres import PostgresServer

LONG_AGO = NOW - timedelta(days=30)
DUE = datetime(2023, 3, 18, 16, 30, tzinfo=TEHRAN)
KEY = "quiz:quiz-3/1d/subscribers"


@pytest.fixture
def store(database_url: str) -> Iterator[Engine]:
    """Return an engine on a fresh database of each backend, with the schema in place."""
    engine = storage.make_engine(database_url)
    yield engine
    engine.dispose()


def test_users_language_and_blocking(store: Engine) -> None:
    """A user is recorded on first contact, keeps a language choice and can be (un)blocked."""
    assert storage.remember_user(store, 5, NOW) is None
    storage.set_language(store, 5, "fa", NOW)
    assert storage.get_language(store, 5) == "fa"
    storage.set_blocked(store, 5, True, NOW)
    with Session(store) as session:
        user = session.get(storage.User, 5)
        assert user is not None and user.blocked
    assert storage.remember_user(store, 5, NOW + timedelta(days=1)) == "fa"
    with Session(store) as session:
        user = session.get(storage.User, 5)
        assert user is not None and not user.blocked
    assert storage.get_language(store, 6) is None


def test_a_user_another_writer_records_first_is_read_back(store: Engine) -> None:
    """When another writer records the same user between the look-up and the insert, the
    first contact still succeeds and returns the other writer's row."""
    inserted = []

    def other_writer_first(conn: object, cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO") and not inserted:
            inserted.append(True)
            with store.begin() as other:
                other.execute(
                    storage.User.__table__.insert().values(  # type: ignore[attr-defined]
                        id=7, language="fa", first_seen=NOW.astimezone(UTC), blocked=False
                    )
                )

    event.listen(store, "before_cursor_execute", other_writer_first)
    try:
        assert storage.remember_user(store, 7, NOW) == "fa"
    finally:
        event.remove(store, "before_cursor_execute", other_writer_first)
    assert inserted


def test_question_log_stats_and_unanswered(store: Engine) -> None:
    """Stats count users, questions and topics; unanswered questions group by normalised text."""
    log = storage.log_question
    log(store, 1, "when is quiz 3", lang="en", answered=True, used=("quiz-3",), asked_at=NOW)
    log(store, 1, "quiz 3 room", lang="en", answered=True, used=("quiz-3", "x"), asked_at=NOW)
    log(store, 2, "Is there a party?", lang="en", answered=False, used=(), asked_at=NOW)
    log(store, 3, "مهماني داريم؟", lang="fa", answered=False, used=(), asked_at=NOW)
    log(store, 3, "مهمانی داریم", lang="fa", answered=False, used=(), asked_at=NOW)
    storage.remember_user(store, 1, NOW)
    numbers = storage.stats(store)
    assert (numbers.users, numbers.questions, numbers.answered) == (1, 5, 2)
    assert numbers.topics == [("unanswered", 3), ("quiz-3", 2)]
    assert storage.top_unanswered(store) == [("مهماني داريم؟", 2), ("Is there a party?", 1)]


def test_noting_a_question_records_the_asker_and_the_log(store: Engine) -> None:
    """After an answer a new asker is recorded, a blocked one unblocked, each question logged."""
    note = storage.note_question
    note(store, 7, "when is quiz 3", lang="en", answered=True, used=("quiz-3",), asked_at=NOW)
    storage.set_language(store, 7, "fa", NOW)
    storage.set_blocked(store, 7, True, NOW)
    note(store, 7, "پارتی داریم؟", lang="fa", answered=False, used=(), asked_at=NOW)
    with Session(store) as session:
        user = session.get(storage.User, 7)
        assert user is not None and not user.blocked and user.language == "fa"
    numbers = storage.stats(store)
    assert (numbers.users, numbers.questions, numbers.answered) == (1, 2, 1)
    assert numbers.topics == [("quiz-3", 1), ("unanswered", 1)]


def test_stats_tell_declines_that_answer_from_questions_the_bot_did_not_know(
    store: Engine,
) -> None:
    """A decline that answers ("no such quiz") counts apart from "did not know", under its
    entry or its reason; only what the bot did not know is listed as unanswered."""
    log = storage.log_question
    log(store, 1, "days between quiz 2 and 3", lang="en", answered=True, used=(), asked_at=NOW)
    common = {"lang": "en", "answered": False, "asked_at": NOW}
    log(store, 1, "when is quiz 9", used=(), outcome="declined", reason="no-such-item", **common)
    log(store, 2, "when is quiz 0", used=(), outcome="declined", reason="no-such-item", **common)
    midterm = ("faq:not-in-syllabus",)
    log(store, 2, "midterm?", used=midterm, outcome="declined", reason="not-in-syllabus", **common)
    log(store, 3, "is there a party?", used=(), outcome="unknown", **common)
    numbers = storage.stats(store)
    assert (numbers.questions, numbers.answered, numbers.declined, numbers.unknown) == (5, 1, 3, 1)
    assert numbers.topics == [
        ("declined: no-such-item", 2),
        ("computed/other", 1),
        ("faq:not-in-syllabus", 1),
        ("unanswered", 1),
    ]
    assert numbers.reasons == [("no-such-item", 2), ("not-in-syllabus", 1)]
    assert storage.top_unanswered(store) == [("is there a party?", 1)]


def test_unanswered_lists_the_most_recent_too(store: Engine) -> None:
    """The most recent unknown questions come newest first, one per wording, even when older
    ones were asked far more often."""
    common = {"lang": "en", "answered": False, "used": (), "outcome": "unknown"}
    for minute in range(7):
        at = NOW + timedelta(minutes=minute)
        storage.log_question(store, 1, "is there a party?", asked_at=at, **common)
    storage.log_question(store, 2, "Is there a party", asked_at=NOW + timedelta(hours=1), **common)
    storage.log_question(store, 3, "do we get snacks", asked_at=NOW + timedelta(hours=2), **common)
    assert storage.top_unanswered(store)[0] == ("is there a party?", 8)
    recent = storage.recent_unanswered(store)
    assert [question for question, _ in recent] == ["do we get snacks", "Is there a party"]
    assert recent[0][1] == (NOW + timedelta(hours=2)).astimezone(UTC)


def test_an_inline_query_being_typed_is_one_question(store: Engine) -> None:
    """Keystrokes of one inline query (longer, or shorter after a backspace, within a minute)
    replace each other's row; another query, or the same words later, is a new question."""
    common = {"lang": "en", "answered": False, "used": (), "outcome": "unknown", "via": "inline"}
    for step, typed in enumerate(["is", "is the", "is ther", "is there a party"]):
        at = NOW + timedelta(seconds=step)
        storage.note_question(store, 1, typed, asked_at=at, **common)
    storage.note_question(store, 1, "when is quiz 3", asked_at=NOW + timedelta(seconds=9), **common)
    later = NOW + timedelta(minutes=5)
    storage.note_question(store, 1, "when is quiz 3?", asked_at=later, **common)
    storage.note_question(
        store, 1, "when is quiz 3", asked_at=later, lang="en", answered=True, used=()
    )
    with Session(store) as session:
        rows = session.exec(select(storage.QuestionLog).order_by(storage.QuestionLog.id)).all()
    assert [(row.question, row.via) for row in rows] == [
        ("is there a party", "inline"),
        ("when is quiz 3", "inline"),
        ("when is quiz 3?", "inline"),
        ("when is quiz 3", "chat"),
    ]
    assert storage.stats(store).inline == 3


def test_subscriptions_by_interest_time_and_language(store: Engine) -> None:
    """Subscribers are filtered by interest and subscription time, and speak their language."""
    storage.subscribe(store, 1, "all", LONG_AGO, "fa")
    storage.subscribe(store, 2, "quizzes", LONG_AGO + timedelta(hours=1))
    storage.subscribe(store, 3, "deadlines", LONG_AGO)
    storage.subscribe(store, 4, "all", NOW + timedelta(days=1))
    storage.set_language(store, 2, "fa", NOW)
    found = storage.subscribers(store, ["all", "quizzes"], NOW)
    assert found == [storage.Subscriber(1, "fa"), storage.Subscriber(2, "fa")]
    assert storage.subscription(store, 3) == "deadlines"
    assert storage.unsubscribe(store, 3) and not storage.unsubscribe(store, 3)
    assert storage.subscription(store, 3) is None
    storage.set_blocked(store, 1, True, NOW)
    assert [s.user_id for s in storage.subscribers(store, ["all", "quizzes"], NOW)] == [2]


def test_delivery_is_recorded_once_and_read_back_in_utc(store: Engine) -> None:
    """A second record of the same reminder and recipient is refused; due times compare in UTC."""
    assert storage.record_delivery(store, KEY, DUE, "7", "sent", NOW, 11)
    assert not storage.record_delivery(store, KEY, DUE.astimezone(UTC), "7", "late", NOW)
    assert storage.record_delivery(store, KEY, DUE, "8", "late", NOW)
    assert storage.delivered_to(store, KEY, DUE.astimezone(UTC)) == {"7", "8"}
    assert storage.delivered_to(store, KEY, DUE + timedelta(seconds=1)) == set()
    statuses = storage.delivery_statuses(store)
    [(key, due)] = statuses
    assert key == KEY and due.replace(tzinfo=UTC) == DUE and statuses[(key, due)] == "sent"


def test_concurrent_records_of_one_delivery_keep_exactly_one(store: Engine) -> None:
    """Racing writers of the same delivery: one wins, the others are told it existed."""
    start = threading.Barrier(6)
    results: list[bool] = []

    def write() -> None:
        start.wait()
        results.append(storage.record_delivery(store, KEY, DUE, "42", "sent", NOW))

    threads = [threading.Thread(target=write) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False] * 5 + [True]
    assert storage.delivered_to(store, KEY, DUE) == {"42"}


def test_skipped_reminders_are_recorded_once_unless_already_handled(store: Engine) -> None:
    """Skips are written for reminders with no row at all, and only once."""
    other = "quiz:quiz-3/2h/subscribers"
    storage.record_delivery(store, KEY, DUE, "7", "sent", NOW)
    wanted = [(KEY, DUE, "subscribers"), (other, DUE, "subscribers")]
    assert storage.record_skipped(store, wanted, NOW) == 1
    assert storage.record_skipped(store, wanted, NOW) == 0
    assert storage.delivered_to(store, other, DUE) == {"subscribers"}


def test_event_times_and_channel_problems(store: Engine) -> None:
    """Saved event times are replaced whole and come back as the same moments; a channel
    problem is new once per error text."""
    storage.save_event_times(store, {"quiz:quiz-3": DUE, "deadline:ca-1": NOW})
    storage.save_event_times(store, {"quiz:quiz-3": DUE + timedelta(days=1)})
    [(key, at)] = storage.event_times(store).items()
    assert key == "quiz:quiz-3"
    assert (at if at.tzinfo else at.replace(tzinfo=UTC)) == DUE + timedelta(days=1)
    assert storage.note_channel_problem(store, "@c", "need admin rights", NOW)
    assert not storage.note_channel_problem(store, "@c", "need admin rights", NOW)
    assert storage.note_channel_problem(store, "@c", "chat not found", NOW)
    assert storage.clear_channel_problem(store, "@c") and not storage.clear_channel_problem(
        store, "@c"
    )


def test_event_versions_count_changes_and_come_back_in_utc(store: Engine) -> None:
    """A new event starts at sequence 0; a changed fingerprint goes up by one with the time of
    the change; an unchanged one keeps its numbers."""
    first = storage.sync_event_versions(store, {"quiz:quiz-3": "a", "deadline:ca-1": "b"}, NOW)
    assert first == {"quiz:quiz-3": (0, NOW.astimezone(UTC)), "deadline:ca-1": (0, NOW)}
    later = NOW + timedelta(hours=2)
    second = storage.sync_event_versions(store, {"quiz:quiz-3": "a", "deadline:ca-1": "c"}, later)
    assert second["deadline:ca-1"] == (1, later)
    assert second["quiz:quiz-3"] == (0, NOW)
    assert storage.event_versions(store) == second
    assert all(moment.tzinfo is not None for _, moment in second.values())


def test_postgres_server_in_another_zone_stores_the_same_moments(postgres: PostgresServer) -> None:
    """A PostgreSQL database whose default time zone is Tehran still reads times back in UTC."""
    url = postgres.create_database()
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(postgres.url().replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE \"{name}\" SET timezone = 'Asia/Tehran'")  # type: ignore[arg-type]
    engine = storage.make_engine(url)
    try:
        storage.record_delivery(engine, KEY, DUE, "7", "sent", NOW)
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT due_at FROM delivery")).scalar_one()
        assert stored == DUE and stored.utcoffset() == timedelta(0)
        assert storage.delivered_to(engine, KEY, DUE) == {"7"}
    finally:
        engine.dispose()


def test_concurrent_skips_of_the_same_reminders_write_each_once(store: Engine) -> None:
    """Two processes recording the same skipped reminders at once: no error, one row each."""
    wanted = [(f"quiz:quiz-{n}/1d/channel", DUE, "@c") for n in range(1, 30)]
    start = threading.Barrier(4)
    counts: list[int] = []
    errors: list[BaseException] = []

    def skip() -> None:
        start.wait()
        try:
            counts.append(storage.record_skipped(store, wanted, NOW))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=skip) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sum(counts) == len(wanted)
    assert all(storage.delivered_to(store, key, DUE) == {"@c"} for key, _, _ in wanted)
