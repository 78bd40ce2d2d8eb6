"""Staff commands: /announce, /reload, /stats and /unanswered, for the ``admins`` only (/faq is
in ``faq``)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram import MessageEntity, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot import storage
from bot.core.course.loader import CourseError, check_course
from bot.core.lang.calendar import format_datetime
from bot.core.lang.i18n import t
from bot.telegram import cards, replies
from bot.telegram.context import BotContext
from bot.telegram.replies import clean_input, escape, ht, reply

log = logging.getLogger(__name__)

Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]
# How much of a question /unanswered shows.
QUESTION_SHOWN = 200


def staff_only(handler: Handler) -> Handler:
    """Run ``handler`` for admins; refuse anyone else politely and do nothing."""

    @functools.wraps(handler)
    async def checked(update: Update, context: BotContext) -> None:
        services = context.services
        user = update.effective_user
        if not services.is_admin(user):
            log.info("refused %s to user %s", handler.__name__, user.id if user else None)
            await reply(update, context, ht(await services.languages.of(user), "bot.refused"))
            return
        await handler(update, context)

    return checked


def command_argument(update: Update) -> str:
    """Return the text after the command, line breaks kept (``context.args`` drops them)."""
    message = update.effective_message
    if message is None or not message.text:
        return ""
    for entity, _ in message.parse_entities([MessageEntity.BOT_COMMAND]).items():
        if entity.offset == 0:
            # Offsets count UTF-16 units; the command itself is ASCII, so they match str indexes.
            return clean_input(message.text[entity.length :]).strip()
    return ""


@staff_only
async def announce(update: Update, context: BotContext) -> None:
    """Post the text after /announce to the class channel, in pieces if it is long."""
    lang = await context.language(update)
    channel = context.services.settings.channel
    text = command_argument(update)
    if not text:
        await reply(update, context, ht(lang, "bot.announce.usage"))
        return
    if channel is None:
        await reply(update, context, ht(lang, "bot.announce.no_channel"))
        return
    try:
        # Split like any long text; a refusal is the admin's to hear, so it is raised.
        await replies.send(context.bot, channel, escape(text), raise_forbidden=True)
    except TelegramError as error:
        log.warning("announcement to %s failed: %s", channel, error.message)
        failed = ht(lang, "bot.announce.failed", channel=str(channel), error=error.message)
        await reply(update, context, failed)
        return
    log.info("announcement posted to %s", channel)
    await reply(update, context, ht(lang, "bot.announce.posted", channel=str(channel)))


@staff_only
async def reload(update: Update, context: BotContext) -> None:
    """Re-read the course file; keep the old course and report the problems if it is invalid."""
    lang = await context.language(update)
    services = context.services
    try:
        course = await services.library.reload()
    except CourseError as error:
        log.warning("reload failed, keeping the old course:\n%s", error)
        await report_problems(update, context, ht(lang, "bot.reload.failed"), str(error))
        return
    log.info("course reloaded from %s", course.source)
    done = ht(
        lang,
        "bot.reload.done",
        file=str(course.source),
        items=len(course.items),
        events=len(course.events),
    )
    warnings = [str(p) for p in check_course(course.source) if p.level == "warning"]
    if warnings:
        # A valid file may still hold a likely mistake: show it while the editor is here.
        heading = f"{done}\n{ht(lang, 'bot.reload.warnings', count=len(warnings))}"
        await report_problems(update, context, heading, "\n".join(warnings))
    else:
        await reply(update, context, done)
    await cards.check_staff_chat(context.application)


async def report_problems(update: Update, context: BotContext, heading: str, report: str) -> None:
    """Send a heading and a plain-text report in a <pre> block, or as a file when too long.

    A <pre> block cannot be split across messages (each piece must be valid HTML), so a
    report over one message's limit goes as ``course-problems.txt`` under the heading.
    """
    markup = f"{heading}\n<pre>{escape(report)}</pre>"
    message = update.effective_message
    if replies.visible_len(markup) < replies.LIMIT or message is None:
        await reply(update, context, markup)
        return
    await context.bot.send_document(
        message.chat_id,
        document=report.encode("utf-8"),
        filename="course-problems.txt",
        caption=heading,
        parse_mode=ParseMode.HTML,
        reply_to_message_id=message.message_id,
        allow_sending_without_reply=True,
    )


@staff_only
async def stats(update: Update, context: BotContext) -> None:
    """Show users, questions by outcome, the busiest topics and why questions were declined."""
    lang = await context.language(update)
    numbers = await context.services.store.read_settled(storage.stats, context.services.db)
    lines = [
        ht(
            lang,
            "bot.stats.summary",
            users=numbers.users,
            questions=numbers.questions,
            answered=numbers.answered,
            rate=numbers.share(numbers.answered),
            declined=numbers.declined,
            declined_rate=numbers.share(numbers.declined),
            unknown=numbers.unknown,
            unknown_rate=numbers.share(numbers.unknown),
        ),
    ]
    if numbers.inline:
        lines.append(ht(lang, "bot.stats.inline", n=numbers.inline))
    lines += ["", ht(lang, "bot.stats.topics")]
    lines += [ht(lang, "bot.stats.topic", topic=topic, n=n) for topic, n in numbers.topics] or [
        ht(lang, "bot.nothing")
    ]
    if numbers.reasons:
        lines += ["", ht(lang, "bot.stats.reasons")]
        lines += [ht(lang, "bot.stats.topic", topic=why, n=n) for why, n in numbers.reasons]
    services = context.services
    saved = await services.store.read(storage.faq.saved_count, services.db)
    staff_desk = await services.store.read(storage.desk.desk_stats, services.db, saved)
    if services.settings.staff_chat is not None or staff_desk.sent or staff_desk.saved:
        median = staff_desk.median_answer
        lines += [
            "",
            ht(
                lang,
                "bot.stats.desk",
                sent=staff_desk.sent,
                answered=staff_desk.answered,
                dismissed=staff_desk.dismissed,
                median=duration(median, lang) if median is not None else "—",
                saved=staff_desk.saved,
            ),
        ]
    await reply(update, context, "\n".join(lines))


def duration(span: timedelta, lang: str) -> str:
    """Write a span of time briefly: "3 min", "2 h 5 min", "1 d 4 h"."""
    minutes = round(span.total_seconds() / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return t(lang, "bot.stats.days", d=days, h=hours)
    if hours:
        return t(lang, "bot.stats.hours", h=hours, m=minutes)
    return t(lang, "bot.stats.minutes", m=minutes)


@staff_only
async def unanswered(update: Update, context: BotContext) -> None:
    """List the questions the engine did not know: the most frequent, then the most recent
    (so a new one shows even under old favourites)."""
    lang = await context.language(update)
    services = context.services
    frequent = await services.store.read_settled(storage.top_unanswered, services.db)
    if not frequent:
        await reply(update, context, ht(lang, "bot.unanswered.none"))
        return
    recent = await services.store.read(storage.recent_unanswered, services.db)
    tz = services.course.tz
    lines = [ht(lang, "bot.unanswered.head")]
    lines += [ht(lang, "bot.unanswered.line", question=_short(q), n=n) for q, n in frequent]
    lines += ["", ht(lang, "bot.unanswered.recent")]
    lines += [
        ht(
            lang,
            "bot.unanswered.recent_line",
            question=_short(q),
            when=format_datetime(at.astimezone(tz), lang),
        )
        for q, at in recent
    ]
    lines += ["", ht(lang, "bot.unanswered.declined")]
    await reply(update, context, "\n".join(lines))


def _short(question: str) -> str:
    # A question may be a whole message long; the list shows enough to recognise it.
    return question if len(question) <= QUESTION_SHOWN else question[: QUESTION_SHOWN - 1] + "…"
