"""Students' reminder subscriptions: /subscribe, /unsubscribe and the one-tap links."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType, ParseMode

from bot import storage
from bot.core.lang.i18n import t
from bot.core.planning.interests import INTERESTS, Interest, as_interest
from bot.telegram import replies
from bot.telegram.context import BotContext
from bot.telegram.replies import edit_quietly, expired, ht, reply

log = logging.getLogger(__name__)

SUBSCRIBE_PREFIX = "sub:"


def subscribe_keyboard(lang: str) -> InlineKeyboardMarkup:
    """Return one button per choice: everything, quizzes only, deadlines only."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(lang, f"bot.subscribe.choice.{interest}"),
                    callback_data=f"{SUBSCRIBE_PREFIX}{interest}",
                )
            ]
            for interest in INTERESTS
        ]
    )


async def subscribe(update: Update, context: BotContext) -> None:
    """Offer the reminder choices as buttons, in a private chat only."""
    lang = await context.language(update)
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None or chat.type != ChatType.PRIVATE:
        await reply(update, context, ht(lang, "bot.subscribe.private_only"))
        return
    lines = [ht(lang, "bot.subscribe.prompt")]
    current = await context.services.store.read(storage.subscription, context.services.db, user.id)
    if current is not None:
        choice = t(lang, f"bot.subscribe.choice.{current}")
        lines.append(ht(lang, "bot.subscribe.current", choice=choice))
    await reply(update, context, "\n".join(lines), subscribe_keyboard(lang))


async def subscription_chosen(update: Update, context: BotContext) -> None:
    """Store the choice made with a /subscribe button and confirm it in the message."""
    query = update.callback_query
    assert query is not None and query.data is not None
    interest = as_interest(query.data.removeprefix(SUBSCRIBE_PREFIX))
    message = query.message
    if interest is None or message is None or message.chat.type != ChatType.PRIVATE:
        await expired(update, context)
        return
    services = context.services
    lang = await services.languages.of(query.from_user)
    await services.store.write(
        storage.subscribe, services.db, query.from_user.id, interest, services.now(), lang
    )
    log.info("user %s subscribed to %s", query.from_user.id, interest)
    done = ht(lang, "bot.subscribe.done", choice=t(lang, f"bot.subscribe.choice.{interest}"))
    await query.answer(replies.as_plain(done))
    await edit_quietly(query.edit_message_text(done, parse_mode=ParseMode.HTML))


async def subscribe_from_link(update: Update, context: BotContext, interest: Interest) -> bool:
    """Subscribe from a /start deep link and confirm; False outside a private chat."""
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None or chat.type != ChatType.PRIVATE:
        return False
    services = context.services
    lang = await context.language(update)
    await services.store.write(
        storage.subscribe, services.db, user.id, interest, services.now(), lang
    )
    log.info("user %s subscribed to %s from a link", user.id, interest)
    done = ht(lang, "bot.subscribe.done", choice=t(lang, f"bot.subscribe.choice.{interest}"))
    await reply(update, context, done)
    return True


async def unsubscribe(update: Update, context: BotContext) -> None:
    """Stop the user's reminders."""
    lang = await context.language(update)
    user = update.effective_user
    services = context.services
    stopped = user is not None and await services.store.write(
        storage.unsubscribe, services.db, user.id
    )
    if user is not None and stopped:
        log.info("user %s unsubscribed", user.id)
    await reply(
        update, context, ht(lang, "bot.unsubscribe.done" if stopped else "bot.unsubscribe.none")
    )
