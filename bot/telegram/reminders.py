"""Reminders: run the course's reminder plan on the JobQueue and deliver each one exactly once.

The plan (``bot.core.planning.reminders``) says what is due when; this module schedules one job per
reminder, and each job posts to the channel or messages the subscribers. The database is the
truth: a ``Delivery`` row is written the moment Telegram accepts a message, and a recipient
with a row is never sent that reminder again, whatever restarts happen in between.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta

from telegram import Message
from telegram.error import BadRequest, Forbidden, TelegramError, TimedOut

from bot import storage
from bot.core.course.course import Course
from bot.core.course.loader import CourseError
from bot.core.planning.reminders import (
    LateReason,
    Reminder,
    action,
    event_times,
    plan,
    reminder_text,
    triage,
)
from bot.telegram import moves, replies
from bot.telegram.admins import notify_admins
from bot.telegram.context import BotContext, CourseApplication, services_of
from bot.telegram.leader import Leadership
from bot.telegram.limiter import Broadcast, Withdrawn
from bot.telegram.services import Services

log = logging.getLogger(__name__)

JOB_PREFIX = "reminder:"
# Broadcast messages in flight at once: enough to keep Telegram's 30 messages/s busy over a
# round trip of up to half a second, and the most a crash can repeat (see the README).
IN_FLIGHT = 16
# How PTB's TimedOut begins when the request never left (every pooled connection was busy).
POOL_TIMEOUT = "Pool timeout"


def job_id(reminder: Reminder) -> str:
    """Return the reminder's job id: the same for the same key and due time, in any process."""
    return f"{JOB_PREFIX}{reminder.key}@{reminder.due_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def _always() -> bool:
    return True


