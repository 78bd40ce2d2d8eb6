"""Updates set aside at a stop: received (so Telegram will not send them again) but not yet
handled, kept for the next start to handle first."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Text, delete
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel

from bot.storage.database import utc


class PendingUpdate(SQLModel, table=True):
    """One update as Telegram sent it, waiting to be handled after a restart."""

    update_id: int = Field(
        primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False}
    )
    data: str = Field(sa_type=Text, description="the update's JSON")
    saved_at: datetime


def spool_update(engine: Engine, update_id: int, data: dict[str, Any], now: datetime) -> None:
    """Keep an update for the next start (once: a second save of the same id is ignored)."""
    table = PendingUpdate.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        exists = connection.execute(table.select().where(table.c.update_id == update_id)).first()
        if exists is None:
            connection.execute(
                table.insert().values(update_id=update_id, data=json.dumps(data), saved_at=utc(now))
            )


def take_spooled(engine: Engine) -> list[dict[str, Any]]:
    """Remove and return the kept updates, oldest first; each is taken by one process only."""
    table = PendingUpdate.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        # One statement: two replicas starting at once never both take the same update.
        rows = connection.execute(delete(table).returning(table.c.update_id, table.c.data)).all()
    return [json.loads(data) for _, data in sorted(rows)]
