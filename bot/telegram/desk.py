"""The staff desk: a question the bot cannot answer reaches the course staff's chat with one
tap, a staff member's reply to its card reaches every student who asked it, and "Dismiss"
closes it with a pointer to Quera.

The database holds everything in between (``storage.desk``): a restart between a card and
its reply loses nothing, and a job retries what a crash or a Telegram outage left undone.
Nothing that identifies a student is ever written to the staff chat.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import timedelta

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.core.answering.engine import Answer
from bot.core.answering.retrieval import content_terms
from bot.core.lang.i18n import t
from bot.core.lang.text import tokens
from bot.storage import desk, faq
from bot.telegram import replies
from bot.telegram.cards import (
    DISMISS_PREFIX,
    STAFF_LANG,
    post_card,
    show_card,
    staff_chat,
    staff_time,
)
from bot.telegram.context import AnyApplication, BotContext, CourseApplication, services_of
from bot.telegram.knowledge import Knowledge
from bot.telegram.replies import as_plain, edit_quietly, expired, ht
from bot.telegram.services import Services

log = logging.getLogger(__name__)

ASK_PREFIX = "ask:"
# At most this many questions a day (in the course's timezone) per student reach the staff.
DAILY_LIMIT = 5
# A longer question is cut to this many characters, with a note on the card.
QUESTION_LIMIT = 1000
# A retrieval match this good is worth showing the staff as the bot's closest guess.
GUESS_SCORE = 0.25
# How often the leader retries cards not posted and answers not delivered, and forgets
# students of old cards; and how long a card or answer may be in the works elsewhere first.
RETRY_SECONDS = 60
RETRY_AFTER = timedelta(seconds=60)
# A card's first line carries its number ("#12"), so a reply finds it even before (or
# without) the record of where it was posted.
_CARD_NUMBER = re.compile(r"#(\d+)")


# -- the student's side ------------------------------------------------------------------


def offer_token(update: Update, services: Services) -> str | None:
    """Return a fresh id for the "Ask the course staff" button, or None where it is not
    offered (the desk is off, or not a private chat)."""
    chat = update.effective_chat
    if staff_chat(services) is None or chat is None or chat.type != ChatType.PRIVATE:
        return None
    return secrets.token_urlsafe(9)


def ask_keyboard(lang: str, token: str) -> InlineKeyboardMarkup:
    """Return the keyboard with the "Ask the course staff" button."""
    button = InlineKeyboardButton(t(lang, "bot.desk.ask"), callback_data=f"{ASK_PREFIX}{token}")
    return InlineKeyboardMarkup([[button]])


async def remember_offer(
    services: Services, token: str, user_id: int, question: str, answer: Answer
) -> None:
    """Store the question behind a button just offered, with the bot's closest guess."""
    guess = closest_guess(services.library.knowledge, question)
    # On the store's writer thread, after the question's log (which records the student the
    # offer refers to), and awaited, so the tap on the button finds it.
    await services.store.write(
        desk.add_offer,
        services.db,
        token,
        user_id,
        question,
        lang=answer.lang,
        guess=guess,
        now=services.now(),
    )


def closest_guess(knowledge: Knowledge, question: str) -> str | None:
    """Name the knowledge-base entry that came closest to the question, if any came close."""
    matches = knowledge.engine.index.search(content_terms(tokens(question)), limit=1)
    if not matches or matches[0].score < GUESS_SCORE:
        return None
    entry = matches[0].entry
    kind, _, key = entry.partition(":")
    data = knowledge.course.data
    names: dict[str, str] = {}
    if kind == "faq":
        names = {e.id: e.questions.en[0] for e in data.faq}
    elif kind == "staff":
        names = {p.id: p.name for p in data.staff}
    elif kind == "section":
        names = {s.id: s.title.en for s in data.sections}
    elif kind == "reference":
        names = {str(r.number): r.title for r in data.references}
    name = names.get(key)
    return f"“{name}” ({entry})" if name else entry


