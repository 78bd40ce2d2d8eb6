"""What every handler needs, created once per application: course, engine, database, clock."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy.engine import Engine as DbEngine
from sqlalchemy.exc import OperationalError
from telegram import Update, User
from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot import storage
from bot.core.answering import asking
from bot.core.answering.dialogue import Context
from bot.core.answering.engine import Answer, Engine
from bot.core.course.course import Course
from bot.core.course.loader import load_course
from bot.core.lang.detect import detect_language
from bot.settings import Settings
from bot.storage import faq
from bot.telegram.flood import FloodGuard
from bot.telegram.limiter import Broadcast

if TYPE_CHECKING:
    from bot.telegram.menu import Command

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
ReloadListener = Callable[[Course], Awaitable[None]]
_LETTER = re.compile(r"[A-Za-z\u0600-\u06ff]")


@dataclass(frozen=True)
class Knowledge:
    """A course and the engine built on it, swapped together so they always match.

    The course is the course file's with the FAQ entries the staff saved in the database
    after its own; ``base`` is the file's alone, to which a fresh set is added when the saved
    entries change (``revision``, see ``storage.faq.faq_revision``).
    """

    course: Course
    engine: Engine
    base: Course
    revision: faq.Revision = (0, 0, 0)

    @classmethod
    def load(cls, settings: Settings, db: DbEngine) -> Knowledge:
        """Load and validate the course file, with the saved entries; raise CourseError if the
        file is invalid."""
        return cls.build(load_course(settings.course_path()), db)

    @classmethod
    def build(cls, base: Course, db: DbEngine) -> Knowledge:
        """Add the saved FAQ entries to ``base`` and build the engine on the result."""
        # Read first: an entry saved meanwhile then only causes one more rebuild.
        revision = faq.faq_revision(db)
        course = base.with_faq(faq.as_entry(row) for row in faq.saved_faq(db))
        engine = Engine(course)
        engine.index  # noqa: B018 - built now, not on the first student's question
        return cls(course, engine, base, revision)


@dataclass
class Services:
    """The bot's long-lived collaborators, reachable as ``application.bot_data["services"]``."""

    settings: Settings
    knowledge: Knowledge
    db: DbEngine
    clock: Clock
    commands: tuple[Command, ...]
    flood: FloodGuard
    # Called with the new course after a successful /reload (e.g. to re-plan reminders).
    reload_listeners: list[ReloadListener] = field(default_factory=list)
    # The language each admin was last answered in (by Telegram's language, say), for notices.
    admin_languages: dict[int, str] = field(default_factory=dict)
    # When the last update from Telegram arrived, for the web side's /healthz.
    last_update_at: datetime | None = None
    # Set once SIGINT or SIGTERM arrived: start no more updates or broadcasts (stopping.py).
    stopping: bool = False

    @property
    def course(self) -> Course:
        """Return the course in use right now."""
        return self.knowledge.course

    def now(self) -> datetime:
        """Return the current moment from the injected clock."""
        return self.clock()

    def is_admin(self, user: User | None) -> bool:
        """Tell whether the user is on the staff list."""
        return user is not None and user.id in self.settings.admins

    async def reload(self) -> Course:
        """Re-read the course file and swap it in; on CourseError the old one stays."""
        # Parsing happens off the event loop so other chats keep being answered.
        fresh = await asyncio.to_thread(Knowledge.load, self.settings, self.db)
        # One attribute assignment: a handler sees either the old pair or the new one.
        self.knowledge = fresh
        for listener in self.reload_listeners:
            await listener(fresh.course)
        return fresh.course

    async def refresh_faq(self, *, unless_current: bool = False) -> bool:
        """Rebuild the engine with the saved FAQ entries as they are now (after one was saved
        or removed, here or on another replica); with ``unless_current``, only if they changed
        since. Return whether it rebuilt."""
        current = self.knowledge
        if unless_current:
            revision = await asyncio.to_thread(faq.faq_revision, self.db)
            if revision == current.revision:
                return False
        fresh = await asyncio.to_thread(Knowledge.build, current.base, self.db)
        if self.knowledge is not current:
            return False  # a reload swapped in a newer course meanwhile, with these entries
        self.knowledge = fresh
        return True

    async def answer(
        self,
        user: User,
        question: str,
        deliver: Callable[[Answer], Awaitable[None]],
        *,
        via: str = storage.CHAT,
        chat_id: int | None = None,
    ) -> Answer:
        """Answer ``user``'s question with the engine, ``deliver`` the answer, log the question.

        The one way a question is answered, whether typed to the bot or asked inline (``via``).
        In a chat (``chat_id``), the user's previous question there is the context a follow-up
        ("and quiz 4?") leans on; it is kept in the database, so every replica sees it.
        """
        lang = self.reply_language(user, question)
        now = self.now()
        context = self._context(chat_id, user.id) if chat_id is not None else None
        answer = asking.answer(self.knowledge.engine, question, now, lang, context=context)
        try:
            await deliver(answer)
        finally:
            # After delivery, so the student does not wait for the writes; done either way,
            # and before this chat's next update.
            self._log_question(user, question, answer, now, via)
            if chat_id is not None and answer.context is not None and answer.context != context:
                self._remember(chat_id, user.id, answer.context, now)
        return answer

    def _remember(self, chat_id: int, user_id: int, context: Context, now: datetime) -> None:
        """Keep what the user asked about in this chat, for their next message."""
        try:
            storage.save_context(self.db, chat_id, user_id, context.to_dict(), now)
        except OperationalError as error:
            # The student has the answer; only a follow-up will have nothing to lean on.
            log.warning("could not keep a conversation's context: %s", storage.one_line(error))

    def _log_question(
        self, user: User, question: str, answer: Answer, now: datetime, via: str
    ) -> None:
        try:
            storage.note_question(
                self.db,
                user.id,
                question,
                lang=answer.lang,
                answered=answer.answered,
                used=answer.used,
                asked_at=now,
                # A decline that answers ("the course has 7 quizzes") is not a miss.
                outcome=storage.outcome_of(answer.answered, answer.used, answer.unknown),
                reason=answer.declined,
                via=via,
            )
        except OperationalError as error:
            # The student has the answer; only the statistics miss this question.
            log.warning("could not log a question: %s", storage.one_line(error))

    def _context(self, chat_id: int, user_id: int) -> Context | None:
        """Return what the user last asked about in this chat, if it can still be read."""
        data = storage.load_context(self.db, chat_id, user_id)
        if data is None:
            return None
        try:
            context = Context.from_dict(data)
        except (AttributeError, KeyError, TypeError, ValueError):
            return None  # written by another version: no context beats a wrong one
        # The engine compares its time with the aware clock: a naive one would fail the
        # answer, and every answer after it until the row is forgotten.
        return context if context.at.tzinfo is not None else None

    def language_of(self, user: User | None, question: str | None = None) -> str:
        """Return the language to answer ``user`` in, recording the user on first contact."""
        if user is None:
            return "en"
        try:
            stored = storage.remember_user(self.db, user.id, self.now())
        except OperationalError as error:
            # Recording a first contact can wait (a full disk, say); answering cannot. A write
            # the update truly needs fails again, and is reported then.
            log.debug("could not record user %s: %s", user.id, storage.one_line(error))
            stored = self._stored_language(user.id)
        return self._resolved(user, stored, question)

    def _stored_language(self, user_id: int) -> str | None:
        try:
            return storage.get_language(self.db, user_id)
        except OperationalError:
            return None

    def reply_language(self, user: User, question: str) -> str:
        """Return the language to answer ``user`` in, only reading the database: the hot path
        of answering questions records the user afterwards (see ``answer``)."""
        stored = storage.get_language(self.db, user.id)
        return self._resolved(user, stored, question)

    def _resolved(self, user: User, stored: str | None, question: str | None) -> str:
        lang = resolve_language(stored, user.language_code, question)
        if user.id in self.settings.admins:
            self.admin_languages[user.id] = lang
        return lang

    def admin_language(self, admin: int) -> str:
        """Return the language to write to an admin in when they did not just write: their
        /language choice, else the language of their last exchange with the bot, else English."""
        stored = storage.get_language(self.db, admin)
        return stored or self.admin_languages.get(admin, "en")


