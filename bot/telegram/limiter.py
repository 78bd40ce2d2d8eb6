"""One budget for everything the bot sends: replies first, broadcasts with what replies leave.

Telegram allows a bot about 30 messages a second overall, 20 a minute per group or channel
and about one a second per private chat; beyond that it answers 429 with ``retry_after``.
``SendLimiter`` sits in front of every request (PTB's ``BaseRateLimiter`` hook) and hands
out send slots from one sliding window. A reply takes the next free slot; a broadcast
message (a send made with ``rate_limit_args=Broadcast(...)``) takes a slot only when no
reply is waiting, and is paced evenly so it never fills the window in one burst. After a
429 the refused request and all broadcasts wait ``retry_after`` while other replies go on;
the whole budget drops by a quarter and grows back over the next windows, so resuming does
not trip the limit again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

REPLY, BROADCAST = 0, 1
# One under Telegram's 30 in any second, so jitter on the way there does not bunch evenly
# spaced messages into a 31st; while replies are about, one more is kept spare for them, as
# they come in bunches (see SlotScheduler).
PER_WINDOW = 29
WINDOW = 1.0
GROUP_PER_MINUTE = 20
# Telegram asks for about one message a second in a private chat; a few at once are fine
# (an answer in two pieces), and a flooding student's replies are spread out, not bunched.
PRIVATE_PER_SECOND = 1.0
PRIVATE_BURST = 3
MAX_RETRIES = 3
MAX_CHAT_LIMITERS = 1024


def _always() -> bool:
    return True


@dataclass(frozen=True)
class Broadcast:
    """Mark a send as part of a broadcast; ``wanted`` is asked again when its slot comes."""

    wanted: Callable[[], bool] = field(default=_always)


class Withdrawn(Exception):
    """A broadcast message was not sent: by its turn it was no longer wanted."""


class Slot:
    """One granted send, counted in the window from ``at``."""

    __slots__ = ("at",)

    def __init__(self, at: float) -> None:
        self.at = at


class SlotScheduler:
    """Grant send slots: at most ``per_window`` in any ``window`` seconds, replies first.

    Broadcast slots are spaced ``window / per_window`` apart, so a broadcast alone runs at the
    full rate while a reply never waits for more than one slot's spacing behind it.
    """

    def __init__(
        self,
        per_window: int = PER_WINDOW,
        window: float = WINDOW,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.per_window = per_window
        self.window = window
        self._clock = clock
        self._granted: list[Slot] = []
        self._waiting: tuple[deque[asyncio.Future[Slot]], ...] = (deque(), deque())
        self._broadcasts_paused_until = 0.0
        self._next_broadcast = 0.0
        # Lowered after a 429, raised again window by window.
        self._budget = float(per_window)
        self._budget_checked = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._fastest_half = float("inf")
        self._last_reply = float("-inf")

    @property
    def budget(self) -> int:
        """Return how many slots the window holds right now."""
        return max(1, int(self._budget))

    def now(self) -> float:
        """Return the scheduler's time in seconds."""
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    async def acquire(self, kind: int) -> Slot:
        """Return a slot when a request of ``kind`` (REPLY or BROADCAST) may go out."""
        future: asyncio.Future[Slot] = asyncio.get_running_loop().create_future()
        self._waiting[kind].append(future)
        self._dispatch()
        try:
            return await future
        except asyncio.CancelledError:
            with contextlib.suppress(ValueError):
                self._waiting[kind].remove(future)
            raise

    def sending(self, slot: Slot) -> float:
        """Note that the slot's request is leaving now, which may be later than its grant;
        return the time.

        A busy event loop can resume granted requests late and all together; counting
        them from when they really leave keeps such a bunch from overfilling a window.
        """
        now = self.now()
        slot.at = max(slot.at, now)
        return now

    def answered(self, slot: Slot, sent_at: float) -> None:
        """Note the answer to the slot's request: count it from when Telegram likely saw it.

        Telegram counts a message when it arrives, about half the round trip after it
        left; a request held up on the way (a slow connection, a busy machine) arrives
        late, close to the next ones. Half its delay beyond the fastest round trip seen
        moves its place in the window, so those after it keep their distance.
        """
        half = (self.now() - sent_at) / 2
        self._fastest_half = min(self._fastest_half, half)
        slot.at = max(slot.at, sent_at + half - self._fastest_half)

    def backoff(self, retry_after: float) -> None:
        """Note a 429: pause broadcasts for ``retry_after``, lower the budget a quarter."""
        now = self.now()
        until = now + retry_after
        if now >= self._budget_checked:
            # Requests in flight together share one 429: lower once per pause, not per request.
            self._budget = max(1.0, self._budget * 3 / 4)
        self._budget_checked = max(self._budget_checked, until)
        # The refused request itself waits retry_after (see SendLimiter). Broadcasts would
        # only add to the overload, so they all wait too; other replies go on, fewer a window.
        self._broadcasts_paused_until = max(self._broadcasts_paused_until, until)
        self._dispatch()

    def _dispatch(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        now = self.now()
        self._grow_budget(now)
        self._granted = [slot for slot in self._granted if slot.at > now - self.window]
        wake: float | None = None
        for kind in (REPLY, BROADCAST):
            queue = self._waiting[kind]
            while queue and queue[0].done():
                queue.popleft()  # cancelled while waiting
            if not queue:
                continue
            ready_at = now
            if kind == BROADCAST:
                if self._waiting[REPLY]:
                    break  # replies waiting for a slot get it first
                ready_at = max(self._broadcasts_paused_until, self._next_broadcast)
            # Replies in the last window: broadcasts leave one more slot spare for them.
            cap = self.budget
            if kind == BROADCAST and self.budget > 1 and now - self._last_reply < self.window:
                cap -= 1
            while queue and ready_at <= now:
                if len(self._granted) >= cap:
                    times = sorted(slot.at for slot in self._granted)
                    ready_at = times[-cap] + self.window
                    break
                slot = Slot(now)
                queue.popleft().set_result(slot)
                self._granted.append(slot)
                if kind == REPLY:
                    self._last_reply = now
                if kind == BROADCAST:
                    # Keep to the even timeline: a grant made a little late (the loop was
                    # busy) brings the next one forward, up to half a spacing.
                    spacing = self.window / self.budget
                    late = min(max(now - self._next_broadcast, 0.0), spacing / 2)
                    self._next_broadcast = now + spacing - late
                    ready_at = self._next_broadcast
                while queue and queue[0].done():
                    queue.popleft()
            if queue:
                wake = ready_at if wake is None else min(wake, ready_at)
        if wake is not None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(max(0.0, wake - now), self._dispatch)

    def _grow_budget(self, now: float) -> None:
        # Back to the full budget within two windows after the pause, a quarter at a time.
        if self._budget >= self.per_window or now < self._budget_checked + self.window:
            return
        steps = (now - self._budget_checked) // self.window
        self._budget = min(float(self.per_window), self._budget + steps * self.per_window / 4)
        self._budget_checked += steps * self.window


class SendLimiter(BaseRateLimiter[Broadcast | None]):
    """PTB rate limiter: Telegram's overall and per-chat limits, replies before broadcasts.

    Requests without a ``chat_id`` (answering callbacks and inline queries) are not counted,
    as with PTB's own ``AIORateLimiter``. A 429 is waited out and retried ``max_retries``
    times; only that request and the broadcasts wait, other replies go on.
    """

    def __init__(
        self,
        per_window: int = PER_WINDOW,
        window: float = WINDOW,
        group_per_minute: int = GROUP_PER_MINUTE,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        self.slots = SlotScheduler(per_window, window)
        self.group_per_minute = group_per_minute
        self.max_retries = max_retries
        self._chats: dict[int | str, AsyncLimiter] = {}

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Broadcast | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Wait for a slot of the request's class, send it, and wait out 429s."""
        chat_id = data.get("chat_id")
        kind = BROADCAST if isinstance(rate_limit_args, Broadcast) else REPLY
        chat = self._chat(chat_id, endpoint)
        for attempt in range(self.max_retries + 1):
            if chat is not None:
                await chat.acquire()  # before the overall slot: a busy chat holds none
            slot = await self.slots.acquire(kind) if chat_id is not None else None
            if isinstance(rate_limit_args, Broadcast) and not rate_limit_args.wanted():
                raise Withdrawn(endpoint)
            sent_at = self.slots.sending(slot) if slot is not None else 0.0
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                refused = error
            finally:
                if slot is not None:
                    self.slots.answered(slot, sent_at)
            if attempt == self.max_retries:
                raise refused
            wait = _seconds(refused.retry_after)
            log.info("%s: 429, retrying in %.1fs", endpoint, wait)
            self.slots.backoff(wait)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _chat(self, chat_id: object, endpoint: str) -> AsyncLimiter | None:
        # Negative ids and @usernames are groups and channels; private chats are positive.
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(chat_id)  # type: ignore[call-overload]
        if not isinstance(chat_id, int | str):
            return None
        private = isinstance(chat_id, int) and chat_id > 0
        if private and not (endpoint.startswith("send") and endpoint != "sendChatAction"):
            return None  # paging a schedule edits a message: no new message, no wait
        if not private and not self.group_per_minute:
            return None
        if chat_id not in self._chats and len(self._chats) >= MAX_CHAT_LIMITERS:
            idle = [k for k, v in self._chats.items() if v.has_capacity(v.max_rate)]
            for key in idle:
                del self._chats[key]
        limiter = self._chats.get(chat_id)
        if limiter is None:
            limiter = self._chats[chat_id] = (
                AsyncLimiter(PRIVATE_BURST, PRIVATE_BURST / PRIVATE_PER_SECOND)
                if private
                else AsyncLimiter(self.group_per_minute, 60)
            )
        return limiter


def _seconds(retry_after: float | timedelta) -> float:
    # PTB gives an int of seconds, or a timedelta with PTB_TIMEDELTA set.
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else retry_after
