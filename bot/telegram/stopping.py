"""A quick, clean stop: nothing new is started once SIGINT or SIGTERM arrives, what is running
gets a few seconds, and updates received but not started are kept for the next start.

Telegram counts an update as delivered once the bot asks for the next ones (polling) or
answers the webhook's POST, which happens long before a slow reply is sent: an update still
waiting in the bot at a stop would otherwise be lost. Those are saved to the database
(``storage.spool``) and handled first at the next start, by whichever replica starts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update

from bot import storage
from bot.telegram.context import CourseApplication, services_of
from bot.telegram.ordering import PerChatOrder
from bot.telegram.services import Services

log = logging.getLogger(__name__)

# How long updates already being handled may still run after the signal: with the stop's
# other steps (the last getUpdates, closing connections) the process ends within 10 s.
GRACE_SECONDS = 6.0


def keeper(services: Services) -> Callable[[object], bool]:
    """Return the function the update processor hands unstarted updates to at a stop."""

    def keep(update: object) -> bool:
        if not isinstance(update, Update) or not _worth_keeping(update):
            return False
        try:
            storage.spool.spool_update(
                services.db, update.update_id, update.to_dict(), services.now()
            )
        except SQLAlchemyError as error:
            log.warning("stopping: update %d could not be kept: %s", update.update_id, error)
            return False
        return True

    return keep


def _worth_keeping(update: Update) -> bool:
    # A button's spinner and an inline query expire within seconds: after a restart nobody
    # is waiting for them, and Telegram would refuse the answer.
    return update.callback_query is None and update.inline_query is None


def begin(application: CourseApplication) -> None:
    """Stop starting updates and broadcasts now; what runs is cut short after the grace."""
    services = services_of(application)
    if services.stopping:
        return
    services.stopping = True
    processor = application.update_processor
    if isinstance(processor, PerChatOrder):
        processor.drain(GRACE_SECONDS)


def report(application: CourseApplication) -> None:
    """Say how many updates were kept for the next start, if any."""
    processor = application.update_processor
    if isinstance(processor, PerChatOrder) and processor.kept:
        log.info("stopped with %d update(s) kept for the next start", processor.kept)


async def restore(application: CourseApplication) -> None:
    """Queue the updates kept at the last stop, before any new one arrives."""
    services = services_of(application)
    kept = storage.spool.take_spooled(services.db)
    processor = application.update_processor
    if isinstance(processor, PerChatOrder):
        processor.expect_again(data["update_id"] for data in kept)
    for data in kept:
        await application.update_queue.put(Update.de_json(data, application.bot))
    if kept:
        log.info("handling %d update(s) kept at the last stop", len(kept))
