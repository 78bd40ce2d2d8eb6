"""What students use: the course commands, /calendar, /language, /schedule and free questions."""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta

from telegram import (
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
    WebAppInfo,
)
from telegram.constants import ChatType, ParseMode

from bot import storage
from bot.core.answering.dialogue import FOLLOW_UP_WINDOW
from bot.core.answering.engine import Answer
from bot.core.course.course import Course, EventKind
from bot.core.lang.calendar import format_date
from bot.core.lang.i18n import t
from bot.core.planning.interests import FEED_FILTER, as_interest, feed_links, interest_of_payload
from bot.core.render import facts, views
from bot.core.render.ical import course_calendar, versions_of
from bot.telegram import asking, desk, menu, replies
from bot.telegram.context import BotContext, CourseApplication, Handler
from bot.telegram.replies import edit_quietly, escape, expired, ht, reply
from bot.telegram.subscriptions import subscribe_from_link

log = logging.getLogger(__name__)

SCHEDULE_PREFIX = "sched:"
LANGUAGE_PREFIX = "lang:"
LANGUAGE_NAMES = {"en": "English", "fa": "فارسی"}
# /schedule pages stop this far before the first class and after the term's last event.
PAGING_MARGIN = timedelta(weeks=4)
# A follow-up leans on a context for minutes (dialogue.FOLLOW_UP_WINDOW); after an hour it is
# only a record of what someone asked, which the bot has no reason to keep.
FORGET_AFTER = timedelta(hours=1)
FORGET_EVERY = timedelta(minutes=30)


async def start(update: Update, context: BotContext) -> None:
    """Greet the user and list what the bot can do; a deep link (sub-…) subscribes at once."""
    lang = await context.language(update)
    services = context.services
    user = update.effective_user
    link = interest_of_payload(context.args[0]) if context.args else None
    if link is not None and await subscribe_from_link(update, context, link):
        return
    welcome = ht(
        lang,
        "bot.start",
        name=replies.clean_input(user.first_name) if user else "",
        course=services.course.name.get(lang),
    )
    help_ = menu.help_text(services.commands, lang, staff=services.is_admin(user))
    await reply(update, context, f"{welcome}\n\n{help_}")


async def help_command(update: Update, context: BotContext) -> None:
    """List the commands, staff ones too for admins."""
    lang = await context.language(update)
    services = context.services
    staff = services.is_admin(update.effective_user)
    await reply(update, context, menu.help_text(services.commands, lang, staff=staff))


async def next_command(update: Update, context: BotContext) -> None:
    """Show the next class, quiz and deadline."""
    lang = await context.language(update)
    services = context.services
    await reply(update, context, escape(views.next_overview(services.course, services.now(), lang)))


def _upcoming(kind: EventKind, heading: str) -> Handler:
    async def handler(update: Update, context: BotContext) -> None:
        lang = await context.language(update)
        services = context.services
        body = views.upcoming(services.course, services.now(), (kind,), lang)
        text = escape(body) if body else ht(lang, "bot.nothing")
        await reply(update, context, f"<b>{ht(lang, heading)}</b>\n{text}")

    handler.__doc__ = f"List every {kind}, the coming ones first."
    return handler


deadlines = _upcoming("deadline", "bot.heading.deadlines")
quizzes = _upcoming("quiz", "bot.heading.quizzes")


def _facts(*names: str) -> Handler:
    async def handler(update: Update, context: BotContext) -> None:
        lang = await context.language(update)
        course = context.services.course
        parts = [escape(facts.render(course, name, lang)) for name in names]
        await reply(update, context, "\n\n".join(parts))

    handler.__doc__ = f"Show the course's {', '.join(names)}."
    return handler


grading = _facts("grading")
staff = _facts("staff")
policies = _facts("late_policy", "collaboration", "honesty")
links = _facts("pages")
references = _facts("references")


# -- /schedule ---------------------------------------------------------------------------


