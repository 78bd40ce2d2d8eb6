"""Tell every admin something the bot noticed on its own, each in their language."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from telegram import Bot
from telegram.error import TelegramError

from bot.telegram import replies
from bot.telegram.services import Services

log = logging.getLogger(__name__)


async def notify_admins(
    bot: Bot,
    services: Services,
    text: Callable[[str], str],
    *,
    about: str,
    languages: Mapping[int, str] | None = None,
) -> None:
    """Send each admin ``text(lang)`` (HTML) in their language; ``languages`` overrides the
    database's choice (read while the database was still there). A failure is logged and
    the others are still told."""
    for admin in services.settings.admins:
        if languages is not None:
            lang = languages.get(admin) or services.languages.last_admin_language.get(admin, "en")
        else:
            lang = services.languages.of_admin(admin)
        try:
            await replies.send(bot, admin, text(lang))
        except TelegramError as error:
            # An admin who never opened a chat with the bot cannot be written to.
            log.info("could not tell admin %s %s: %s", admin, about, error.message)
