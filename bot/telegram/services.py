"""What every handler needs, created once per application by ``build_application``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.engine import Engine as DbEngine
from telegram import User

from bot.core.course.course import Course
from bot.settings import Settings
from bot.storage.watch import DatabaseWatch
from bot.telegram.flood import FloodGuard
from bot.telegram.knowledge import Library
from bot.telegram.language import Languages
from bot.telegram.menu import Command
from bot.telegram.recall import Recall
from bot.telegram.store import Store

Clock = Callable[[], datetime]


class Reminders(Protocol):
    """What the rest of the bot asks of the reminders (``reminder_jobs.ReminderService``)."""

    @property
    def leading(self) -> bool:
        """Tell whether this process runs the reminders (and the desk's retries) now."""


@dataclass
class Services:
    """The bot's long-lived collaborators, one object per application.

    It is PTB's ``bot_data`` itself: a handler reaches it as ``context.services``, anything
    holding the application as ``services_of(application)`` (``bot.telegram.context``).
    """

    settings: Settings
    library: Library
    db: DbEngine
    clock: Clock
    commands: tuple[Command[Any], ...]
    flood: FloodGuard
    languages: Languages
    watch: DatabaseWatch
    # Storage calls off the event loop: a reply never waits on another chat's write.
    store: Store
    # Each user's language choice and each chat's context, from memory where exact.
    recall: Recall
    # Set by build_application once the application exists: the service schedules its jobs.
    reminders: Reminders = field(init=False)
    # When the last update from Telegram arrived, for the web side's /healthz.
    last_update_at: datetime | None = None
    # Set once SIGINT or SIGTERM arrived: start no more updates or broadcasts (stopping.py).
    stopping: bool = False

    @property
    def course(self) -> Course:
        """Return the course in use right now."""
        return self.library.course

    def now(self) -> datetime:
        """Return the current moment from the injected clock."""
        return self.clock()

    def is_admin(self, user: User | None) -> bool:
        """Tell whether the user is on the staff list."""
        return user is not None and user.id in self.settings.admins