def schedule_view(
    course: Course, day: date, lang: str, page: InlineKeyboardButton | None = None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Render the week containing ``day`` and the one after, with buttons to page by week
    (none past the paging range, so paging ends a few weeks around the term) and ``page``,
    the schedule page's button, below them."""
    start, _ = views.week_bounds(course, day)
    first = start.date()
    following = first + timedelta(days=7)
    text = "\n\n".join(escape(views.week_agenda(course, week, lang)) for week in (first, following))
    low, high = paging_range(course)
    buttons = []
    if first - timedelta(days=1) >= low:
        buttons.append(
            InlineKeyboardButton(
                t(lang, "bot.schedule.previous"),
                callback_data=f"{SCHEDULE_PREFIX}{first - timedelta(days=7)}",
            )
        )
    if following <= high:
        buttons.append(
            InlineKeyboardButton(
                t(lang, "bot.schedule.next"), callback_data=f"{SCHEDULE_PREFIX}{following}"
            )
        )
    rows = [row for row in (buttons, [page] if page is not None else []) if row]
    return text, InlineKeyboardMarkup(rows) if rows else None


def paging_range(course: Course) -> tuple[date, date]:
    """Return the first and last day /schedule pages may show: the term and a margin."""
    return course.first_day() - PAGING_MARGIN, course.last_day() + PAGING_MARGIN


def page_button(context: BotContext, lang: str, *, private: bool) -> InlineKeyboardButton | None:
    """Return the button to the schedule page: a Mini App in private chats over HTTPS (Telegram
    opens only those inside the app), a plain link otherwise; None without ``public_url``."""
    web = context.services.settings.web
    if web is None or not web.public_url:
        return None
    url = f"{web.public_url}/{lang}"
    if private and url.startswith("https://"):
        return InlineKeyboardButton(t(lang, "web.open"), web_app=WebAppInfo(url))
    return InlineKeyboardButton(t(lang, "web.open"), url=url)


async def schedule(update: Update, context: BotContext) -> None:
    """Show this week and next (the term's first or last weeks outside it), with buttons to page."""
    lang = await context.language(update)
    services = context.services
    private = update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE
    page = page_button(context, lang, private=private)
    course = services.course
    day, note = schedule_start(course, services.now().date(), lang)
    text, keyboard = schedule_view(course, day, lang, page)
    await reply(update, context, f"{note}\n\n{text}" if note else text, keyboard)


def schedule_start(course: Course, today: date, lang: str) -> tuple[date, str]:
    """Return the day /schedule opens on and a note: today during the term; before it, the
    first weeks and when it starts; after it, the last weeks and that it is over."""
    first, last = course.first_day(), course.last_day()
    if today < first:
        return first, ht(lang, "bot.schedule.not_started", date=format_date(first, lang))
    if today > last:
        # The week before the last one, so the two weeks shown end with the term.
        return last - timedelta(days=7), ht(lang, "bot.schedule.over", date=format_date(last, lang))
    return today, ""


async def schedule_page(update: Update, context: BotContext) -> None:
    """Move the /schedule message one week back or forward."""
    query = update.callback_query
    assert query is not None and query.data is not None
    course = context.services.course
    low, high = paging_range(course)
    try:
        day = date.fromisoformat(query.data.removeprefix(SCHEDULE_PREFIX))
    except ValueError:
        day = None
    # Beyond the range no button of ours points (a forged one, or one from an older term).
    if day is None or not low - timedelta(days=7) <= day <= high:
        await expired(update, context)
        return
    lang = await context.language(update)
    private = query.message is not None and query.message.chat.type == ChatType.PRIVATE
    page = page_button(context, lang, private=private)
    text, keyboard = schedule_view(course, day, lang, page)
    await query.answer()
    await edit_quietly(
        query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
    )


# -- /calendar -----------------------------------------------------------------------------


async def calendar(update: Update, context: BotContext) -> None:
    """Send the course calendar as an iCalendar file, in the user's language."""
    message = update.effective_message
    if message is None:
        return
    lang = await context.language(update)
    services = context.services
    course = services.course
    caption = ht(lang, "bot.calendar.caption")
    web = services.settings.web
    if web is not None and web.public_url:
        # The live feed of what the student subscribed to, so moved dates follow.
        user = update.effective_user
        stored = (
            await services.store.read(storage.subscription, services.db, user.id)
            if user is not None
            else None
        )
        https, webcal = feed_links(web.public_url)
        chosen = FEED_FILTER[as_interest(stored) or "all"]
        links = ht(
            lang, "web.calendar_links", https=https[lang][chosen], webcal=webcal[lang][chosen]
        )
        caption = f"{caption}\n\n{links}"
    versions = await services.store.read(storage.event_versions, services.db)
    await context.bot.send_document(
        message.chat_id,
        document=course_calendar(
            course,
            lang,
            versions=versions_of(versions),
            alarms=services.settings.reminders.alarm_offsets(),
        ),
        filename=f"{course.data.course.code.lower()}.ics",
        caption=caption,
        parse_mode=ParseMode.HTML,
    )


# -- /language -----------------------------------------------------------------------------


def _language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(name, callback_data=f"{LANGUAGE_PREFIX}{code}")
                for code, name in LANGUAGE_NAMES.items()
            ]
        ]
    )


