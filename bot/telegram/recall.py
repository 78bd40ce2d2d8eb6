"""What a reply recalls of earlier messages: its user's /language choice and the chat's
follow-up context, from memory where memory is exact, else from the database.

On SQLite, memory is exact: one ``course-bot run`` owns the file (``bot/storage/lock.py``
refuses a second) and every language choice and context is written through it, so a copy
loaded once at start and kept up to date as this process writes answers what the database
would, with no statement on a reply's path (a slow disk delays no reply). On PostgreSQL,
replicas behind one webhook share the database and another replica may have written the
choice or the context: those are read from the database, and memory holds a context only
until its own row is written (a follow-up right after its question finds it meanwhile).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bot import storage
from bot.core.answering.dialogue import FOLLOW_UP_WINDOW, Context
from bot.telegram.store import Store

log = logging.getLogger(__name__)

Key = tuple[int, int]  # (chat, user)


def exact_in_memory(db: Engine) -> bool:
    """Tell whether this process sees every write of the database, so memory is exact."""
    # SQLite: one process owns the file (the state lock). A server database may be shared
    # by replicas, each writing choices and contexts the others would not see in memory.
    return db.url.get_backend_name() == "sqlite"


class Recall:
    """Recall each user's language choice and each chat's context, as cheaply as is exact."""

    def __init__(self, db: Engine, store: Store, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.store = store
        self.clock = clock
        self.exact = exact_in_memory(db)
        self._loaded = False
        self._loading = asyncio.Lock()
        self._languages: dict[int, str] = {}
        # On SQLite every context still fresh; on PostgreSQL those not yet written.
        self._contexts: dict[Key, Context] = {}

    async def load(self) -> None:
        """Copy the stored choices and the contexts still fresh into memory, once (SQLite)."""
        if not self.exact or self._loaded:
            return
        async with self._loading:
            if self._loaded:
                return
            since = self.clock() - FOLLOW_UP_WINDOW
            languages, contexts = await asyncio.gather(
                self.store.read(storage.chosen_languages, self.db),
                self.store.read(storage.recent_contexts, self.db, since),
            )
            # What this process wrote meanwhile is newer than anything read.
            self._languages = languages | self._languages
            readable = {key: c for key, data in contexts.items() if (c := _readable(data))}
            self._contexts = readable | self._contexts
            self._loaded = True

    async def language(self, user_id: int) -> str | None:
        """Return the user's /language choice, or None if they made none."""
        if not self.exact:
            return await self.store.read(storage.get_language, self.db, user_id)
        await self.load()
        return self._languages.get(user_id)

    def chose(self, user_id: int, lang: str) -> None:
        """Note a /language choice this process has written."""
        if self.exact:
            self._languages[user_id] = lang

    async def context(self, chat_id: int, user_id: int) -> Context | None:
        """Return what the user last asked about in this chat, if it can still be read."""
        if self.exact:
            await self.load()
        kept = self._contexts.get((chat_id, user_id))
        if kept is not None or self.exact:
            return kept
        data = await self.store.read(storage.load_context, self.db, chat_id, user_id)
        return None if data is None else _readable(data)

    def keep(self, chat_id: int, user_id: int, context: Context, now: datetime) -> None:
        """Queue the writing of the user's context in this chat; recall it from memory now."""
        key = (chat_id, user_id)
        self._contexts[key] = context
        loop = asyncio.get_running_loop()

        def write() -> None:
            try:
                storage.save_context(self.db, chat_id, user_id, context.to_dict(), now)
            except OperationalError as error:
                # The student has the answer; only a follow-up after a restart (or on
                # another replica) will have nothing to lean on.
                log.warning("could not keep a conversation's context: %s", storage.one_line(error))
            finally:
                with contextlib.suppress(RuntimeError):  # the loop is closed: nobody reads it
                    loop.call_soon_threadsafe(self._written, key, context)

        self.store.write_later(write)

    def _written(self, key: Key, context: Context) -> None:
        # A newer context queued meanwhile stays until its own write is in.
        if not self.exact and self._contexts.get(key) is context:
            del self._contexts[key]

    def forget(self, before: datetime) -> None:
        """Drop from memory the contexts from before ``before``: no follow-up leans on them."""
        for key, context in list(self._contexts.items()):
            if context.at < before:
                del self._contexts[key]


def _readable(data: dict[str, Any]) -> Context | None:
    try:
        context = Context.from_dict(data)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None  # written by another version: no context beats a wrong one
    # The engine compares its time with the aware clock: a naive one would fail the
    # answer, and every answer after it until the row is forgotten.
    return context if context.at.tzinfo is not None else None