async def ask_staff(update: Update, context: BotContext) -> None:
    """Send the question behind the tapped button to the staff chat, once."""
    query = update.callback_query
    assert query is not None and query.data is not None
    services = context.services
    if staff_chat(services) is None:
        await expired(update, context)
        return
    lang = await context.language(update)
    if not services.flood.allow(query.from_user.id):
        # Sending a question on is sending, like a message: the flood limit holds it back.
        await query.answer(as_plain(ht(lang, "bot.flood")), show_alert=True)
        return
    now = services.now()
    local = now.astimezone(services.settings.tz)
    filed = await services.store.write(
        desk.file_question,
        services.db,
        query.data.removeprefix(ASK_PREFIX),
        query.from_user.id,
        now=now,
        day_start=local.replace(hour=0, minute=0, second=0, microsecond=0),
        daily_limit=DAILY_LIMIT,
        max_length=QUESTION_LIMIT,
    )
    if filed.outcome == "expired":
        await expired(update, context)
        return
    if filed.outcome == "limit":
        text = ht(lang, "bot.desk.limit", limit=DAILY_LIMIT, url=services.course.submit_url)
        await query.answer(as_plain(text), show_alert=True)
        return
    line = ht(lang, "bot.desk.sent" if filed.outcome != "already" else "bot.desk.already")
    if filed.cut:
        line += " " + ht(lang, "bot.desk.cut", limit=QUESTION_LIMIT)
    await query.answer(as_plain(line))
    message = query.message
    if isinstance(message, Message) and message.text:
        # The button goes; the line saying where the question went takes its place.
        await edit_quietly(
            query.edit_message_text(
                f"{message.text_html}\n\n{line}", parse_mode=ParseMode.HTML, reply_markup=None
            )
        )
    card = filed.card
    if card is None or filed.outcome == "already":
        return
    if filed.outcome == "filed":
        await post_card(context.bot, services, card)
    else:
        await show_card(context.bot, services, card)


# -- the staff's side --------------------------------------------------------------------


async def staff_reply(update: Update, context: BotContext) -> None:
    """Send a staff member's reply to a card to every student on it; edit the card to say
    who answered and when. A reply to anything else of the bot's is left alone."""
    message = update.effective_message
    if message is None or message.reply_to_message is None or not message.text:
        return
    services = context.services
    card = await _replied_card(services, message, context.bot.id)
    if card is None or card.id is None:
        return
    if update.edited_message is not None:
        await replies.reply(update, context, ht(STAFF_LANG, "bot.desk.card.not_passed"))
        return
    name = replies.clean_input(message.from_user.first_name) if message.from_user else "?"
    answer = replies.clean_input(message.text).strip()
    closed = await services.store.write(
        desk.close_card,
        services.db,
        card.id,
        desk.ANSWERED,
        by=name,
        now=services.now(),
        answer=answer,
    )
    if closed is None:
        await replies.reply(update, context, await _closed_already(services, card.id))
        return
    log.info("card %s answered in the staff chat", card.id)
    await deliver(context.bot, services, closed)


async def dismiss(update: Update, context: BotContext) -> None:
    """Close a card without an answer; its students hear that the staff saw it."""
    query = update.callback_query
    assert query is not None and query.data is not None
    card_id = _card_id(query.data, DISMISS_PREFIX)
    services = context.services
    if card_id is None or not _in_staff_chat(update, services):
        await expired(update, context)
        return
    name = replies.clean_input(query.from_user.first_name)
    closed = await services.store.write(
        desk.close_card, services.db, card_id, desk.DISMISSED, by=name, now=services.now()
    )
    if closed is None:
        await query.answer(as_plain(await _closed_already(services, card_id)))
        return
    await query.answer()
    log.info("card %s dismissed", card_id)
    await deliver(context.bot, services, closed)


