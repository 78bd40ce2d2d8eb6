"""The staff chat: where the desk's cards go, how a card reads, posting and updating it, and
whether the chat takes the bot's posts at all."""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Bot, ChatMember, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError

from bot.core.lang.calendar import format_datetime
from bot.core.lang.i18n import t
from bot.storage import desk, faq
from bot.storage.database import from_db
from bot.telegram import replies
from bot.telegram.admins import notify_admins
from bot.telegram.context import AnyApplication, services_of
from bot.telegram.replies import edit_quietly, escape, ht
from bot.telegram.services import Services

log = logging.getLogger(__name__)

DISMISS_PREFIX = "desk:dismiss:"
SAVE_PREFIX = "faq:save:"
# What of an answer the card repeats; the students get all of it.
CARD_ANSWER_LIMIT = 1500
# The staff chat is written in one language: the button texts staff know the desk by.
STAFF_LANG = "en"
LANGUAGE_NAMES = {"en": "English", "fa": "Persian"}


def staff_chat(services: Services) -> int | None:
    """Return the staff chat's id, or None when the desk is off."""
    return services.settings.staff_chat


def render_card(
    services: Services,
    card: desk.StaffCard,
    saved: faq.SavedFaq | None = None,
    counts: dict[str, int] | None = None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Render a card: the question, its language, the bot's guess, how many asked, and what
    became of it (``counts``: its students by delivery status); with Dismiss while pending,
    and Save as FAQ once answered."""
    lang = STAFF_LANG
    language = LANGUAGE_NAMES.get(card.lang, card.lang)
    lines = [
        ht(lang, "bot.desk.card.head", number=card.id or 0, language=language, n=card.asked),
        f"<blockquote>{escape(card.question)}</blockquote>",
    ]
    if card.length > len(card.question):
        lines.append(ht(lang, "bot.desk.card.cut", length=card.length))
    if card.guess:
        lines.append(ht(lang, "bot.desk.card.guess", guess=card.guess))
    button: tuple[str, str] | None = None
    if card.status == desk.PENDING:
        lines += ["", ht(lang, "bot.desk.card.how")]
        button = (t(lang, "bot.desk.card.dismiss"), f"{DISMISS_PREFIX}{card.id}")
    else:
        who = {"name": card.closed_by or "?", "when": staff_time(services, card.closed_at)}
        counts = counts or {}
        if card.status == desk.ANSWERED:
            answer = card.answer or ""
            if len(answer) > CARD_ANSWER_LIMIT:
                answer = answer[:CARD_ANSWER_LIMIT].rstrip() + "…"
            lines += ["", ht(lang, "bot.desk.card.answered", **who), escape(answer)]
            if counts:  # none once the students were forgotten, a month after
                lines.append(_delivery_line(counts, card.asked))
            if saved is None:
                button = (t(lang, "bot.desk.card.save"), f"{SAVE_PREFIX}{card.id}")
            else:
                lines.append(
                    ht(
                        lang,
                        "bot.desk.card.saved",
                        entry=f"{faq.ID_PREFIX}{saved.id}",
                        name=saved.saved_by,
                    )
                )
        else:
            lines += ["", ht(lang, "bot.desk.card.dismissed", **who)]
    keyboard = None
    if button is not None:
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton(button[0], callback_data=button[1])]]
        )
    return "\n".join(lines), keyboard


def _delivery_line(counts: dict[str, int], asked: int) -> str:
    line = ht(STAFF_LANG, "bot.desk.card.delivered", sent=counts.get(desk.DELIVERED, 0), n=asked)
    blocked = counts.get(desk.BLOCKED, 0)
    if blocked:
        line += " " + ht(STAFF_LANG, "bot.desk.card.blocked", blocked=blocked)
    return line


def staff_time(services: Services, moment: datetime | None) -> str:
    """Return a moment as the staff chat writes it (the course's time, in English)."""
    if moment is None:
        return "?"
    return format_datetime(from_db(moment).astimezone(services.settings.tz), STAFF_LANG)


async def post_card(bot: Bot, services: Services, card: desk.StaffCard) -> None:
    """Post a new card to the staff chat and note where it is; on failure a job retries."""
    chat = staff_chat(services)
    card_id = card.id
    assert chat is not None and card_id is not None
    stored = await services.store.read(desk.get_card, services.db, card_id)
    card = stored or card
    text, keyboard = render_card(services, card, counts=await _counts(services, card))
    try:
        sent = await replies.send(bot, chat, text, reply_markup=keyboard, raise_forbidden=True)
    except TelegramError as error:
        log.warning("could not post card %s to the staff chat: %s", card.id, error.message)
        return
    if not sent:
        return
    await services.store.write(desk.card_posted, services.db, card_id, chat, sent[0].message_id)
    log.info("card %s posted to the staff chat", card_id)
    now = await services.store.read(desk.get_card, services.db, card_id)
    if now is not None and (now.asked, now.status) != (card.asked, card.status):
        # Another student joined (or a reply closed it) while it was on its way.
        await show_card(
            bot, services, now, await services.store.read(faq.saved_for_card, services.db, card_id)
        )


async def show_card(
    bot: Bot, services: Services, card: desk.StaffCard, saved: faq.SavedFaq | None = None
) -> None:
    """Bring a posted card up to date (count, outcome, saved entry)."""
    if card.chat_id is None or card.message_id is None:
        return  # not posted yet: the retry posts it as it is then
    text, keyboard = render_card(services, card, saved, await _counts(services, card))
    try:
        await edit_quietly(
            bot.edit_message_text(
                text,
                chat_id=card.chat_id,
                message_id=card.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard,
            )
        )
    except TelegramError as error:
        log.warning("could not update card %s: %s", card.id, error.message)


async def _counts(services: Services, card: desk.StaffCard) -> dict[str, int]:
    """Return how many of a closed card's students were told, by delivery status."""
    if card.id is None or card.status == desk.PENDING:
        return {}
    return await services.store.read(desk.ask_counts, services.db, card.id)


async def staff_chat_problem(bot: Bot, chat_id: int) -> str | None:
    """Tell why the bot cannot post to the staff chat, or None if it can."""
    try:
        chat = await bot.get_chat(chat_id)
        member = await bot.get_chat_member(chat_id, bot.id)
    except TelegramError as error:
        return error.message
    if member.status in (ChatMember.LEFT, ChatMember.BANNED):
        return "the bot is not a member of it"
    if member.status == ChatMember.RESTRICTED and not getattr(member, "can_send_messages", True):
        return "the bot may not post there"
    if chat.type == ChatType.CHANNEL and member.status not in (
        ChatMember.ADMINISTRATOR,
        ChatMember.OWNER,
    ):
        return "in a channel the bot must be an administrator"
    return None


async def check_staff_chat(application: AnyApplication) -> str | None:
    """Check that the staff chat takes the bot's posts; if not, tell every admin in one line."""
    services = services_of(application)
    chat = staff_chat(services)
    if chat is None:
        return None
    problem = await staff_chat_problem(application.bot, chat)
    if problem is None:
        return None
    log.warning("cannot post to the staff chat %s: %s", chat, problem)
    await notify_admins(
        application.bot,
        services,
        lambda lang: ht(lang, "bot.desk.no_staff_chat", chat=str(chat), error=problem),
        about="about the staff chat",
    )
    return problem
