"""Checks every update passes before any feature sees it: group etiquette and flood control."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.telegram import replies
from bot.telegram.services import BotContext

WINDOW = timedelta(minutes=1)


class FloodGuard:
    """Allow each user at most ``limit`` updates in any one-minute window."""

    def __init__(self, limit: int, clock: Callable[[], datetime]) -> None:
        self.limit = limit
        self.clock = clock
        self._seen: dict[int, deque[datetime]] = {}
        self._warned: dict[int, datetime] = {}

    def allow(self, user_id: int) -> bool:
        """Count one update from the user and tell whether it is within the limit."""
        now = self.clock()
        seen = self._seen.setdefault(user_id, deque())
        while seen and seen[0] <= now - WINDOW:
            seen.popleft()
        if len(seen) >= self.limit:
            return False
        seen.append(now)
        self._forget_idle(now)
        return True

    def first_refusal(self, user_id: int) -> bool:
        """Tell whether to warn the user: once per window, so the warning is no flood itself."""
        now = self.clock()
        last = self._warned.get(user_id)
        if last is not None and now - last < WINDOW:
            return False
        self._warned[user_id] = now
        return True

    def _forget_idle(self, now: datetime) -> None:
        # Keep memory bounded by the users active in the last minute.
        if len(self._seen) > 10_000:
            idle = [uid for uid, seen in self._seen.items() if not seen or seen[-1] <= now - WINDOW]
            for uid in idle:
                self._seen.pop(uid, None)
                self._warned.pop(uid, None)


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


async def guard(update: Update, context: BotContext) -> None:
    """Stop updates the bot must ignore, and users who exceed the flood limit."""
    message = update.message
    if message is not None and not addressed_to_bot(message, context.bot.username, context.bot.id):
        raise ApplicationHandlerStop
    user = update.effective_user
    counted = message or update.callback_query or update.inline_query
    if user is None or counted is None:
        return
    flood = context.services.flood
    if flood.allow(user.id):
        return
    if flood.first_refusal(user.id):
        lang = context.services.language_of(user)
        if update.callback_query is not None:
            await update.callback_query.answer(replies.as_plain(replies.ht(lang, "bot.flood")))
        elif message is not None:
            await replies.send(context.bot, message.chat_id, replies.ht(lang, "bot.flood"))
    raise ApplicationHandlerStop