class ReminderService:
    """Keep the JobQueue in step with the plan, and deliver what falls due."""

    def __init__(self, application: CourseApplication) -> None:
        self.application = application
        # Jobs of the current plan by id; a job whose reminder left the plan does nothing.
        self.planned: dict[str, Reminder] = {}
        # One delivery at a time, so no two jobs ever broadcast the same reminder at once.
        self._send_lock = asyncio.Lock()
        self._plan_lock = asyncio.Lock()
        # Job ids of the reminders this process has delivered (or found skipped).
        self._ran: set[str] = set()
        # Among replicas on PostgreSQL only the leader runs reminders (see leader.py).
        self.leadership = Leadership(
            services_of(application).db, self.elected, self.deposed, on_reload=self.follow_reload
        )
        # Set while reloading because another replica did, so it is not announced back.
        self._following = False

    @property
    def leading(self) -> bool:
        """Tell whether this process runs the reminders now."""
        return self.leadership.is_leader

    @property
    def services(self) -> Services:
        """Return the application's services."""
        return services_of(self.application)

    @property
    def channel(self) -> str | None:
        """Return the channel as the recipient text stored in deliveries, or None."""
        channel = self.services.settings.channel
        return None if channel is None else str(channel)

    # -- planning ----------------------------------------------------------------------------

    async def refresh(self) -> None:
        """Announce moved events, then schedule the plan: future reminders at their time,
        missed ones now (sent late if their event is ahead), stale ones recorded as skipped."""
        async with self._plan_lock:
            services = self.services
            now = services.now()
            settings = services.settings.reminders
            await moves.announce(self, services.course, now, quietly=not settings.enabled)
            reminders = (
                plan(services.course, settings.plan_settings(channel=self.channel is not None))
                if settings.enabled
                else []
            )
            decided = triage(reminders, now, settings.grace_period)
            self._record_skipped(decided.skipped, now)
            self.planned = {job_id(r): r for r in decided.scheduled}
            self._reschedule(now)
            log.info(
                "reminders: %d in the plan, %d scheduled (%d due now), %d past",
                len(reminders),
                len(decided.scheduled),
                sum(1 for r in decided.scheduled if r.due_at <= now),
                len(decided.skipped),
            )

    def _reschedule(self, now: datetime) -> None:
        job_queue = self.application.job_queue
        assert job_queue is not None, "install python-telegram-bot[job-queue]"
        for job in job_queue.jobs(f"^{JOB_PREFIX}"):
            if job.name not in self.planned:
                job.schedule_removal()
        for reminder in self.planned.values():
            self._schedule(reminder, now)

    def _schedule(self, reminder: Reminder, now: datetime) -> None:
        job_queue = self.application.job_queue
        assert job_queue is not None
        grace = self.services.settings.reminders.grace_period
        # APScheduler drops a job that fires later than misfire_grace_time (1 s by default).
        # A reminder stays worth running until it goes stale; the job itself then decides
        # whether it is on time or late.
        misfire = max(grace, reminder.stale_at - reminder.due_at)
        name = job_id(reminder)
        job_queue.run_once(
            self._run_job,
            # Relative to the injected clock, so tests and the process agree on "now".
            when=max(reminder.due_at - now, timedelta(0)),
            data=reminder,
            name=name,
            job_kwargs={
                "id": name,
                "replace_existing": True,
                "misfire_grace_time": max(1, int(misfire.total_seconds())),
                "coalesce": True,
            },
        )

    def _record_skipped(self, reminders: Iterable[Reminder], now: datetime) -> None:
        rows = [(r.key, r.due_at, self._target_recipient(r)) for r in reminders]
        count = storage.record_skipped(self.services.db, rows, now)
        if count:
            log.info("reminders: %d missed reminder(s) recorded as skipped", count)

    def _target_recipient(self, reminder: Reminder) -> str:
        if reminder.target == "channel" and self.channel is not None:
            return self.channel
        return reminder.target

    # -- delivery ----------------------------------------------------------------------------

    def after_database_lost(self) -> None:
        """Mark every reminder already due as handled in a new, empty database.

        Their records went with the old file; without this, the next plan would send the
        ones whose event is still ahead a second time, marked late.
        """
        services = self.services
        now = services.now()
        settings = services.settings.reminders
        storage.save_event_times(services.db, event_times(services.course))
        if not settings.enabled:
            return
        everything = plan(services.course, settings.plan_settings(channel=self.channel is not None))
        # Handled: what the last plan left out as past, and what has run since. A reminder
        # scheduled and not run yet (or being delivered right now) is left to its job.
        handled = [
            r
            for r in everything
            if r.due_at <= now and (job_id(r) not in self.planned or job_id(r) in self._ran)
        ]
        self._record_skipped(handled, now)

    async def on_reload(self, course: Course) -> None:
        """Re-plan after /reload or SIGHUP swapped in ``course`` (the leader only), and have
        the other replicas reload too."""
        if not self._following:
            await self.leadership.announce_reload()
        if self.leading:
            await self.refresh()

    async def follow_reload(self) -> None:
        """Re-read the course because another replica did; keep the old one if it is invalid."""
        self._following = True
        try:
            await self.services.library.reload()
        except CourseError as error:
            log.warning("reload after another replica's failed, keeping the old course:\n%s", error)
        finally:
            self._following = False

    async def elected(self) -> None:
        """Start running the reminders: plan, catch up on what was missed, schedule the rest."""
        await self.refresh()

    async def deposed(self) -> None:
        """Stop running the reminders: another replica may lead now."""
        async with self._plan_lock:
            self.planned = {}
            job_queue = self.application.job_queue
            assert job_queue is not None
            for job in job_queue.jobs(f"^{JOB_PREFIX}"):
                job.schedule_removal()

    async def _run_job(self, context: BotContext) -> None:
        assert context.job is not None
        reminder = context.job.data
        assert isinstance(reminder, Reminder), "a reminder job carries its Reminder"
        await self.deliver(reminder)

    async def deliver(self, reminder: Reminder) -> None:
        """Send a due reminder to its target, skipping recipients that already have it."""
        async with self._send_lock:
            if not self.leading:
                log.info("%s: another replica runs the reminders; not sent here", reminder.key)
                return
            if job_id(reminder) not in self.planned:
                log.info("%s: no longer in the plan; not sent", reminder.key)
                return
            now = self.services.now()
            decision = action(reminder, now, self.services.settings.reminders.grace_period)
            if decision == "wait":
                self._schedule(reminder, now)
                return
            if decision == "skip":
                self._record_skipped([reminder], now)
                return
            late = decision == "late"
            try:
                if reminder.target == "channel":
                    await self._to_channel(reminder, late=late)
                else:
                    await self._to_subscribers(reminder, late=late)
            finally:
                self._ran.add(job_id(reminder))

    def _text(
        self, reminder: Reminder, lang: str, *, late: bool, because: LateReason = "offline"
    ) -> str:
        services = self.services
        return replies.escape(
            reminder_text(
                reminder, services.course, lang, services.now(), late=late, late_because=because
            )
        )

    async def _to_channel(self, reminder: Reminder, *, late: bool) -> None:
        channel = self.channel
        db = self.services.db
        if channel is None or channel in storage.delivered_to(db, reminder.key, reminder.due_at):
            return
        lang = self.services.settings.channel_language
        try:
            # Late while the channel refuses posts: that, not downtime, is why.
            refused = storage.channel_problem(db, channel) is not None
            because: LateReason = "channel" if refused else "offline"
            text = self._text(reminder, lang, late=late, because=because)
            text += self._by_dm(reminder, lang)
            message = await self.post_to_channel(text)
        except TimedOut:
            self.record(reminder.key, reminder.due_at, channel, "failed")
            return
        if message is not None:
            status = "late" if late else "sent"
            self.record(reminder.key, reminder.due_at, channel, status, message)

    def _by_dm(self, reminder: Reminder, lang: str) -> str:
        """Return the closing line of a channel reminder: a link that subscribes in one tap."""
        try:
            username = self.application.bot.username
        except RuntimeError:  # getMe not done yet: no link rather than a broken one
            return ""
        payload = {"quiz": "sub-quiz", "deadline": "sub-deadline", "release": "sub-deadline"}
        start = payload.get(reminder.kind, "sub-all")
        url = f"https://t.me/{username}?start={start}"
        return f'\n\n<a href="{replies.escape(url)}">{replies.ht(lang, "web.by_dm")}</a>'

    async def _to_subscribers(self, reminder: Reminder, *, late: bool) -> None:
        services = self.services
        people = storage.subscribers(services.db, reminder.interests, reminder.due_at)
        texts = {
            lang: self._text(reminder, lang, late=late) for lang in {p.language for p in people}
        }
        status = "late" if late else "sent"
        await self.broadcast(
            reminder.key, reminder.due_at, people, texts, status, reminder.stale_at
        )

    async def broadcast(
        self,
        key: str,
        due_at: datetime,
        people: list[storage.Subscriber],
        texts: Mapping[str, str],
        status: str,
        stale_at: datetime,
    ) -> None:
        """Send ``key`` to each of ``people`` without a delivery record, in their language
        (``texts``), recording each as ``status``; what is left at ``stale_at`` is not sent."""
        services = self.services
        done = storage.delivered_to(services.db, key, due_at)
        people = [person for person in people if str(person.user_id) not in done]
        # Several messages in flight at once, so the round trip to Telegram does not set the
        # pace: the shared limiter does. Each worker takes the next student in turn.
        queue = iter(people)
        outcomes: Counter[bool | None] = Counter()

        def wanted() -> bool:
            # A leader that lost its lock stops at once: the new one sends the rest.
            return (
                self.application.running
                and not services.stopping
                and self.leading
                and services.now() < stale_at
            )

        async def worker() -> None:
            for person in queue:
                if not wanted():
                    return
                text = texts[person.language]
                sent = await self._to_subscriber(key, due_at, person, text, status, wanted)
                outcomes[sent] += 1

        async with asyncio.TaskGroup() as group:
            for _ in range(min(IN_FLIGHT, len(people))):
                group.create_task(worker())
        # Withdrawn at their turn (None) or never taken: not sent, no record.
        left = len(people) - outcomes[True] - outcomes[False]
        if left and not self.leading:
            log.info("%s: no longer the leader, %d left to the new one", key, left)
        elif left and (not self.application.running or services.stopping):
            log.info("%s: stopping with %d left for the next start", key, left)
        elif left:
            log.info("%s: its event has begun; the %d left are not sent", key, left)
        log.info("%s: sent to %d subscriber(s)", key, outcomes[True])

    async def _to_subscriber(
        self,
        key: str,
        due_at: datetime,
        person: storage.Subscriber,
        text: str,
        status: str,
        wanted: Callable[[], bool],
    ) -> bool | None:
        """Send one subscriber a message and record it: True if it went out, False if it
        failed, None if it was withdrawn at its turn."""
        services = self.services
        db = services.db
        recipient = str(person.user_id)
        try:
            message = await self._send(person.user_id, text, wanted)
        except Withdrawn:
            return None  # stopped or stale by its turn: never sent, so no record
        except Forbidden as error:
            log.info("user %s: %s; unsubscribed", person.user_id, error.message)
            storage.unsubscribe(db, person.user_id)
            storage.set_blocked(db, person.user_id, True, services.now())
            self.record(key, due_at, recipient, "failed")
            return False
        except TimedOut as error:
            if error.message.startswith(POOL_TIMEOUT):
                # No connection was free, so nothing left: retried at the next start.
                log.warning("%s to user %s not sent: %s", key, recipient, error.message)
                return False
            # A timeout may have delivered it: never resent, so never twice.
            log.warning("%s to user %s failed: %s", key, recipient, error.message)
            self.record(key, due_at, recipient, "failed")
            return False
        except BadRequest as error:
            log.warning("%s to user %s failed: %s", key, recipient, error.message)
            self.record(key, due_at, recipient, "failed")
            return False
        except TelegramError as error:
            # Not delivered (network down, rate limit exhausted): retried at the next start.
            log.warning("%s to user %s failed: %s", key, recipient, error.message)
            return False
        # Written the moment Telegram accepts it: a crash can repeat only messages in flight.
        self.record(key, due_at, recipient, status, message)
        return True

    def record(
        self,
        key: str,
        due_at: datetime,
        recipient: str,
        status: str,
        message: Message | None = None,
    ) -> None:
        """Record what happened to message ``key`` (due at ``due_at``) for one recipient."""
        services = self.services
        watch = services.watch

        def write() -> bool:
            return storage.record_delivery(
                services.db,
                key,
                due_at,
                recipient,
                status,
                services.now(),
                message.message_id if message else None,
            )

        watch.verify()
        written = write()
        if watch.verify():
            # The row went into the lost file: keep it in the new one.
            written = write()
        if not written:
            log.warning("%s to %s was already recorded", key, recipient)

    async def _send(
        self, chat_id: int | str, markup: str, wanted: Callable[[], bool] = _always
    ) -> Message:
        # Broadcast class: replies to students go first (see limiter.py). A blocked
        # subscriber or a refusing channel is the caller's to handle, so it is raised.
        sent = await replies.send(
            self.application.bot,
            chat_id,
            markup,
            broadcast=Broadcast(wanted),
            raise_forbidden=True,
        )
        assert sent, "a reminder is never empty"
        return sent[0]

    async def post_to_channel(self, markup: str) -> Message | None:
        """Post to the channel; on failure log it, tell the admins once, and return None.

        A timeout is raised: the post may have gone out, so the caller must not repeat it.
        """
        services = self.services
        channel = services.settings.channel
        assert channel is not None
        try:
            message = await self._send(channel, markup)
        except TimedOut:
            log.warning("posting to %s timed out; it may or may not have arrived", channel)
            raise
        except (Forbidden, BadRequest) as error:
            await self._channel_problem(str(channel), error.message)
            return None
        except TelegramError as error:
            log.warning("posting to %s failed: %s", channel, error.message)
            return None
        if storage.clear_channel_problem(services.db, str(channel)):
            log.info("posting to %s works again", channel)
        return message

    async def _channel_problem(self, channel: str, error: str) -> None:
        services = self.services
        if not storage.note_channel_problem(services.db, channel, error, services.now()):
            log.info("still cannot post to %s: %s", channel, error)
            return
        log.warning("cannot post to the channel %s: %s; telling the admins", channel, error)
        await notify_admins(
            self.application.bot,
            services,
            lambda lang: replies.ht(
                lang, "bot.reminders.channel_problem", channel=channel, error=error
            ),
            about="of the channel",
        )


def install(application: CourseApplication) -> ReminderService:
    """Create the reminder service and re-plan after every reload; call ``refresh`` at start."""
    service = ReminderService(application)
    services = services_of(application)
    # First: past reminders are marked handled before anything else writes to a new file.
    services.watch.on_recreated.insert(0, service.after_database_lost)
    services.library.reload_listeners.append(service.on_reload)
    return service


async def start(application: CourseApplication) -> None:
    """Run the reminders here if this process leads (always on SQLite), else keep trying."""
    await reminders_of(application).leadership.start()


async def stop(application: CourseApplication) -> None:
    """Stop competing for the reminders and release the lock."""
    await reminders_of(application).leadership.stop()


def reminders_of(application: CourseApplication) -> ReminderService:
    """Return the reminder service of an application."""
    service = services_of(application).reminders
    assert isinstance(service, ReminderService), "installed by build_application"
    return service
