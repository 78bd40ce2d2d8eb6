"""The question log: what students asked, how the engine did, and the counts staff see."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, case, func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from bot.core.text import normalize
from bot.storage.database import utc
from bot.storage.users import User, remember_user

UNANSWERED_TOPIC = "unanswered"
# An answered question whose answer came from no knowledge-base entry (a computation, say).
OTHER_TOPIC = "computed/other"


class QuestionLog(SQLModel, table=True):
    """One free-text question and how the engine did with it."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(index=True, sa_type=BigInteger)
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


def topic_of(answered: bool, used: tuple[str, ...]) -> str:
    """Return the topic /stats counts a question under: "unanswered" exactly when it was not
    answered, else the first entry it used, else "computed/other"."""
    if not answered:
        return UNANSWERED_TOPIC
    return used[0] if used else OTHER_TOPIC


def _log_row(
    user_id: int,
    question: str,
    lang: str,
    answered: bool,
    used: tuple[str, ...],
    asked_at: datetime,
) -> dict[str, Any]:
    """Return the question log's columns for one question."""
    return {
        "user_id": user_id,
        "question": question,
        "lang": lang,
        "answered": answered,
        "used": ",".join(used),
        "topic": topic_of(answered, used),
        "asked_at": utc(asked_at),
    }


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
    entry = QuestionLog(**_log_row(user_id, question, lang, answered, used, asked_at))
    with Session(engine) as session:
        session.add(entry)
        session.commit()


def note_question(
    engine: Engine,
    user_id: int,
    question: str,
    *,
    lang: str,
    answered: bool,
    used: tuple[str, ...],
    asked_at: datetime,
) -> None:
    """Record the asker like ``remember_user`` and log the question, in one transaction.

    What the bot does after every answer, so it skips the ORM's bookkeeping: plain
    statements, one commit.
    """
    users = User.__table__  # type: ignore[attr-defined]
    log = QuestionLog.__table__  # type: ignore[attr-defined]
    try:
        with engine.begin() as connection:
            blocked = connection.execute(
                sa_select(users.c.blocked).where(users.c.id == user_id)
            ).scalar_one_or_none()
            if blocked is None:
                connection.execute(
                    users.insert().values(
                        id=user_id, language=None, first_seen=utc(asked_at), blocked=False
                    )
                )
            elif blocked:
                connection.execute(
                    users.update().where(users.c.id == user_id).values(blocked=False)
                )
            row = _log_row(user_id, question, lang, answered, used, asked_at)
            connection.execute(log.insert().values(**row))
    except IntegrityError:
        # The user's row appeared meanwhile (another process): the slower way copes.
        remember_user(engine, user_id, asked_at)
        log_question(
            engine, user_id, question, lang=lang, answered=answered, used=used, asked_at=asked_at
        )


def stats(engine: Engine, top: int = 5) -> Stats:
    """Count users, questions and answers, and find the busiest topics."""
    with Session(engine) as session:
        users = session.exec(select(func.count()).select_from(User)).one()
        questions = session.exec(select(func.count()).select_from(QuestionLog)).one()
        answered = session.exec(
            select(func.count()).select_from(QuestionLog).where(col(QuestionLog.answered))
        ).one()
        count = func.count().label("n")
        # Rows logged before topic_of labelled by the entries alone: label them the same way.
        topic = case(
            (col(QuestionLog.answered).is_(False), UNANSWERED_TOPIC),
            (col(QuestionLog.topic) == UNANSWERED_TOPIC, OTHER_TOPIC),
            else_=col(QuestionLog.topic),
        ).label("topic")
        rows = session.exec(
            select(topic, count).group_by(topic).order_by(count.desc(), topic).limit(top)
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
