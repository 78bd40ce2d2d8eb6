"""Checks every update passes before any feature sees it: group etiquette and flood control.

``admit`` runs as each update arrives, before it takes a concurrency slot (ordering.py);
the ``guard`` handler then only delivers the flood warning.
"""

from __future__ import annotations

from telegram import Bot, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.telegram import replies
from bot.telegram.context import BotContext
from bot.telegram.flood import FloodGuard

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
    """Decide an update's fate before any work is spent on it: SERVE it, IGNORE it (not for
    the bot, or the user is flooding), or WARN (the update carries the "slow down" notice).

    Messages and edits count against the flood limit; button taps and inline queries only
    against their own, far larger allowance. A tap past it is still answered (WARN), so
    Telegram's spinner never hangs; a message past the limit is warned about once a window.
    """
    if not isinstance(update, Update):
        return SERVE
    # An edit follows the rules of a new message: group etiquette and the flood count.
    message = update.message or update.edited_message
    if message is not None and not addressed_to_bot(message, bot.username, bot.id):
        return IGNORE
    user = update.effective_user
    if user is None:
        return SERVE
    if message is not None:
        if flood.allow(user.id):
            return SERVE
        return WARN if flood.first_refusal(user.id) else IGNORE
    if update.callback_query is not None:
        return SERVE if flood.allow_interaction(user.id) else WARN
    if update.inline_query is not None:
        return SERVE if flood.allow_interaction(user.id) else IGNORE
    return SERVE


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
    """Give the "slow down" notice on an update ``admit`` marked (a tap gets it as its
    answer), and stop that update."""
    flood = context.services.flood
    if not flood.take_warning(update.update_id):
        return
    user = update.effective_user
    lang = await context.services.languages.of(user)
    if update.callback_query is not None:
        await update.callback_query.answer(replies.as_plain(replies.ht(lang, "bot.flood")))
    elif update.effective_message is not None:
        await replies.send(
            context.bot, update.effective_message.chat_id, replies.ht(lang, "bot.flood")
        )
    raise ApplicationHandlerStop
