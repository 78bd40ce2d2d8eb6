"""The question log: what students asked, how the engine did, and the counts staff see."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from bot.core.lang.text import normalize
from bot.storage.database import from_db, utc
from bot.storage.users import User, remember_user

UNANSWERED_TOPIC = "unanswered"
# An answered question whose answer came from no knowledge-base entry (a computation, say).
OTHER_TOPIC = "computed/other"
# How a question went: answered; declined with an answer that says why ("the course has 7
# quizzes", "the syllabus has no midterm"); or unknown, the engine did not know (the fallback).
ANSWERED, DECLINED, UNKNOWN = "answered", "declined", "unknown"
# Where it was asked: in a chat, or inline (one query per keystroke, kept as one row).
CHAT, INLINE = "chat", "inline"
# An inline query that extends or shortens the user's last one within this time is the same
# question still being typed.
TYPING = timedelta(minutes=1)


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
    outcome: str = Field(
        default=UNKNOWN,
        index=True,
        sa_column_kwargs={"server_default": UNKNOWN},
        description="answered, declined (with an answer saying why) or unknown (did not know)",
    )
    reason: str | None = Field(default=None, description="why it was declined, e.g. no-such-item")
    via: str = Field(
        default=CHAT, sa_column_kwargs={"server_default": CHAT}, description="chat or inline"
    )


@dataclass(frozen=True)
class Stats:
    """Counts for /stats: questions asked in chats and inline, by outcome, and the topics."""

    users: int
    questions: int
    answered: int
    topics: list[tuple[str, int]]
    declined: int = 0
    unknown: int = 0
    inline: int = 0
    reasons: list[tuple[str, int]] = field(default_factory=list)

    @property
    def answered_rate(self) -> float:
        """Return the share of questions answered, 0.0 with no questions."""
        return self.answered / self.questions if self.questions else 0.0

    def share(self, count: int) -> int:
        """Return ``count`` as a whole percentage of the questions."""
        return round(100 * count / self.questions) if self.questions else 0


def outcome_of(answered: bool, used: tuple[str, ...], unknown: bool | None = None) -> str:
    """Return how a question went; without ``unknown`` (the engine's own word), a question
    that used an entry but was not answered counts as declined with an answer."""
    if answered:
        return ANSWERED
    if unknown is None:
        unknown = not used
    return UNKNOWN if unknown else DECLINED


def topic_of(
    answered: bool, used: tuple[str, ...], outcome: str | None = None, reason: str | None = None
) -> str:
    """Return the topic /stats counts a question under: "unanswered" exactly when the engine
    did not know; else the first entry it used; else "computed/other" for an answer and
    "declined: <reason>" for a decline."""
    outcome = outcome or outcome_of(answered, used)
    if outcome == UNKNOWN:
        return UNANSWERED_TOPIC
    if used:
        return used[0]
    if outcome == ANSWERED:
        return OTHER_TOPIC
    return f"declined: {reason}" if reason else "declined"


def _log_row(
    user_id: int,
    question: str,
    lang: str,
    answered: bool,
    used: tuple[str, ...],
    asked_at: datetime,
    outcome: str | None = None,
    reason: str | None = None,
    via: str = CHAT,
) -> dict[str, Any]:
    """Return the question log's columns for one question."""
    outcome = outcome or outcome_of(answered, used)
    return {
        "user_id": user_id,
        "question": question,
        "lang": lang,
        "answered": answered,
        "used": ",".join(used),
        "topic": topic_of(answered, used, outcome, reason),
        "asked_at": utc(asked_at),
        "outcome": outcome,
        "reason": reason,
        "via": via,
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
    outcome: str | None = None,
    reason: str | None = None,
    via: str = CHAT,
) -> None:
    """Append a question and its outcome to the log."""
    row = _log_row(user_id, question, lang, answered, used, asked_at, outcome, reason, via)
    with Session(engine) as session:
        session.add(QuestionLog(**row))
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
    outcome: str | None = None,
    reason: str | None = None,
    via: str = CHAT,
) -> None:
    """Record the asker like ``remember_user`` and log the question, in one transaction.

    What the bot does after every answer, so it skips the ORM's bookkeeping: plain
    statements, one commit. An inline query the user is still typing (it extends or
    shortens their last one, within a minute) replaces that one's row.
    """
    users = User.__table__  # type: ignore[attr-defined]
    log = QuestionLog.__table__  # type: ignore[attr-defined]
    row = _log_row(user_id, question, lang, answered, used, asked_at, outcome, reason, via)
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
            typing = (
                _being_typed(connection, user_id, question, asked_at) if via == INLINE else None
            )
            if typing is None:
                connection.execute(log.insert().values(**row))
            else:
                connection.execute(log.update().where(log.c.id == typing).values(**row))
    except IntegrityError:
        # The user's row appeared meanwhile (another process): the slower way copes.
        remember_user(engine, user_id, asked_at)
        log_question(
            engine,
            user_id,
            question,
            lang=lang,
            answered=answered,
            used=used,
            asked_at=asked_at,
            outcome=outcome,
            reason=reason,
            via=via,
        )


