"""One budget for everything the bot sends: replies first, broadcasts with what replies leave.

Telegram allows a bot about 30 messages a second overall and 20 a minute per group or
channel; beyond that it answers 429 with ``retry_after``. ``SendLimiter`` sits in front of
every request (PTB's ``BaseRateLimiter`` hook) and hands out send slots from one sliding
window. A reply takes the next free slot; a broadcast message (a send made with
``rate_limit_args=Broadcast(...)``) takes a slot only when no reply is waiting, and is paced
evenly so it never fills the window in one burst. After a 429 the class that got it waits
``retry_after``, and the whole budget drops by half and grows back over the next few windows,
so resuming does not trip the limit again.
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
# One under Telegram's 30 in any second: the slack absorbs jitter on the way to Telegram.
PER_WINDOW = 29
WINDOW = 1.0
GROUP_PER_MINUTE = 20
MAX_RETRIES = 3
MAX_GROUP_LIMITERS = 512


def _always() -> bool:
    return True


@dataclass(frozen=True)
class Broadcast:
    """Mark a send as part of a broadcast; ``wanted`` is asked again when its slot comes."""

    wanted: Callable[[], bool] = field(default=_always)


class Withdrawn(Exception):
    """A broadcast message was not sent: by its turn it was no longer wanted."""


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
        self._granted: deque[float] = deque()
        self._waiting: tuple[deque[asyncio.Future[None]], ...] = (deque(), deque())
        self._paused_until = [0.0, 0.0]
        self._next_broadcast = 0.0
        # Lowered after a 429, raised again window by window.
        self._budget = float(per_window)
        self._budget_checked = 0.0
        self._timer: asyncio.TimerHandle | None = None

    @property
    def budget(self) -> int:
        """Return how many slots the window holds right now."""
        return max(1, int(self._budget))

    def now(self) -> float:
        """Return the scheduler's time in seconds."""
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    async def acquire(self, kind: int) -> None:
        """Return when a request of ``kind`` (REPLY or BROADCAST) may go out."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[kind].append(future)
        self._dispatch()
        try:
            await future
        except asyncio.CancelledError:
            with contextlib.suppress(ValueError):
                self._waiting[kind].remove(future)
            raise

    def backoff(self, kind: int, retry_after: float) -> None:
        """Note a 429 on a request of ``kind``: pause that class and halve the budget."""
        now = self.now()
        until = now + retry_after
        if now >= self._budget_checked:
            # Requests in flight together share one 429: halve once per pause, not per request.
            self._budget = max(1.0, self._budget / 2)
        self._budget_checked = max(self._budget_checked, until)
        self._paused_until[kind] = max(self._paused_until[kind], until)
        # Broadcasts would only add to the overload: they wait too, whoever got the 429.
        self._paused_until[BROADCAST] = max(self._paused_until[BROADCAST], until)
        self._dispatch()

    def _dispatch(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        now = self.now()
        self._grow_budget(now)
        while self._granted and self._granted[0] <= now - self.window:
            self._granted.popleft()
        wake: float | None = None
        for kind in (REPLY, BROADCAST):
            queue = self._waiting[kind]
            while queue and queue[0].done():
                queue.popleft()  # cancelled while waiting
            if not queue:
                continue
            ready_at = self._paused_until[kind]
            if kind == BROADCAST:
                if self._waiting[REPLY] and self._paused_until[REPLY] <= now:
                    break  # replies waiting for a slot get it first
                ready_at = max(ready_at, self._next_broadcast)
            while queue and ready_at <= now:
                if len(self._granted) >= self.budget:
                    ready_at = self._granted[-self.budget] + self.window
                    break
                queue.popleft().set_result(None)
                self._granted.append(now)
                if kind == BROADCAST:
                    self._next_broadcast = now + self.window / self.budget
                    ready_at = self._next_broadcast
                while queue and queue[0].done():
                    queue.popleft()
            if queue:
                wake = ready_at if wake is None else min(wake, ready_at)
        if wake is not None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(max(0.0, wake - now), self._dispatch)

    def _grow_budget(self, now: float) -> None:
        # Back to the full budget four windows after the pause, a quarter at a time.
        if self._budget >= self.per_window or now < self._budget_checked + self.window:
            return
        steps = (now - self._budget_checked) // self.window
        self._budget = min(float(self.per_window), self._budget + steps * self.per_window / 4)
        self._budget_checked += steps * self.window


class SendLimiter(BaseRateLimiter[Broadcast | None]):
    """PTB rate limiter: Telegram's overall and per-group limits, replies before broadcasts.

    Requests without a ``chat_id`` (answering callbacks and inline queries) are not counted,
    as with PTB's own ``AIORateLimiter``. A 429 is waited out and retried ``max_retries``
    times; only the class that got it (and broadcasts) waits, other replies go on.
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
        self._groups: dict[int | str, AsyncLimiter] = {}

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
        group = self._group(chat_id)
        for attempt in range(self.max_retries + 1):
            if group is not None:
                await group.acquire()
            if chat_id is not None:
                await self.slots.acquire(kind)
            if isinstance(rate_limit_args, Broadcast) and not rate_limit_args.wanted():
                raise Withdrawn(endpoint)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt == self.max_retries:
                    raise
                wait = _seconds(error.retry_after)
                log.info("%s: 429, retrying in %.1fs", endpoint, wait)
                self.slots.backoff(kind, wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _group(self, chat_id: object) -> AsyncLimiter | None:
        # Negative ids and @usernames are groups and channels; private chats are positive.
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(chat_id)  # type: ignore[call-overload]
        if not (isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)):
            return None
        if not self.group_per_minute:
            return None
        if chat_id not in self._groups and len(self._groups) >= MAX_GROUP_LIMITERS:
            idle = [k for k, v in self._groups.items() if v.has_capacity(v.max_rate)]
            for key in idle:
                del self._groups[key]
        limiter = self._groups.get(chat_id)
        if limiter is None:
            limiter = self._groups[chat_id] = AsyncLimiter(self.group_per_minute, 60)
        return limiter


def _seconds(retry_after: float | timedelta) -> float:
    # PTB gives an int of seconds, or a timedelta with PTB_TIMEDELTA set.
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else retry_after
