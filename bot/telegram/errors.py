"""What the bot does when handling an update fails: one log line for the expected failures
(a user who left, the network, a database that cannot write), a traceback only for bugs, and
a short word to the user — a tap is always answered, a private chat told."""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError
from telegram import Update
from telegram.constants import ChatType
from telegram.error import Forbidden, NetworkError

from bot import storage
from bot.telegram import replies
from bot.telegram.context import BotContext
from bot.telegram.language import resolve_language

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Log a failed update with its context and tell the user; never re-raise."""
    error = context.error
    where = _describe(update)
    if isinstance(error, Forbidden):
        log.info("%s: %s", where, error.message)
        return
    if isinstance(error, NetworkError):
        # Polling hiccups come here too; PTB retries them, a traceback would only be noise.
        log.warning("%s: network error: %s", where, error.message)
        return
    if isinstance(error, OperationalError):
        # A failed write may mean the database file is gone: recreate it for the next update.
        context.services.watch.verify()
        # A full or read-only disk, or a database server away: expected, and one line each
        # (a traceback per update would fill a full disk further).
        log.warning("%s: cannot use the database: %s", where, storage.one_line(error))
        await _tell(update, context, "bot.cannot_save")
        return
    log.error("%s: unhandled error", where, exc_info=error)
    await _tell(update, context, "bot.error")


async def _tell(update: object, context: BotContext, key: str) -> None:
    """Answer a tap with ``key``'s text, or say it in a private chat; in groups stay silent."""
    if not isinstance(update, Update):
        return
    lang = _language(update, context)
    text = replies.ht(lang, key)
    query = update.callback_query
    try:
        if query is not None:
            # The tap's own answer is the message: the spinner must not hang on it.
            await query.answer(replies.as_plain(text), show_alert=key == "bot.cannot_save")
            return
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return  # in groups, silence beats an apology nobody asked for
        await replies.send(context.bot, chat.id, text)
    except Exception:  # the error handler itself must never fail
        log.info("could not tell the user of update %s", update.update_id)


def _language(update: Update, context: BotContext) -> str:
    """Return the user's language without writing: the write may be what failed."""
    user = update.effective_user
    if user is None:
        return "en"
    try:
        stored = storage.get_language(context.services.db, user.id)
    except OperationalError:
        stored = None
    return resolve_language(stored, user.language_code, None)


def _describe(update: object) -> str:
    if not isinstance(update, Update):
        return "background task"
    user = update.effective_user
    chat = update.effective_chat
    return (
        f"update {update.update_id} "
        f"(user {user.id if user else '-'}, chat {chat.id if chat else '-'})"
    )
