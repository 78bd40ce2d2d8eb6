"""Check the SQLite file before every update and every half minute, and tell the admins if it
was lost (``bot.storage.watch`` notices and recreates it)."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.ext import TypeHandler

from bot.telegram.admins import notify_admins
from bot.telegram.context import BotContext, CourseApplication, services_of
from bot.telegram.replies import ht

log = logging.getLogger(__name__)

CHECK_SECONDS = 30


def install(application: CourseApplication) -> None:
    """Check the database before every update and every half minute."""
    services = services_of(application)
    watch = services.watch
    if watch.path is None:
        return  # nothing on disk to lose

    languages: dict[int, str] = {}

    def remember_admin_languages() -> None:
        # A pooled connection may still read the deleted file: keep the admins' languages.
        languages.clear()
        for admin in services.settings.admins:
            try:
                languages[admin] = services.languages.of_admin(admin)
            except SQLAlchemyError:
                break

    def tell_admins() -> None:
        path = str(watch.path)
        notice = notify_admins(
            application.bot,
            services,
            lambda lang: ht(lang, "bot.database.lost", path=path),
            about="about the database",
            languages=languages,
        )
        application.create_task(notice)

    watch.on_lost.append(remember_admin_languages)
    watch.on_recreated.append(tell_admins)

    async def check_update(_: object, context: BotContext) -> None:
        watch.verify()

    async def check_periodically(context: BotContext) -> None:
        # A job is called with the context alone, unlike a handler.
        watch.verify()

    # Group -3 runs before every other group (each may write); a group of its own, since
    # within a group only the first matching handler runs.
    application.add_handler(TypeHandler(Update, check_update), group=-3)
    assert application.job_queue is not None
    application.job_queue.run_repeating(
        check_periodically, interval=CHECK_SECONDS, first=CHECK_SECONDS, name="database-watch"
    )
