"""Checks every update passes before any feature sees it: group etiquette and flood control.

``admit`` runs as each update arrives, before it takes a concurrency slot (ordering.py);
the ``guard`` handler then only delivers the flood warning.
"""

from __future__ import annotations

from telegram import Bot, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.telegram import replies
from bot.telegram.flood import FloodGuard
from bot.telegram.services import BotContext

SERVE, IGNORE, WARN = "serve", "ignore", "warn"


def addressed_to_bot(message: Message, username: str, bot_id: int) -> bool:
    """Tell whether the bot should react: any private message; in groups only commands
    (bare or ``/cmd@thisbot``), mentions of the bot and replies to it."""
    if message.chat.type == ChatType.PRIVATE:
        return True
    wanted = username.lower()
    # parse_entities slices by Telegram's UTF-16 offsets, which str indexing would get wrong.
    found = message.parse_entities() or message.parse_caption_entities()
    for entity, part in found.items():
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            _, at, target = part.partition("@")
            if not at or target.lower() == wanted:
                return True
        elif _names_bot(entity, part, wanted, bot_id):
            return True
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)


def _names_bot(entity: MessageEntity, part: str, username: str, bot_id: int) -> bool:
    if entity.type == MessageEntity.MENTION:
        return part[1:].lower() == username
    if entity.type == MessageEntity.TEXT_MENTION:
        return entity.user is not None and entity.user.id == bot_id
    return False


def screen(update: object, bot: Bot, flood: FloodGuard) -> str:
    """Decide an update's fate before any work is spent on it, counting it against the flood
    limit: SERVE it, IGNORE it (not for the bot, or the user is flooding), or WARN the user
    (the first update past the limit in a window)."""
    if not isinstance(update, Update):
        return SERVE
    # An edit follows the rules of a new message: group etiquette and the flood count.
    message = update.message or update.edited_message
    if message is not None and not addressed_to_bot(message, bot.username, bot.id):
        return IGNORE
    user = update.effective_user
    counted = message or update.callback_query or update.inline_query
    if user is None or counted is None or flood.allow(user.id):
        return SERVE
    return WARN if flood.first_refusal(user.id) else IGNORE


def admit(update: object, bot: Bot, flood: FloodGuard) -> bool:
    """Screen an update as it arrives; tell whether to process it at all.

    Called by the update processor (ordering.PerChatOrder) before the update takes a
    concurrency slot or its chat's lock, so a flood is turned away at the door.
    """
    verdict = screen(update, bot, flood)
    if verdict == WARN and isinstance(update, Update):
        flood.warn_about(update.update_id)
    return verdict != IGNORE


async def guard(update: Update, context: BotContext) -> None:
    """Warn a user who just passed the flood limit (see ``admit``), and stop that update."""
    flood = context.services.flood
    if not flood.take_warning(update.update_id):
        return
    user = update.effective_user
    lang = context.services.language_of(user)
    if update.callback_query is not None:
        await update.callback_query.answer(replies.as_plain(replies.ht(lang, "bot.flood")))
    elif update.effective_message is not None:
        await replies.send(
            context.bot, update.effective_message.chat_id, replies.ht(lang, "bot.flood")
        )
    raise ApplicationHandlerStop
