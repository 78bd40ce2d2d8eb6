"""Build the bot: one factory that creates the services and wires every handler."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine as DbEngine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import storage
from bot.core.course.loader import CourseError, load_course
from bot.schema import SchemaError
from bot.settings import Settings, SettingsError, check_database_url
from bot.storage.watch import DatabaseWatch
from bot.telegram import (
    cards,
    database,
    desk,
    errors,
    faq,
    guards,
    inline,
    menu,
    reminder_jobs,
    replies,
    staff,
    stopping,
    student,
    subscriptions,
)
from bot.telegram.admins import notify_admins
from bot.telegram.context import BotContext, CourseApplication, context_types, services_of
from bot.telegram.flood import FloodGuard
from bot.telegram.knowledge import Knowledge, Library
from bot.telegram.language import Languages
from bot.telegram.limiter import SendLimiter
from bot.telegram.network import RetryingRequest, UpdatesRequest
from bot.telegram.ordering import PerChatOrder
from bot.telegram.recall import Recall
from bot.telegram.services import Clock, Services
from bot.telegram.store import Store

log = logging.getLogger(__name__)

# The order here is the order of /help and of the command menus.
COMMANDS: tuple[menu.Command[BotContext], ...] = (
    menu.Command("start", student.start),
    menu.Command("help", student.help_command),
    menu.Command("next", student.next_command),
    menu.Command("schedule", student.schedule),
    menu.Command("deadlines", student.deadlines),
    menu.Command("quizzes", student.quizzes),
    menu.Command("grading", student.grading),
    menu.Command("staff", student.staff),
    menu.Command("policies", student.policies),
    menu.Command("links", student.links),
    menu.Command("references", student.references),
    menu.Command("calendar", student.calendar),
    menu.Command("subscribe", subscriptions.subscribe),
    menu.Command("unsubscribe", subscriptions.unsubscribe),
    menu.Command("language", student.language),
    menu.Command("announce", staff.announce, staff=True, usage=True),
    menu.Command("reload", staff.reload, staff=True),
    menu.Command("stats", staff.stats, staff=True),
    menu.Command("unanswered", staff.unanswered, staff=True),
    menu.Command("faq", faq.list_faq, staff=True),
)

# Only what the handlers below use; Telegram then does not even send the rest.
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.INLINE_QUERY,
    Update.MY_CHAT_MEMBER,
]

# Chats are served side by side (each one in order), see ordering.PerChatOrder.
CONCURRENT_UPDATES = 64


def build_application(
    settings: Settings,
    *,
    token: str,
    api_url: str,
    clock: Callable[[], datetime] | None = None,
    db_engine: DbEngine | None = None,
    reload_on_sighup: bool = False,
) -> CourseApplication:
    """Create the application with its services and handlers; raise CourseError or
    SettingsError for a bad course file or database URL, before any network call.

    With ``reload_on_sighup`` (the process runner), SIGHUP re-reads the course like /reload.
    """
    # Opt in to PTB 22's coming behaviour (RetryAfter.retry_after as a timedelta) so the bot
    # and its tests run without the deprecation warning and keep working when it becomes
    # the default. PTB reads it when a RetryAfter is made, long after this.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    course_file = load_course(settings.course_path())
    owns_db = db_engine is None
    db = db_engine if db_engine is not None else _database(settings.database_url)
    clock = clock or (lambda: datetime.now(settings.tz))
    services = _services(settings, Knowledge.build(course_file, db), db, clock)
    lifecycle = _Lifecycle(reload_on_sighup=reload_on_sighup, owns_db=owns_db)
    application = _application(services, token=token, api_url=api_url, lifecycle=lifecycle)
    services.reminders = reminder_jobs.install(application)
    database.install(application)
    # The desk's retries and forgetting old conversations are the leader's, like the reminders.
    desk.install(application)
    faq.install(application)
    student.install(application)
    add_handlers(application)
    return application


def _services(settings: Settings, knowledge: Knowledge, db: DbEngine, clock: Clock) -> Services:
    store = Store()
    recall = Recall(db, store, clock)
    return Services(
        settings=settings,
        library=Library(knowledge, settings, db),
        db=db,
        clock=clock,
        commands=COMMANDS,
        # Staff commands (/reload, /announce) must not wait behind the students' limit.
        flood=FloodGuard(settings.flood_limit, clock, exempt=settings.admins),
        languages=Languages(db, settings.admins, clock, store, recall),
        watch=DatabaseWatch(db),
        store=store,
        recall=recall,
    )


def _application(
    services: Services, *, token: str, api_url: str, lifecycle: _Lifecycle
) -> CourseApplication:
    def admit(update: object) -> bool:
        # Asked as each update arrives, before it takes a slot: a flood is turned away cheaply.
        services.last_update_at = services.now()  # for /healthz, even if turned away
        return guards.admit(update, application.bot, services.flood)

    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api_url}/bot")
        .base_file_url(f"{api_url}/file/bot")
        .request(RetryingRequest(connection_pool_size=32))
        .get_updates_request(UpdatesRequest())
        # Telegram's limits, with replies to students ahead of broadcasts (limiter.py).
        .rate_limiter(SendLimiter())
        .defaults(Defaults(tzinfo=services.settings.tz))
        .context_types(context_types(services))
        .concurrent_updates(
            PerChatOrder(CONCURRENT_UPDATES, admit=admit, keep=stopping.keeper(services))
        )
        .post_init(lifecycle.started)
        .post_shutdown(lifecycle.stopped)
        .build()
    )
    return application


@dataclass(frozen=True)
class _Lifecycle:
    """What happens once the application is initialised, and once it has shut down."""

    reload_on_sighup: bool
    owns_db: bool

    async def started(self, application: CourseApplication) -> None:
        """Set the menus, check the staff chat, start the reminders, restore kept updates."""
        # The menus' round trip overlaps the rest of the start rather than delaying it.
        menus = asyncio.create_task(_set_menus(application))
        try:
            # On SQLite the replies recall languages and contexts from memory: fill it now.
            await services_of(application).recall.load()
            # Students' questions wait for the staff chat: say so now if it refuses the bot.
            await cards.check_staff_chat(application)
            # The leader (always, on SQLite) plans, schedules and catches up; the jobs run
            # once the application has started.
            await reminder_jobs.start(application)
            # Updates received but not handled at the last stop go first (stopping.py).
            await stopping.restore(application)
        finally:
            await menus
        if self.reload_on_sighup and hasattr(signal, "SIGHUP"):
            asyncio.get_running_loop().add_signal_handler(
                signal.SIGHUP, lambda: application.create_task(reload_on_signal(application))
            )

    async def stopped(self, application: CourseApplication) -> None:
        """Report kept updates, leave the reminders, release the signal and the database."""
        stopping.report(application)
        await reminder_jobs.stop(application)
        if self.reload_on_sighup and hasattr(signal, "SIGHUP"):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        # The writes still queued (question log, delivery records) go in before the end.
        services_of(application).store.close()
        if self.owns_db:
            services_of(application).db.dispose()


async def _set_menus(application: CourseApplication) -> None:
    try:
        await menu.register_menus(
            application.bot, COMMANDS, services_of(application).settings.admins
        )
    except TelegramError as error:
        # Menus are a convenience: answering students matters more than showing them.
        log.warning("could not set the command menus: %s", error.message)


async def reload_on_signal(application: CourseApplication) -> None:
    """Re-read the course file after SIGHUP; keep the old course if the new one is invalid."""
    services = services_of(application)
    try:
        course = await services.library.reload()
    except CourseError as error:
        log.warning("reload on SIGHUP failed, keeping the old course:\n%s", error)
        # Whoever sent the signal may not read the log: the admins hear of it too.
        report = replies.escape(str(error)[: replies.LIMIT // 2])
        await notify_admins(
            application.bot,
            services,
            lambda lang: f"{replies.ht(lang, 'bot.reload.failed')}\n<pre>{report}</pre>",
            about="of the failed reload",
        )
        return
    log.info("course reloaded from %s on SIGHUP", course.source)
    await cards.check_staff_chat(application)


def add_handlers(application: CourseApplication) -> None:
    """Wire every handler; within a group the first matching handler wins."""
    # Group -1 runs before everything: it warns a user who just passed the flood limit.
    # (Group chatter and the flood itself never get here: see guards.admit.)
    application.add_handler(TypeHandler(Update, guards.guard), group=-1)

    # An edited command is not run again: re-running /announce or /reload from a typo fix
    # would repeat the action. An edited question is answered again (see student.question).
    new = filters.UpdateType.MESSAGE
    for command in COMMANDS:
        application.add_handler(CommandHandler(command.name, command.callback, filters=new))
    private = filters.ChatType.PRIVATE
    staff_chat = services_of(application).settings.staff_chat
    if staff_chat is not None:
        # A reply to a card in the staff chat is the staff's answer, not a question to the bot
        # (before student.question, which would otherwise take it).
        application.add_handler(
            MessageHandler(
                filters.Chat(staff_chat) & filters.REPLY & filters.TEXT & ~filters.COMMAND,
                desk.staff_reply,
            )
        )
    application.add_handlers(
        [
            CallbackQueryHandler(desk.ask_staff, pattern=f"^{desk.ASK_PREFIX}"),
            CallbackQueryHandler(desk.dismiss, pattern=f"^{cards.DISMISS_PREFIX}"),
            CallbackQueryHandler(faq.save, pattern=f"^{cards.SAVE_PREFIX}"),
            CallbackQueryHandler(faq.remove, pattern=f"^{faq.REMOVE_PREFIX}"),
            CallbackQueryHandler(student.schedule_page, pattern=f"^{student.SCHEDULE_PREFIX}"),
            CallbackQueryHandler(student.language_chosen, pattern=f"^{student.LANGUAGE_PREFIX}"),
            CallbackQueryHandler(
                subscriptions.subscription_chosen, pattern=f"^{subscriptions.SUBSCRIBE_PREFIX}"
            ),
            # Any other button data is forged or from an older version of the bot.
            CallbackQueryHandler(replies.expired),
            InlineQueryHandler(inline.inline_query),
            ChatMemberHandler(student.membership, ChatMemberHandler.MY_CHAT_MEMBER),
            # guards.admit let through only private texts, mentions and replies to the bot,
            # new or edited alike; an edited question gets a fresh answer.
            MessageHandler(filters.TEXT & ~filters.COMMAND, student.question),
            # After the CommandHandlers, so only commands the bot lacks arrive here.
            MessageHandler(new & filters.COMMAND & private, student.unknown_command),
            MessageHandler(
                new & private & ~filters.TEXT & ~filters.StatusUpdate.ALL, student.not_text
            ),
        ]
    )
    application.add_error_handler(errors.on_error)


def _database(url: str) -> DbEngine:
    check_database_url(url)
    try:
        return storage.open_database(url)
    except SchemaError as error:
        raise SettingsError(f"config: database_url: {error}") from error
    except (ArgumentError, SQLAlchemyError, OSError) as error:
        # The driver's own message (not SQLAlchemy's wrapper with its link), on one line,
        # and never the password.
        reason = " ".join(str(getattr(error, "orig", None) or error).split())
        where = storage.safe_url(url)
        raise SettingsError(f"config: database_url: cannot open {where!r}: {reason}") from error