def _being_typed(connection: Connection, user_id: int, question: str, at: datetime) -> int | None:
    """Return the id of the user's last inline query if ``question`` continues it, else None."""
    log = QuestionLog.__table__  # type: ignore[attr-defined]
    last = connection.execute(
        sa_select(log.c.id, log.c.question, log.c.asked_at, log.c.via)
        .where(log.c.user_id == user_id)
        .order_by(log.c.id.desc())
        .limit(1)
    ).first()
    if last is None or last.via != INLINE or from_db(last.asked_at) < utc(at) - TYPING:
        return None
    before, now = normalize(last.question), normalize(question)
    return int(last.id) if before.startswith(now) or now.startswith(before) else None


def stats(engine: Engine, top: int = 5) -> Stats:
    """Count users and questions by outcome, and find the busiest topics and decline reasons.

    Questions are those asked in chats and inline alike; ``inline`` says how many were inline.
    """
    with Session(engine) as session:
        users = session.exec(select(func.count()).select_from(User)).one()
        count = func.count().label("n")
        outcomes = dict(
            session.exec(select(QuestionLog.outcome, count).group_by(QuestionLog.outcome)).all()
        )
        inline = session.exec(
            select(func.count()).select_from(QuestionLog).where(QuestionLog.via == INLINE)
        ).one()
        topic = col(QuestionLog.topic)
        rows = session.exec(
            select(topic, count).group_by(topic).order_by(count.desc(), topic).limit(top)
        ).all()
        reason = func.coalesce(col(QuestionLog.reason), "").label("reason")
        reasons = session.exec(
            select(reason, count)
            .where(QuestionLog.outcome == DECLINED)
            .group_by(reason)
            .order_by(count.desc(), reason)
        ).all()
    return Stats(
        users=users,
        questions=sum(outcomes.values()),
        answered=outcomes.get(ANSWERED, 0),
        topics=[(name, n) for name, n in rows],
        declined=outcomes.get(DECLINED, 0),
        unknown=outcomes.get(UNKNOWN, 0),
        inline=inline,
        reasons=[(name or "other", n) for name, n in reasons],
    )


def top_unanswered(engine: Engine, top: int = 10) -> list[tuple[str, int]]:
    """Group the questions the engine did not know by normalised text; return (example,
    count), most asked first. Declines that answered ("the course has 7 quizzes") are left out."""
    with Session(engine) as session:
        questions = session.exec(
            select(QuestionLog.question)
            .where(QuestionLog.outcome == UNKNOWN)
            .order_by(col(QuestionLog.id))
        ).all()
    # Normalising folds Persian letter variants and digits, which SQL cannot do.
    counts: Counter[str] = Counter()
    example: dict[str, str] = {}
    for question in questions:
        key = _key(question)
        counts[key] += 1
        example.setdefault(key, question)
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return [(example[key], n) for key, n in ranked[:top]]


def recent_unanswered(engine: Engine, count: int = 10) -> list[tuple[str, datetime]]:
    """Return the latest questions the engine did not know, newest first, each wording once,
    with when it was last asked (UTC)."""
    seen: set[str] = set()
    found: list[tuple[str, datetime]] = []
    with Session(engine) as session:
        rows = session.exec(
            select(QuestionLog.question, QuestionLog.asked_at)
            .where(QuestionLog.outcome == UNKNOWN)
            .order_by(col(QuestionLog.id).desc())
            .limit(count * 20)
        ).all()
    for question, asked_at in rows:
        key = _key(question)
        if key in seen:
            continue
        seen.add(key)
        found.append((question, from_db(asked_at)))
        if len(found) == count:
            break
    return found


def _key(question: str) -> str:
    return normalize(question).strip(" ?!.")
