"""Which language to write to whom: a /language choice, else the question's script, else
Telegram's language; for admins written to unprompted, the language of their last exchange."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection
from datetime import datetime

from sqlalchemy.engine import Engine as DbEngine
from sqlalchemy.exc import OperationalError
from telegram import User

from bot import storage
from bot.core.lang.detect import detect_language
from bot.telegram.recall import Recall
from bot.telegram.store import Store

log = logging.getLogger(__name__)

_LETTER = re.compile(r"[A-Za-z\u0600-\u06ff]")


def resolve_language(stored: str | None, language_code: str | None, question: str | None) -> str:
    """Pick a reply language: the stored choice, else the question's script, else Telegram's."""
    if stored in ("en", "fa"):
        return stored
    if question and _LETTER.search(question):
        return detect_language(question)
    return "fa" if (language_code or "").lower().startswith("fa") else "en"


class Languages:
    """Decide the language of each reply, and remember the admins' for notices."""

    def __init__(
        self,
        db: DbEngine,
        admins: Collection[int],
        clock: Callable[[], datetime],
        store: Store,
        recall: Recall,
    ):
        self.db = db
        self.store = store
        self.recall = recall
        self.admins = admins
        self.clock = clock
        # The language each admin was last answered in (by Telegram's language, say), for notices.
        self.last_admin_language: dict[int, str] = {}

    async def of(self, user: User | None, question: str | None = None) -> str:
        """Return the language to answer ``user`` in, recalling their choice (from memory, or
        read on the store's threads); the user's first contact is recorded after, on the
        writer, so no reply waits on it."""
        if user is None:
            return "en"
        try:
            lang = await self.for_reply(user, question)
        except OperationalError:
            # The database is failing: answer anyway, by the message's script.
            lang = self._resolved(user, None, question)
        self.store.write_later(self._remember, user.id, self.clock())
        return lang

    def _remember(self, user_id: int, now: datetime) -> None:
        try:
            storage.remember_user(self.db, user_id, now)
        except OperationalError as error:
            # Recording a first contact can wait (a full disk, say); answering cannot. A write
            # the update truly needs fails again, and is reported then.
            log.debug("could not record user %s: %s", user_id, storage.one_line(error))

    async def for_reply(self, user: User, question: str | None) -> str:
        """Return the language to answer ``user`` in, only recalling their choice (from memory,
        or read on the store's threads): the hot path of answering questions records the
        user afterwards."""
        stored = await self.recall.language(user.id)
        return self._resolved(user, stored, question)

    def _resolved(self, user: User, stored: str | None, question: str | None) -> str:
        lang = resolve_language(stored, user.language_code, question)
        if user.id in self.admins:
            self.last_admin_language[user.id] = lang
        return lang

    def of_admin(self, admin: int) -> str:
        """Return the language to write to an admin in when they did not just write: their
        /language choice, else the language of their last exchange with the bot, else English."""
        stored = storage.get_language(self.db, admin)
        return stored or self.last_admin_language.get(admin, "en")
