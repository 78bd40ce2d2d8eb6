"""Users: who talked to the bot, their language choice, and whether they blocked it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from bot.storage.database import utc


class User(SQLModel, table=True):
    """A Telegram user who talked to the bot: only the id, the chosen language and when."""

    id: int = Field(primary_key=True, sa_type=BigInteger, description="Telegram user id")
    language: str | None = Field(default=None, description="None until the user picks one")
    first_seen: datetime
    # Set when the user blocks the bot, cleared when they write again; broadcasts skip them.
    blocked: bool = False


def remember_user(engine: Engine, user_id: int, now: datetime) -> str | None:
    """Record a user on first contact (or after a block) and return their stored language."""
    for _ in range(2):  # another writer may insert the same user first: then read it
        with Session(engine) as session:
            user = session.get(User, user_id)
            if user is None:
                session.add(User(id=user_id, first_seen=utc(now)))
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()
                    continue
                return None
            if user.blocked:
                user.blocked = False
                session.add(user)
                session.commit()
            return user.language
    return get_language(engine, user_id)


def get_language(engine: Engine, user_id: int) -> str | None:
    """Return the language the user chose, or None."""
    with Session(engine) as session:
        user = session.get(User, user_id)
        return user.language if user else None


def chosen_languages(engine: Engine) -> dict[int, str]:
    """Return every stored /language choice, by user id."""
    with Session(engine) as session:
        rows = session.exec(select(User.id, User.language).where(col(User.language).is_not(None)))
        return {user_id: language for user_id, language in rows if language is not None}


def set_language(engine: Engine, user_id: int, lang: str, now: datetime) -> None:
    """Store the user's language choice."""
    _update_user(engine, user_id, now, language=lang)


def set_blocked(engine: Engine, user_id: int, blocked: bool, now: datetime) -> None:
    """Note that the user blocked (or unblocked) the bot."""
    _update_user(engine, user_id, now, blocked=blocked)


def _update_user(engine: Engine, user_id: int, now: datetime, **fields: Any) -> None:
    with Session(engine) as session:
        user = session.get(User, user_id) or User(id=user_id, first_seen=utc(now))
        for name, value in fields.items():
            setattr(user, name, value)
        session.add(user)
        session.commit()