async def deliver(bot: Bot, services: Services, card: desk.StaffCard) -> None:
    """Tell each waiting student the outcome of their card, record what became of each, then
    show it on the card."""
    assert card.id is not None
    url = services.course.submit_url
    for ask in await services.store.read(desk.waiting_on, services.db, card.id):
        question = card.question if len(card.question) <= 200 else card.question[:200] + "…"
        if card.status == desk.ANSWERED:
            text = ht(ask.lang, "bot.desk.answer", question=question, answer=card.answer or "")
        else:
            text = ht(ask.lang, "bot.desk.dismissed", question=question, url=url)
        status: str | None = desk.DELIVERED
        try:
            await replies.send(bot, ask.user_id, text, raise_forbidden=True)
        except Forbidden:
            status = desk.BLOCKED  # recorded, never retried
        except BadRequest as error:
            log.info("card %s: cannot write to a student: %s", card.id, error.message)
            status = desk.FAILED
        except TelegramError as error:
            log.info("card %s: sending failed, will retry: %s", card.id, error.message)
            status = None
        assert ask.id is not None
        await services.store.write(desk.note_attempt, services.db, ask.id, status)
    saved = await services.store.read(faq.saved_for_card, services.db, card.id)
    await show_card(bot, services, card, saved)


async def _replied_card(services: Services, message: Message, bot_id: int) -> desk.StaffCard | None:
    """Return the card a staff message replies to: by the message it was posted as, else by
    the number in its first line (a card posted just now, or twice after a crash)."""
    replied = message.reply_to_message
    if replied is None:
        return None
    card = await services.store.read(desk.card_at, services.db, message.chat_id, replied.message_id)
    if card is not None or replied.from_user is None or replied.from_user.id != bot_id:
        return card
    number = _CARD_NUMBER.search((replied.text or "").split("\n", 1)[0])
    card = (
        await services.store.read(desk.get_card, services.db, int(number.group(1)))
        if number
        else None
    )
    if card is None or card.id is None or card.chat_id not in (None, message.chat_id):
        return None
    if card.message_id is None:
        await services.store.write(
            desk.card_posted, services.db, card.id, message.chat_id, replied.message_id
        )
    return await services.store.read(desk.get_card, services.db, card.id)


async def _closed_already(services: Services, card_id: int) -> str:
    card = await services.store.read(desk.get_card, services.db, card_id)
    name = card.closed_by if card is not None and card.closed_by else "?"
    when = staff_time(services, card.closed_at if card is not None else None)
    return ht(STAFF_LANG, "bot.desk.card.closed", name=name, when=when)


def _card_id(data: str, prefix: str) -> int | None:
    text = data.removeprefix(prefix)
    return int(text) if text.isdigit() else None


def _in_staff_chat(update: Update, services: Services) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.id == staff_chat(services)


# -- the retry job ------------------------------------------------------------


async def catch_up(application: AnyApplication) -> None:
    """Post the cards and deliver the outcomes a crash or an outage left undone, and forget
    the students of cards closed a month ago."""
    services = services_of(application)
    before = services.now() - RETRY_AFTER
    forgotten = await services.store.write(desk.forget_students, services.db, services.now())
    if forgotten:
        log.info("forgot %d student(s) of cards closed %s ago", forgotten, desk.FORGET_AFTER)
    if staff_chat(services) is None:
        return
    for card in await services.store.read(desk.unposted_cards, services.db, before):
        await post_card(application.bot, services, card)
    for card in await services.store.read(desk.undelivered_cards, services.db, before):
        await deliver(application.bot, services, card)


def install(application: CourseApplication) -> None:
    """Run ``catch_up`` every ``RETRY_SECONDS`` on the replica that runs the reminders."""
    assert application.job_queue is not None

    async def job(context: BotContext) -> None:
        if context.services.reminders.leading:
            await catch_up(context.application)

    application.job_queue.run_repeating(
        job, interval=RETRY_SECONDS, first=RETRY_SECONDS, name="staff-desk"
    )