def resolve_language(stored: str | None, language_code: str | None, question: str | None) -> str:
    """Pick a reply language: the stored choice, else the question's script, else Telegram's."""
    if stored in ("en", "fa"):
        return stored
    if question and _LETTER.search(question):
        return detect_language(question)
    return "fa" if (language_code or "").lower().startswith("fa") else "en"


# PTB's user, chat and bot data stay plain dicts; the services live in bot_data.
Data: TypeAlias = dict[Any, Any]
# The bot's sends may carry a Broadcast mark for the limiter (limiter.py).
CourseBot: TypeAlias = ExtBot[Broadcast | None]


class BotContext(CallbackContext[CourseBot, Data, Data, Data]):
    """The callback context, with typed access to the services."""

    @property
    def services(self) -> Services:
        """Return the application's services."""
        return services_of(self.application)

    def language(self, update: Update) -> str:
        """Return the language to answer the user behind ``update`` in, recording them."""
        return self.services.language_of(update.effective_user)


# A handler as PTB calls it with our context.
Handler: TypeAlias = Callable[[Update, BotContext], Coroutine[Any, Any, None]]
# The application as build_application makes it. PTB's builder types its job queue with the
# default context, though jobs do receive a BotContext.
CourseApplication: TypeAlias = Application[CourseBot, BotContext, Data, Data, Data, JobQueue[Any]]
# What a context's ``application`` is typed as: PTB cannot name the context class there.
AnyApplication: TypeAlias = Application[Any, Any, Any, Any, Any, Any]


def services_of(application: AnyApplication) -> Services:
    """Return the services stored on an application."""
    services: Services = application.bot_data["services"]
    return services
