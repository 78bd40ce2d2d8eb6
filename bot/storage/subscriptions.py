"""Reminder subscriptions: who wants which reminders by direct message, and since when."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from bot.core.planning.interests import Interest
from bot.storage.database import utc
from bot.storage.users import User


class Subscription(SQLModel, table=True):
    """A student's /subscribe choice: which reminders they want by direct message."""

    user_id: int = Field(primary_key=True, sa_type=BigInteger, description="Telegram user id")
    # One of bot.core.planning.interests.INTERESTS.
    interest: str = Field(description="all, quizzes or deadlines")
    subscribed_at: datetime
    active: bool = True
    # The language resolved when they subscribed; a later /language choice takes precedence.
    language: str | None = None


@dataclass(frozen=True)
class Subscriber:
    """A recipient of subscriber reminders and the language to write to them in."""

    user_id: int
    language: str


def subscribe(
    engine: Engine, user_id: int, interest: Interest, now: datetime, language: str | None = None
) -> None:
    """Subscribe the user to reminders of ``interest`` (all, quizzes or deadlines)."""
    with Session(engine) as session:
        row = session.get(Subscription, user_id)
        if row is None:
            row = Subscription(user_id=user_id, interest=interest, subscribed_at=utc(now))
        elif not row.active:
            # Reminders that fell due before this moment are not theirs to receive.
            row.subscribed_at = utc(now)
        row.interest = interest
        row.active = True
        row.language = language or row.language
        session.add(row)
        session.commit()


def unsubscribe(engine: Engine, user_id: int) -> bool:
    """Stop the user's reminders; return whether they were subscribed."""
    with Session(engine) as session:
        row = session.get(Subscription, user_id)
        if row is None or not row.active:
            return False
        row.active = False
        session.add(row)
        session.commit()
        return True


def subscription(engine: Engine, user_id: int) -> str | None:
    """Return the user's active interest, or None when they are not subscribed."""
    with Session(engine) as session:
        row = session.get(Subscription, user_id)
        return row.interest if row is not None and row.active else None


def subscribers(engine: Engine, interests: Iterable[Interest], since: datetime) -> list[Subscriber]:
    """Return active subscribers of ``interests`` who subscribed by ``since``, not blocked."""
    with Session(engine) as session:
        rows = session.exec(
            select(Subscription, User)
            .join(User, col(User.id) == col(Subscription.user_id), isouter=True)
            .where(col(Subscription.active))
            .where(col(Subscription.interest).in_(list(interests)))
            .where(col(Subscription.subscribed_at) <= utc(since))
            .order_by(col(Subscription.subscribed_at), col(Subscription.user_id))
        ).all()
    return [
        Subscriber(sub.user_id, (user.language if user else None) or sub.language or "en")
        for sub, user in rows
        if user is None or not user.blocked
    ]
