"""The bot's state in SQL through SQLModel: users' language choices and the question log.

Every table lives in ``SQLModel.metadata``; features that need more state add their own
tables here (or in a module imported before ``make_engine``) and ``create_all`` makes them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, func
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Field, Session, SQLModel, col, create_engine, select

from bot.core.text import normalize

UNANSWERED_TOPIC = "unanswered"


class User(SQLModel, table=True):
    """A Telegram user who talked to the bot: only the id, the chosen language and when."""

    id: int = Field(primary_key=True, description="Telegram user id")
    language: str | None = Field(default=None, description="None until the user picks one")
    first_seen: datetime
    # Set when the user blocks the bot, cleared when they write again; broadcasts skip them.
    blocked: bool = False


class QuestionLog(SQLModel, table=True):
    """One free-text question and how the engine did with it."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(index=True)
    question: str
    lang: str
    answered: bool
    used: str = Field(default="", description="KB ids the answer came from, comma-separated")
    topic: str = Field(index=True)
    asked_at: datetime


@dataclass(frozen=True)
class Stats:
    """Counts for /stats."""

    users: int
    questions: int
    answered: int
    topics: list[tuple[str, int]]

    @property
    def answered_rate(self) -> float:
        """Return the share of questions answered, 0.0 with no questions."""
        return self.answered / self.questions if self.questions else 0.0


def make_engine(database_url: str) -> Engine:
    """Create the engine (and a SQLite file's folder), tune SQLite and create the tables."""
    url = make_url(database_url)
    sqlite = url.get_backend_name() == "sqlite"
    connect_args: dict[str, Any] = {}
    if sqlite:
        if url.database and url.database != ":memory:":
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # Handlers run on the event loop thread, /reload work may run in another one.
        connect_args["check_same_thread"] = False
    engine = create_engine(url, connect_args=connect_args)
    if sqlite:
        event.listen(engine, "connect", _tune_sqlite)
    SQLModel.metadata.create_all(engine)
    return engine


def _tune_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (the CLI, /stats) work while the bot writes; NORMAL is durable
    # enough in WAL mode and keeps each logged question cheap.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def remember_user(engine: Engine, user_id: int, now: datetime) -> str | None:
    """Record a user on first contact (or after a block) and return their stored language."""
    with Session(engine) as session:
        user = session.get(User, user_id)
        if user is None:
            session.add(User(id=user_id, first_seen=_utc(now)))
            session.commit()
            return None
        if user.blocked:
            user.blocked = False
            session.add(user)
            session.commit()
        return user.language


def get_language(engine: Engine, user_id: int) -> str | None:
    """Return the language the user chose, or None."""
    with Session(engine) as session:
        user = session.get(User, user_id)
        return user.language if user else None


def set_language(engine: Engine, user_id: int, lang: str, now: datetime) -> None:
    """Store the user's language choice."""
    with Session(engine) as session:
        user = session.get(User, user_id) or User(id=user_id, first_seen=_utc(now))
        user.language = lang
        session.add(user)
        session.commit()


def set_blocked(engine: Engine, user_id: int, blocked: bool, now: datetime) -> None:
    """Note that the user blocked (or unblocked) the bot."""
    with Session(engine) as session:
        user = session.get(User, user_id) or User(id=user_id, first_seen=_utc(now))
        user.blocked = blocked
        session.add(user)
        session.commit()


def log_question(
    engine: Engine,
    user_id: int,
    question: str,
    *,
    lang: str,
    answered: bool,
    used: tuple[str, ...],
    asked_at: datetime,
) -> None:
    """Append a question and its outcome to the log."""
    entry = QuestionLog(
        user_id=user_id,
        question=question,
        lang=lang,
        answered=answered,
        used=",".join(used),
        topic=used[0] if used else UNANSWERED_TOPIC,
        asked_at=_utc(asked_at),
    )
    with Session(engine) as session:
        session.add(entry)
        session.commit()


def stats(engine: Engine, top: int = 5) -> Stats:
    """Count users, questions and answers, and find the busiest topics."""
    with Session(engine) as session:
        users = session.exec(select(func.count()).select_from(User)).one()
        questions = session.exec(select(func.count()).select_from(QuestionLog)).one()
        answered = session.exec(
            select(func.count()).select_from(QuestionLog).where(col(QuestionLog.answered))
        ).one()
        count = func.count().label("n")
        rows = session.exec(
            select(QuestionLog.topic, count)
            .group_by(QuestionLog.topic)
            .order_by(count.desc(), QuestionLog.topic)
            .limit(top)
        ).all()
    return Stats(users, questions, answered, [(topic, n) for topic, n in rows])


def top_unanswered(engine: Engine, top: int = 10) -> list[tuple[str, int]]:
    """Group unanswered questions by normalised text; return (example, count), most asked first."""
    with Session(engine) as session:
        questions = session.exec(
            select(QuestionLog.question)
            .where(col(QuestionLog.answered).is_(False))
            .order_by(col(QuestionLog.id))
        ).all()
    # Normalising folds Persian letter variants and digits, which SQL cannot do.
    counts: Counter[str] = Counter()
    example: dict[str, str] = {}
    for question in questions:
        key = normalize(question).strip(" ?!.")
        counts[key] += 1
        example.setdefault(key, question)
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return [(example[key], n) for key, n in ranked[:top]]


def _utc(moment: datetime) -> datetime:
    # SQLite keeps no offsets: store UTC so rows written in any zone compare correctly.
    return moment.astimezone(UTC)
