"""Deliveries: each reminder sent once per recipient, and the channel's posting problems."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlmodel import Field, Session, SQLModel, select

from bot.storage.database import utc


class Delivery(SQLModel, table=True):
    """One reminder (key and due time) for one recipient, written once Telegram accepted it.

    The unique constraint is the "send once" guard: a recipient with a row is never sent the
    same reminder again, across restarts.
    """

    __table_args__ = (UniqueConstraint("key", "due_at", "recipient"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, description="the reminder's key, e.g. quiz:quiz-2/1d/channel")
    due_at: datetime = Field(description="UTC")
    recipient: str = Field(description="chat id or @username; 'subscribers' for a skip")
    status: str = Field(description="sent, late, skipped or failed")
    at: datetime
    message_id: int | None = None


class ChannelProblem(SQLModel, table=True):
    """A channel the bot could not post to, kept until a post succeeds, so it is reported once."""

    channel: str = Field(primary_key=True)
    error: str
    since: datetime


def delivered_to(engine: Engine, key: str, due_at: datetime) -> set[str]:
    """Return the recipients that already have a delivery row for the reminder."""
    with Session(engine) as session:
        rows = session.exec(
            select(Delivery.recipient)
            .where(Delivery.key == key)
            .where(Delivery.due_at == utc(due_at))
        ).all()
    return set(rows)


def record_delivery(
    engine: Engine,
    key: str,
    due_at: datetime,
    recipient: str,
    status: str,
    at: datetime,
    message_id: int | None = None,
) -> bool:
    """Record what happened to a reminder for one recipient; False if a row already existed."""
    row = Delivery(
        key=key,
        due_at=utc(due_at),
        recipient=recipient,
        status=status,
        at=utc(at),
        message_id=message_id,
    )
    with Session(engine) as session:
        session.add(row)
        try:
            session.commit()
        except IntegrityError:
            return False
    return True


def record_skipped(
    engine: Engine, reminders: Iterable[tuple[str, datetime, str]], at: datetime
) -> int:
    """Record (key, due_at, recipient) reminders as skipped unless they have any row; count them."""
    wanted = list(reminders)
    if not wanted:
        return 0
    with Session(engine) as session:
        known = set(session.exec(select(Delivery.key, Delivery.due_at).distinct()).all())
        fresh = [(k, utc(d), r) for k, d, r in wanted if (k, utc(d)) not in known]
        for key, due, recipient in fresh:
            session.add(
                Delivery(key=key, due_at=due, recipient=recipient, status="skipped", at=utc(at))
            )
        try:
            session.commit()
        except IntegrityError:
            # Another process (a second leader for a moment) wrote some of them first:
            # one by one, each row is written once.
            session.rollback()
            return sum(record_delivery(engine, k, d, r, "skipped", at) for k, d, r in fresh)
    return len(fresh)


# Which status a reminder shows when its recipients fared differently.
_STATUS_ORDER = ("sent", "late", "skipped")


def delivery_statuses(engine: Engine) -> dict[tuple[str, datetime], str]:
    """Return each reminder's (key, UTC due time) status: sent, late or skipped.

    Reminders with only failed rows, and tables that do not exist yet, are left out.
    """
    try:
        with Session(engine) as session:
            rows = session.exec(
                select(Delivery.key, Delivery.due_at, Delivery.status).distinct()
            ).all()
    except (OperationalError, ProgrammingError):
        # SQLite says "no such table" with the first, PostgreSQL with the second.
        return {}
    found: dict[tuple[str, datetime], set[str]] = {}
    for key, due, status in rows:
        found.setdefault((key, due), set()).add(status)
    return {
        reminder: next(s for s in _STATUS_ORDER if s in statuses)
        for reminder, statuses in found.items()
        if statuses & set(_STATUS_ORDER)
    }


def note_channel_problem(engine: Engine, channel: str, error: str, now: datetime) -> bool:
    """Remember that posting to the channel fails; True if this problem is new (report it)."""
    with Session(engine) as session:
        row = session.get(ChannelProblem, channel)
        if row is not None and row.error == error:
            return False
        row = row or ChannelProblem(channel=channel, error=error, since=utc(now))
        row.error = error
        session.add(row)
        session.commit()
        return True


def channel_problem(engine: Engine, channel: str) -> str | None:
    """Return the error posting to the channel last met, or None if it works."""
    with Session(engine) as session:
        row = session.get(ChannelProblem, channel)
        return row.error if row is not None else None


def clear_channel_problem(engine: Engine, channel: str) -> bool:
    """Forget the channel's problem after a successful post; True if there was one."""
    with Session(engine) as session:
        row = session.get(ChannelProblem, channel)
        if row is None:
            return False
        session.delete(row)
        session.commit()
        return True
