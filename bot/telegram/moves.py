"""Moved events: when the course file moves a quiz, release, deadline or workshop, the channel
and every subscriber of that kind are told once, each in their language.

Each notice is a message of its own key (``moved:<event>/from <old time>``) under the same
delivery records as reminders, so nobody hears of one move twice, across restarts. The
event's saved time follows the move only once everyone was told: a notice cut short (the
process stopped, or another replica took over the reminders) is finished by the next start
or leader, to those who have no record of it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram.error import TimedOut
from telegram.ext import CallbackContext

from bot import storage
from bot.core.course.course import Course, Event
from bot.core.lang.calendar import format_datetime
from bot.core.lang.i18n import t
from bot.core.planning.interests import interests_for
from bot.core.planning.reminders import event_times, moved_events
from bot.core.render.views import event_title
from bot.telegram import replies
from bot.telegram.reminders import Delivery

log = logging.getLogger(__name__)

JOB_PREFIX = "moved:"


def notice_key(event: Event, old: datetime) -> str:
    """Return the delivery key of the notice that ``event`` moved from ``old``."""
    return f"{JOB_PREFIX}{event.key}/from {old.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def notice_text(course: Course, event: Event, old: datetime, lang: str) -> str:
    """Return the notice in ``lang``: what moved, from when, to when (HTML-escaped)."""
    text = t(
        lang,
        "reminder.moved",
        title=event_title(event, lang),
        old=format_datetime(old.astimezone(course.tz), lang),
        new=format_datetime(event.at, lang),
    )
    return replies.escape(text)


async def announce(service: Delivery, course: Course, now: datetime, *, quietly: bool) -> None:
    """Tell the channel of every event ``course`` moved since the saved times, and start
    telling the subscribers of its kind; keep the times for the next comparison."""
    db = service.services.db
    store = service.services.store
    current = event_times(course)
    saved = await store.read(storage.event_times, db)
    if not saved or quietly:
        # The first start has nothing to compare with; without reminders there is nobody
        # to tell, but the times are kept for later comparisons.
        await store.write(storage.save_event_times, db, current)
        return
    keep = dict(current)
    for event, old in moved_events(saved, course):
        if max(old, event.at) <= now:
            continue  # a correction of the past is not news
        # The old time stays saved until everyone was told (see _tell_subscribers).
        keep[event.key] = old
        told = await _tell_channel(service, course, event, old)
        _start_telling_subscribers(service, course, event, old, channel_told=told)
    await store.write(storage.save_event_times, db, keep)


async def _tell_channel(service: Delivery, course: Course, event: Event, old: datetime) -> bool:
    """Post the notice to the channel unless it has it; False if the channel refused it."""
    channel = service.channel
    if channel is None:
        return True
    key = notice_key(event, old)
    services = service.services
    if channel in await services.store.read(storage.delivered_to, services.db, key, event.at):
        return True
    text = notice_text(course, event, old, services.settings.channel_language)
    try:
        message = await service.post_to_channel(text)
    except TimedOut:
        # It may have gone out: recorded as failed, so it is never posted twice.
        await service.record(key, event.at, channel, "failed")
        return True
    if message is None:
        return False  # announced at the next start or reload
    await service.record(key, event.at, channel, "sent", message)
    log.info("announced that %s moved from %s to %s", event.key, old, event.at)
    return True


def _start_telling_subscribers(
    service: Delivery, course: Course, event: Event, old: datetime, *, channel_told: bool
) -> None:
    """Message the subscribers in a job of its own, so a /reload is not kept waiting."""
    key = notice_key(event, old)
    job_queue = service.application.job_queue
    assert job_queue is not None
    if job_queue.get_jobs_by_name(key):
        return  # already under way (a second reload while it runs)

    async def run(context: CallbackContext) -> None:  # type: ignore[type-arg]
        await _tell_subscribers(service, course, event, old, channel_told=channel_told)

    job_queue.run_once(run, when=0, name=key, job_kwargs={"misfire_grace_time": None})


async def _tell_subscribers(
    service: Delivery, course: Course, event: Event, old: datetime, *, channel_told: bool
) -> None:
    services = service.services
    db = services.db
    key = notice_key(event, old)
    store = services.store
    people = await store.read(storage.subscribers, db, interests_for(event.kind), services.now())
    texts = {lang: notice_text(course, event, old, lang) for lang in {p.language for p in people}}
    await service.broadcast(key, event.at, people, texts, "sent", stale_at=event.at)
    told = await store.read_settled(storage.delivered_to, db, key, event.at)
    # Someone without a record (not reached for now) is tried again at the next start.
    finished = services.now() >= event.at or all(str(p.user_id) in told for p in people)
    if (
        finished
        and channel_told
        and (await store.read(storage.event_times, db)).get(event.key) == old
    ):
        # Everyone was told: from now on the new time is the one to compare with.
        await store.write(storage.save_event_time, db, event.key, event.at)