async def language(update: Update, context: BotContext) -> None:
    """Offer the languages as buttons."""
    lang = await context.language(update)
    await reply(update, context, ht(lang, "bot.language.prompt"), _language_keyboard())


async def language_chosen(update: Update, context: BotContext) -> None:
    """Store the language picked with a /language button and confirm in it."""
    query = update.callback_query
    assert query is not None and query.data is not None
    lang = query.data.removeprefix(LANGUAGE_PREFIX)
    if lang not in LANGUAGE_NAMES:
        await expired(update, context)
        return
    services = context.services
    await services.store.write(
        storage.set_language, services.db, query.from_user.id, lang, services.now()
    )
    services.recall.chose(query.from_user.id, lang)
    done = ht(lang, "bot.language.set")
    await query.answer(replies.as_plain(done))
    await edit_quietly(query.edit_message_text(done, parse_mode=ParseMode.HTML))


# -- free text -----------------------------------------------------------------------------


async def question(update: Update, context: BotContext) -> None:
    """Answer a free-text question with the engine, in the user's language, and log it."""
    message = update.effective_message
    user = update.effective_user
    if message is None or message.text is None or user is None:
        return
    text = _without_mention(replies.clean_input(message.text), context.bot.username).strip()
    services = context.services
    if not text:
        lang = await services.languages.of(user)
        await reply(update, context, ht(lang, "bot.empty_question"))
        return

    # Only a question the bot did not know gets the button that sends it to the staff.
    token = desk.offer_token(update, services)

    async def deliver(answer: Answer) -> None:
        offered = token is not None and answer.for_staff
        keyboard = desk.ask_keyboard(answer.lang, token) if token and offered else None
        await reply(update, context, escape(answer.text), keyboard)

    # Follow-ups ("and quiz 4?") lean on the same user's last question in this chat.
    chat = update.effective_chat
    answer = await asking.answer(services, user, text, deliver, chat_id=chat.id if chat else None)
    if token is not None and answer.for_staff:
        await desk.remember_offer(services, token, user.id, text, answer)


def install(application: CourseApplication) -> None:
    """Forget, every ``FORGET_EVERY``, what users asked about longer ago than ``FORGET_AFTER``."""
    assert application.job_queue is not None

    async def job(context: BotContext) -> None:
        services = context.services
        # Memory is each process's own; no follow-up leans on a context older than this.
        services.recall.forget(services.now() - FOLLOW_UP_WINDOW)
        if not services.reminders.leading:
            return  # the leader's, like the reminders
        forgotten = await services.store.write(
            storage.forget_contexts, services.db, services.now() - FORGET_AFTER
        )
        if forgotten:
            log.info("forgot the context of %d conversation(s)", forgotten)

    application.job_queue.run_repeating(
        job, interval=FORGET_EVERY, first=FORGET_EVERY, name="forget-conversations"
    )


def _without_mention(text: str, username: str) -> str:
    return re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE)


async def unknown_command(update: Update, context: BotContext) -> None:
    """Point to /help after a command the bot does not have (private chats only)."""
    await reply(update, context, ht(await context.language(update), "bot.unknown_command"))


async def not_text(update: Update, context: BotContext) -> None:
    """Explain that the bot reads text only (private chats only)."""
    await reply(update, context, ht(await context.language(update), "bot.text_only"))


async def membership(update: Update, context: BotContext) -> None:
    """Note when a user blocks or unblocks the bot in their private chat."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    status = change.new_chat_member.status
    blocked = status in (ChatMember.BANNED, ChatMember.LEFT)
    log.info("user %s %s the bot", change.from_user.id, "blocked" if blocked else "unblocked")
    services = context.services
    user_id = change.from_user.id
    await services.store.write(storage.set_blocked, services.db, user_id, blocked, services.now())
    if blocked and await services.store.write(storage.unsubscribe, services.db, user_id):
        log.info("user %s unsubscribed from reminders", change.from_user.id)
