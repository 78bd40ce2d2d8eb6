"""Students' reminder subscriptions (/subscribe, /unsubscribe) and the calendar file (/calendar)."""

from __future__ import annotations

import logging
from typing import get_args

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType, ParseMode

from bot import storage
from bot.core.i18n import t
from bot.core.reminders import Interest
from bot.ical import course_calendar
from bot.telegram import replies
from bot.telegram.replies import ht
from bot.telegram.services import BotContext
from bot.telegram.student import edit_quietly, expired, reply
from bot.web.app import INTEREST_FILTERS, feed_links
from bot.web.feed import alarm_offsets, versions_of

log = logging.getLogger(__name__)

SUBSCRIBE_PREFIX = "sub:"
INTERESTS: tuple[Interest, ...] = get_args(Interest)


def _lang(update: Update, context: BotContext) -> str:
    return context.services.language_of(update.effective_user)


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
    lang = _lang(update, context)
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None or chat.type != ChatType.PRIVATE:
        await reply(update, context, ht(lang, "bot.subscribe.private_only"))
        return
    lines = [ht(lang, "bot.subscribe.prompt")]
    current = storage.subscription(context.services.db, user.id)
    if current is not None:
        choice = t(lang, f"bot.subscribe.choice.{current}")
        lines.append(ht(lang, "bot.subscribe.current", choice=choice))
    await reply(update, context, "\n".join(lines), subscribe_keyboard(lang))


async def subscription_chosen(update: Update, context: BotContext) -> None:
    """Store the choice made with a /subscribe button and confirm it in the message."""
    query = update.callback_query
    assert query is not None and query.data is not None
    interest = query.data.removeprefix(SUBSCRIBE_PREFIX)
    message = query.message
    if interest not in INTERESTS or message is None or message.chat.type != ChatType.PRIVATE:
        await expired(update, context)
        return
    services = context.services
    lang = services.language_of(query.from_user)
    storage.subscribe(services.db, query.from_user.id, interest, services.now(), lang)
    log.info("user %s subscribed to %s", query.from_user.id, interest)
    done = ht(lang, "bot.subscribe.done", choice=t(lang, f"bot.subscribe.choice.{interest}"))
    await query.answer(replies.as_plain(done))
    await edit_quietly(query.edit_message_text(done, parse_mode=ParseMode.HTML))


async def subscribe_from_link(update: Update, context: BotContext, interest: str) -> bool:
    """Subscribe from a /start deep link and confirm; False outside a private chat."""
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None or chat.type != ChatType.PRIVATE:
        return False
    services = context.services
    lang = _lang(update, context)
    storage.subscribe(services.db, user.id, interest, services.now(), lang)
    log.info("user %s subscribed to %s from a link", user.id, interest)
    done = ht(lang, "bot.subscribe.done", choice=t(lang, f"bot.subscribe.choice.{interest}"))
    await reply(update, context, done)
    return True


async def unsubscribe(update: Update, context: BotContext) -> None:
    """Stop the user's reminders."""
    lang = _lang(update, context)
    user = update.effective_user
    services = context.services
    stopped = user is not None and storage.unsubscribe(services.db, user.id)
    if stopped:
        log.info("user %s unsubscribed", user.id)  # type: ignore[union-attr]
    await reply(
        update, context, ht(lang, "bot.unsubscribe.done" if stopped else "bot.unsubscribe.none")
    )


async def calendar(update: Update, context: BotContext) -> None:
    """Send the course calendar as an iCalendar file, in the user's language."""
    message = update.effective_message
    if message is None:
        return
    lang = _lang(update, context)
    services = context.services
    course = services.course
    caption = ht(lang, "bot.calendar.caption")
    web = services.settings.web
    if web is not None and web.public_url:
        # The live feed of what the student subscribed to, so moved dates follow.
        user = update.effective_user
        interest = storage.subscription(services.db, user.id) if user is not None else None
        https, webcal = feed_links(web.public_url)
        chosen = INTEREST_FILTERS.get(interest or "all", "all")
        links = ht(
            lang, "web.calendar_links", https=https[lang][chosen], webcal=webcal[lang][chosen]
        )
        caption = f"{caption}\n\n{links}"
    await context.bot.send_document(
        message.chat_id,
        document=course_calendar(
            course,
            lang,
            versions=versions_of(storage.event_versions(services.db)),
            alarms=alarm_offsets(services.settings),
        ),
        filename=f"{course.data.course.code.lower()}.ics",
        caption=caption,
        parse_mode=ParseMode.HTML,
    )
