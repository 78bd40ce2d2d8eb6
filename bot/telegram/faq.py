"""FAQ entries from the staff chat: "Save as FAQ" on an answered card, /faq to list and
remove them, and every replica answering from the same entries within seconds."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode

from bot.core.lang.calendar import format_date
from bot.storage import desk as desk_storage
from bot.storage import faq
from bot.storage.database import from_db
from bot.telegram import cards, replies
from bot.telegram.context import BotContext, CourseApplication, services_of
from bot.telegram.replies import as_plain, edit_quietly, expired, ht, reply
from bot.telegram.services import Services
from bot.telegram.staff import staff_only

log = logging.getLogger(__name__)

REMOVE_PREFIX = "faq:rm:"
# /faq lists this many entries per message, each with its remove button.
PER_MESSAGE = 10
# How much of a question and an answer /faq shows.
SHOWN = 200
# How often a replica on a shared database looks for entries saved or removed elsewhere: the
# check is one small query, and students of every replica get a saved answer within seconds.
REFRESH_SECONDS = 1.0


async def save(update: Update, context: BotContext) -> None:
    """Save an answered card's question and answer as an FAQ entry, and use it at once."""
    query = update.callback_query
    assert query is not None and query.data is not None
    services = context.services
    text = query.data.removeprefix(cards.SAVE_PREFIX)
    card = (
        await services.store.read(desk_storage.get_card, services.db, int(text))
        if text.isdigit()
        else None
    )
    chat = update.effective_chat
    if (
        card is None
        or card.id is None
        or card.status != desk_storage.ANSWERED
        or chat is None
        or chat.id != cards.staff_chat(services)
    ):
        await expired(update, context)
        return
    answered = from_db(card.closed_at or card.created_at).astimezone(services.settings.tz)
    row = await services.store.write(
        faq.save_faq,
        services.db,
        card_id=card.id,
        question=card.question,
        answer=card.answer or "",
        lang=card.lang,
        answered_on=answered.date(),
        by=replies.clean_input(query.from_user.first_name),
        now=services.now(),
    )
    if row is None:
        await query.answer(as_plain(ht(cards.STAFF_LANG, "bot.faq.saved_already")))
        return
    entry = f"{faq.ID_PREFIX}{row.id}"
    log.info("card %s saved as FAQ entry %s", card.id, entry)
    await services.library.refresh_faq()
    await query.answer(as_plain(ht(cards.STAFF_LANG, "bot.faq.saved", entry=entry)))
    await cards.show_card(context.bot, services, card, row)


@staff_only
async def list_faq(update: Update, context: BotContext) -> None:
    """List the saved FAQ entries, each with a button to remove it."""
    lang = await context.language(update)
    rows = await context.services.store.read(faq.saved_faq, context.services.db)
    if not rows:
        await reply(update, context, ht(lang, "bot.faq.none"))
        return
    for start in range(0, len(rows), PER_MESSAGE):
        text, keyboard = _listing(context.services, rows[start : start + PER_MESSAGE], lang)
        if start == 0:
            text = f"{ht(lang, 'bot.faq.head', n=len(rows))}\n\n{text}"
        await reply(update, context, text, keyboard)


def _listing(
    services: Services, rows: list[faq.SavedFaq], lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    lines, buttons = [], []
    for row in rows:
        entry = f"{faq.ID_PREFIX}{row.id}"
        lines.append(
            ht(
                lang,
                "bot.faq.line",
                entry=entry,
                date=format_date(row.answered_on, lang),
                name=row.saved_by,
                question=_short(row.question),
                answer=_short(row.answer),
            )
        )
        label = replies.as_plain(ht(lang, "bot.faq.remove", entry=entry))
        buttons.append([InlineKeyboardButton(label, callback_data=f"{REMOVE_PREFIX}{row.id}")])
    return "\n\n".join(lines), InlineKeyboardMarkup(buttons) if buttons else None


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SHOWN else flat[:SHOWN].rstrip() + "…"


async def remove(update: Update, context: BotContext) -> None:
    """Remove a saved entry (admins only) and show the rest of that message's entries."""
    query = update.callback_query
    assert query is not None and query.data is not None
    services = context.services
    text = query.data.removeprefix(REMOVE_PREFIX)
    if not text.isdigit() or not services.is_admin(query.from_user):
        await expired(update, context)
        return
    lang = await context.language(update)
    entry_id = int(text)
    entry = f"{faq.ID_PREFIX}{entry_id}"
    if not await services.store.write(faq.remove_faq, services.db, entry_id, services.now()):
        await query.answer(as_plain(ht(lang, "bot.faq.gone")))
        return
    log.info("FAQ entry %s removed", entry)
    await services.library.refresh_faq()
    await query.answer(as_plain(ht(lang, "bot.faq.removed", entry=entry)))
    message = query.message
    if not isinstance(message, Message):
        return
    # The entries this message listed, less the removed ones.
    listed = {
        int(button.callback_data.removeprefix(REMOVE_PREFIX))
        for row in (message.reply_markup.inline_keyboard if message.reply_markup else ())
        for button in row
        if isinstance(button.callback_data, str) and button.callback_data.startswith(REMOVE_PREFIX)
    }
    rows = [
        row for row in await services.store.read(faq.saved_faq, services.db) if row.id in listed
    ]
    done = ht(lang, "bot.faq.removed", entry=entry)
    body, keyboard = _listing(services, rows, lang)
    await edit_quietly(
        query.edit_message_text(
            f"{done}\n\n{body}" if rows else done, parse_mode=ParseMode.HTML, reply_markup=keyboard
        )
    )


def install(application: CourseApplication) -> None:
    """On a shared database, look for entries saved or removed by other replicas every
    ``REFRESH_SECONDS`` (on SQLite one process saves them and rebuilds at once)."""
    services = services_of(application)
    if services.db.url.get_backend_name() != "postgresql":
        return
    assert application.job_queue is not None

    async def job(context: BotContext) -> None:
        if await context.services.library.refresh_faq(unless_current=True):
            log.info("FAQ entries changed on another replica; answering with the new set")

    application.job_queue.run_repeating(
        job, interval=REFRESH_SECONDS, first=REFRESH_SECONDS, name="faq-refresh"
    )
