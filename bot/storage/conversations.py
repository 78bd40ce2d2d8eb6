"""Conversations: what each user's last question in a chat was about, so the next message
may lean on it ("and quiz 4?"). One row per chat and user; replicas share it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, delete, select

from bot.storage.database import utc


class Conversation(SQLModel, table=True):
    """The context of one user's conversation in one chat: a query and its subject, as JSON
    (no message text), and when it was last answered."""

    chat_id: int = Field(primary_key=True, sa_type=BigInteger)
    user_id: int = Field(primary_key=True, sa_type=BigInteger)
    context: str
    updated_at: datetime = Field(index=True)


def load_context(engine: Engine, chat_id: int, user_id: int) -> dict[str, Any] | None:
    """Return the stored context of a user in a chat, or None."""
    with Session(engine) as session:
        row = session.get(Conversation, (chat_id, user_id))
        if row is None:
            return None
        try:
            data = json.loads(row.context)
        except ValueError:
            return None  # a row a crash cut short is no context at all
        return data if isinstance(data, dict) else None


def recent_contexts(engine: Engine, since: datetime) -> dict[tuple[int, int], dict[str, Any]]:
    """Return the readable contexts written at ``since`` or later, by (chat, user)."""
    with Session(engine) as session:
        rows = session.exec(
            select(Conversation).where(col(Conversation.updated_at) >= utc(since))
        ).all()
    found = {}
    for row in rows:
        try:
            data = json.loads(row.context)
        except ValueError:
            continue  # a row a crash cut short is no context at all
        if isinstance(data, dict):
            found[(row.chat_id, row.user_id)] = data
    return found


def save_context(
    engine: Engine, chat_id: int, user_id: int, context: dict[str, Any], now: datetime
) -> None:
    """Store a user's context in a chat, replacing the one before."""
    text = json.dumps(context, ensure_ascii=False, sort_keys=True)
    for _ in range(2):  # another replica may insert the same row first: then update it
        with Session(engine) as session:
            row = session.get(Conversation, (chat_id, user_id))
            if row is None:
                row = Conversation(chat_id=chat_id, user_id=user_id, context=text, updated_at=now)
            row.context = text
            row.updated_at = utc(now)
            session.add(row)
            try:
                session.commit()
                return
            except IntegrityError:
                session.rollback()


def forget_contexts(engine: Engine, before: datetime) -> int:
    """Delete the contexts not touched since ``before``; return how many."""
    with Session(engine) as session:
        result = session.exec(
            delete(Conversation).where(col(Conversation.updated_at) < utc(before))
        )
        session.commit()
        return int(result.rowcount or 0)
