"""The course in use and the engine built on it, swapped whole on /reload or a saved FAQ entry."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine as DbEngine

from bot.core.answering.engine import Engine
from bot.core.course.course import Course
from bot.core.course.loader import load_course
from bot.settings import Settings
from bot.storage import faq

ReloadListener = Callable[[Course], Awaitable[None]]


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


class Library:
    """Hold the knowledge in use and swap it whole: a handler sees the old pair or the new."""

    def __init__(self, knowledge: Knowledge, settings: Settings, db: DbEngine) -> None:
        self.knowledge = knowledge
        self.settings = settings
        self.db = db
        # Called with the new course after a successful reload (e.g. to re-plan reminders).
        self.reload_listeners: list[ReloadListener] = []

    @property
    def course(self) -> Course:
        """Return the course in use right now."""
        return self.knowledge.course

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
