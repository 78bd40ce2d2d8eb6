"""Reminders and notices delivered exactly once: posts to the channel, the fan-out to the
subscribers, what each failure means, and the delivery records.

``reminder_jobs`` decides when a reminder runs; this module sends it. The database is the
truth: a ``Delivery`` row is written the moment Telegram accepts a message, and a recipient
with a row is never sent that message again, whatever restarts happen in between.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime

from telegram import Message
from telegram.error import BadRequest, Forbidden, TelegramError, TimedOut

from bot import storage
from bot.core.planning.interests import narrowest_interest, subscribe_link
from bot.core.planning.reminders import LateReason, Reminder, reminder_text
from bot.telegram import replies
from bot.telegram.admins import notify_admins
from bot.telegram.context import CourseApplication, services_of
from bot.telegram.limiter import Broadcast, Withdrawn
from bot.telegram.services import Services

log = logging.getLogger(__name__)

# Broadcast messages in flight at once: enough to keep Telegram's 30 messages/s busy over a
# round trip of up to half a second, and the most a crash can repeat (see the README).
IN_FLIGHT = 16
# How PTB's TimedOut begins when the request never left (every pooled connection was busy).
POOL_TIMEOUT = "Pool timeout"


def _always() -> bool:
    return True


class Delivery:
    """Send reminders and notices to the channel and the subscribers, each recipient once."""

    def __init__(self, application: CourseApplication) -> None:
        self.application = application

    @property
    def leading(self) -> bool:
        """Tell whether this process runs the reminders now (a broadcast stops when not)."""
        return self.services.reminders.leading

    @property
    def services(self) -> Services:
        """Return the application's services."""
        return services_of(self.application)

    @property
    def channel(self) -> str | None:
        """Return the channel as the recipient text stored in deliveries, or None."""
        channel = self.services.settings.channel
        return None if channel is None else str(channel)

    async def reminder(self, reminder: Reminder, *, late: bool) -> None:
        """Send a due reminder to its target, skipping recipients that already have it."""
        if reminder.target == "channel":
            await self._to_channel(reminder, late=late)
        else:
            await self._to_subscribers(reminder, late=late)

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
        services = self.services
        db = services.db
        if channel is None:
            return
        if channel in await services.store.read(
            storage.delivered_to, db, reminder.key, reminder.due_at
        ):
            return
        lang = self.services.settings.channel_language
        try:
            # Late while the channel refuses posts: that, not downtime, is why.
            refused = await services.store.read(storage.channel_problem, db, channel) is not None
            because: LateReason = "channel" if refused else "offline"
            text = self._text(reminder, lang, late=late, because=because)
            text += self._by_dm(reminder, lang)
            message = await self.post_to_channel(text)
        except TimedOut:
            await self.record(reminder.key, reminder.due_at, channel, "failed")
            return
        if message is not None:
            status = "late" if late else "sent"
            await self.record(reminder.key, reminder.due_at, channel, status, message)

    def _by_dm(self, reminder: Reminder, lang: str) -> str:
        """Return the closing line of a channel reminder: a link that subscribes in one tap."""
        try:
            username = self.application.bot.username
        except RuntimeError:  # getMe not done yet: no link rather than a broken one
            return ""
        url = subscribe_link(username, narrowest_interest(reminder.kind))
        return f'\n\n<a href="{replies.escape(url)}">{replies.ht(lang, "web.by_dm")}</a>'

    async def _to_subscribers(self, reminder: Reminder, *, late: bool) -> None:
        services = self.services
        people = await services.store.read(
            storage.subscribers, services.db, reminder.interests, reminder.due_at
        )
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
        done = await services.store.read(storage.delivered_to, services.db, key, due_at)
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
            await services.store.write(storage.unsubscribe, db, person.user_id)
            await services.store.write(
                storage.set_blocked, db, person.user_id, True, services.now()
            )
            await self.record(key, due_at, recipient, "failed")
            return False
        except TimedOut as error:
            if error.message.startswith(POOL_TIMEOUT):
                # No connection was free, so nothing left: retried at the next start.
                log.warning("%s to user %s not sent: %s", key, recipient, error.message)
                return False
            # A timeout may have delivered it: never resent, so never twice.
            log.warning("%s to user %s failed: %s", key, recipient, error.message)
            await self.record(key, due_at, recipient, "failed")
            return False
        except BadRequest as error:
            log.warning("%s to user %s failed: %s", key, recipient, error.message)
            await self.record(key, due_at, recipient, "failed")
            return False
        except TelegramError as error:
            # Not delivered (network down, rate limit exhausted): retried at the next start.
            log.warning("%s to user %s failed: %s", key, recipient, error.message)
            return False
        # Written the moment Telegram accepts it: a crash can repeat only messages in flight.
        await self.record(key, due_at, recipient, status, message)
        return True

    async def record(
        self,
        key: str,
        due_at: datetime,
        recipient: str,
        status: str,
        message: Message | None = None,
    ) -> None:
        """Record what happened to message ``key`` (due at ``due_at``) for one recipient.

        Written on the store's writer thread, and awaited: the caller goes on (to the next
        subscriber, say) only once the record that guards against a second send is in.
        """
        services = self.services
        watch = services.watch
        row = (key, due_at, recipient, status, services.now())
        message_id = message.message_id if message else None

        def write() -> bool:
            return storage.record_delivery(services.db, *row, message_id)

        # The check is a stat of the file, on the loop: a lost file is recreated (and the
        # admins told) from here.
        watch.verify()
        written = await services.store.write(write)
        if watch.verify():
            # The row went into the lost file: keep it in the new one.
            written = await services.store.write(write)
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
        if await services.store.write(storage.clear_channel_problem, services.db, str(channel)):
            log.info("posting to %s works again", channel)
        return message

    async def _channel_problem(self, channel: str, error: str) -> None:
        services = self.services
        noted = await services.store.write(
            storage.note_channel_problem, services.db, channel, error, services.now()
        )
        if not noted:
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
