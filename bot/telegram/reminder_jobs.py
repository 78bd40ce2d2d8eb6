"""Reminders on the JobQueue: one job per planned reminder, run when it falls due, and the
plan made again after a reload, a change of leader or a lost database.

What is due, late or past is the core's to decide (``bot.core.planning.reminders``); sending
it, once per recipient, is ``reminders.Delivery``'s.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from bot import storage
from bot.core.course.course import Course
from bot.core.course.loader import CourseError
from bot.core.planning.reminders import (
    PlanSettings,
    Reminder,
    action,
    event_times,
    handled_after_loss,
    plan,
    triage,
)
from bot.telegram import moves
from bot.telegram.context import BotContext, CourseApplication, services_of
from bot.telegram.leader import Leadership
from bot.telegram.reminders import Delivery
from bot.telegram.services import Services

log = logging.getLogger(__name__)

JOB_PREFIX = "reminder:"


def job_id(reminder: Reminder) -> str:
    """Return the reminder's job id: the same for the same key and due time, in any process."""
    return f"{JOB_PREFIX}{reminder.ident}"


class ReminderService:
    """Keep the JobQueue in step with the plan, and deliver what falls due."""

    def __init__(self, application: CourseApplication) -> None:
        self.application = application
        self.delivery = Delivery(application)
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

    def _plan_settings(self) -> PlanSettings:
        settings = self.services.settings.reminders
        return settings.plan_settings(channel=self.delivery.channel is not None)

    # -- planning ----------------------------------------------------------------------------

    async def refresh(self) -> None:
        """Announce moved events, then schedule the plan: future reminders at their time,
        missed ones now (sent late if their event is ahead), stale ones recorded as skipped."""
        async with self._plan_lock:
            services = self.services
            now = services.now()
            settings = services.settings.reminders
            await moves.announce(self.delivery, services.course, now, quietly=not settings.enabled)
            reminders = plan(services.course, self._plan_settings()) if settings.enabled else []
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
        channel = self.delivery.channel
        rows = [(r.key, r.due_at, r.recipient(channel)) for r in reminders]
        count = storage.record_skipped(self.services.db, rows, now)
        if count:
            log.info("reminders: %d missed reminder(s) recorded as skipped", count)

    def after_database_lost(self) -> None:
        """Mark every reminder already due as handled in a new, empty database.

        Their records went with the old file; without this, the next plan would send the
        ones whose event is still ahead a second time, marked late.
        """
        services = self.services
        now = services.now()
        storage.save_event_times(services.db, event_times(services.course))
        if not services.settings.reminders.enabled:
            return
        # Handled: what the last plan left out as past, and what has run since. A reminder
        # scheduled and not run yet (or being delivered right now) is left to its job.
        waiting = {r.ident for name, r in self.planned.items() if name not in self._ran}
        everything = plan(services.course, self._plan_settings())
        self._record_skipped(handled_after_loss(everything, now, waiting), now)

    # -- leading -----------------------------------------------------------------------------

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

    # -- running -----------------------------------------------------------------------------

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
            try:
                await self.delivery.reminder(reminder, late=decision == "late")
            finally:
                self._ran.add(job_id(reminder))


def install(application: CourseApplication) -> ReminderService:
    """Create the reminder service and re-plan after every reload; call ``start`` at start."""
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
