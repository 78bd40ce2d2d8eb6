"""What was published of the course's events: their last known times and feed versions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Field, Session, SQLModel, select

from bot.storage.database import from_db, utc


class EventTime(SQLModel, table=True):
    """The last known time of a dated event, to notice when the course file moves it."""

    key: str = Field(primary_key=True, description="event key, e.g. deadline:ca-1")
    at: datetime = Field(description="UTC")


class EventVersion(SQLModel, table=True):
    """What the calendar feed published of an event, to number its changes (SEQUENCE)."""

    key: str = Field(primary_key=True, description="event key, e.g. deadline:ca-1")
    fingerprint: str = Field(description="digest of the event's times and texts")
    sequence: int = 0
    modified_at: datetime = Field(description="UTC; when the fingerprint last changed")


def event_times(engine: Engine) -> dict[str, datetime]:
    """Return the saved time of every dated event (aware, UTC)."""
    with Session(engine) as session:
        rows = session.exec(select(EventTime)).all()
    return {row.key: row.at for row in rows}


def save_event_times(engine: Engine, times: Mapping[str, datetime]) -> None:
    """Make the saved event times exactly ``times``."""
    with Session(engine) as session:
        session.execute(delete(EventTime))
        session.add_all(EventTime(key=key, at=utc(at)) for key, at in times.items())
        session.commit()


def save_event_time(engine: Engine, key: str, at: datetime) -> None:
    """Save one event's time, keeping the others."""
    with Session(engine) as session:
        row = session.get(EventTime, key) or EventTime(key=key, at=utc(at))
        row.at = utc(at)
        session.add(row)
        session.commit()


def event_versions(engine: Engine) -> dict[str, tuple[int, datetime]]:
    """Return each published event's (sequence, UTC modification time); {} without the table."""
    try:
        with Session(engine) as session:
            rows = session.exec(select(EventVersion)).all()
    except OperationalError:
        return {}
    return {row.key: (row.sequence, from_db(row.modified_at)) for row in rows}


def sync_event_versions(
    engine: Engine, fingerprints: Mapping[str, str], now: datetime
) -> dict[str, tuple[int, datetime]]:
    """Record the events' fingerprints: a new event starts at sequence 0, a changed one goes
    up by one; return every event's (sequence, UTC modification time)."""
    with Session(engine) as session:
        rows = {row.key: row for row in session.exec(select(EventVersion)).all()}
        for key, fingerprint in fingerprints.items():
            row = rows.get(key)
            if row is None:
                row = EventVersion(key=key, fingerprint=fingerprint, modified_at=utc(now))
                rows[key] = row
            elif row.fingerprint != fingerprint:
                row.fingerprint = fingerprint
                row.sequence += 1
                row.modified_at = utc(now)
            else:
                continue
            session.add(row)
        try:
            session.commit()
        except IntegrityError:
            # Another process published the same new event first; its numbers stand.
            session.rollback()
            return event_versions(engine)
        return {key: (row.sequence, from_db(row.modified_at)) for key, row in rows.items()}
