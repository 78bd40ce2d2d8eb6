"""Handle updates from different chats side by side, and those of one chat in order."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)


def _admit_all(update: object) -> bool:
    return True


def _keep_nothing(update: object) -> bool:
    return False


class PerChatOrder(BaseUpdateProcessor):
    """Run up to ``max_concurrent_updates`` updates at once, but one at a time per chat.

    Concurrency keeps one slow reply (a retried send, a /reload) from holding up every
    student; the per-chat lock keeps a student's answers in the order they asked.

    Fair under floods: ``admit`` is asked first, as the update arrives, and an update it
    refuses is dropped before it takes a slot or a lock; an update waiting for its chat's
    lock holds no slot, so a busy chat's queue never keeps other chats waiting.

    Quick to stop: after ``drain``, an update that has not started is not started — it is
    handed to ``keep`` (which saves it for the next start) — and one still running at the
    deadline is cut short, so a stop never waits for a long queue behind a slow Bot API.
    """

    def __init__(
        self,
        max_concurrent_updates: int,
        admit: Callable[[object], bool] = _admit_all,
        keep: Callable[[object], bool] = _keep_nothing,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.admit = admit
        self.keep = keep
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}
        self._draining = asyncio.Event()
        self._running: set[asyncio.Future[Any]] = set()
        self._cut: set[asyncio.Future[Any]] = set()
        self.kept = 0
        # Ids of updates kept at the last stop and queued again: False until handled once.
        self._repeats: dict[int, bool] = {}

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:  # type: ignore[misc]
        """Screen the update, then await ``coroutine`` holding its chat's lock and a slot.

        PTB's own version takes the slot first and then calls ``do_process_update``; that
        order lets updates queued behind one chat's lock hold every slot, hence the override.
        """
        if self._seen_before(update) or not self.admit(update):
            _close(coroutine)
            return
        key = _chat_key(update)
        if key is None:
            if await self._enter(None):
                try:
                    await self._run(update, coroutine)
                finally:
                    self._semaphore.release()
            else:
                self._set_aside(update, coroutine)
            return
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            if not await self._enter(lock):
                self._set_aside(update, coroutine)
                return
            try:
                await self._run(update, coroutine)
            finally:
                self._semaphore.release()
                lock.release()
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]  # keep memory bounded by the chats in flight
            else:
                self._locks[key] = (lock, users - 1)

    async def _enter(self, lock: asyncio.Lock | None) -> bool:
        """Take the chat's lock (if any) and a slot; False, holding neither, once draining."""
        for gate in (lock, self._semaphore):
            if gate is None:
                continue
            if not await self._acquire(gate):
                if gate is self._semaphore and lock is not None:
                    lock.release()
                return False
        return True

    async def _acquire(self, gate: asyncio.Lock | asyncio.Semaphore) -> bool:
        if self._draining.is_set():
            return False
        if not gate.locked():
            # Free now: taken at once (or behind waiters about to run), no need to watch.
            await gate.acquire()
            if not self._draining.is_set():
                return True
            gate.release()
            return False
        taking = asyncio.ensure_future(gate.acquire())
        draining = asyncio.ensure_future(self._draining.wait())
        await asyncio.wait({taking, draining}, return_when=asyncio.FIRST_COMPLETED)
        draining.cancel()
        if not taking.done():
            taking.cancel()
            await asyncio.gather(taking, return_exceptions=True)
        if taking.cancelled():
            return False
        if self._draining.is_set():
            gate.release()  # taken just as the stop began: leave the update for later
            return False
        return True

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._running.add(task)
        try:
            await task
        except asyncio.CancelledError:
            if task not in self._cut:
                raise
            log.warning("stopping: %s was cut short after the grace period", _name(update))
        finally:
            self._running.discard(task)
            self._cut.discard(task)

    def _set_aside(self, update: object, coroutine: Awaitable[Any]) -> None:
        _close(coroutine)
        if self.keep(update):
            self.kept += 1

    def expect_again(self, update_ids: Iterable[int]) -> None:
        """Note updates queued from the last stop: should Telegram send one of them again (the
        stop could not confirm it had them), the second copy is dropped."""
        self._repeats.update(dict.fromkeys(update_ids, False))

    def _seen_before(self, update: object) -> bool:
        if not self._repeats or not isinstance(update, Update):
            return False
        handled = self._repeats.get(update.update_id)
        if handled is None:
            return False
        if handled:
            del self._repeats[update.update_id]
            return True
        self._repeats[update.update_id] = True
        return False

    def drain(self, grace: float) -> None:
        """Start no more updates (hand them to ``keep``); cut short, after ``grace`` seconds,
        those still running."""
        if self._draining.is_set():
            return
        self._draining.set()
        asyncio.get_running_loop().call_later(grace, self._cut_short)

    def _cut_short(self) -> None:
        for task in list(self._running):
            self._cut.add(task)
            task.cancel()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Await ``coroutine``; ``process_update`` has already taken the lock and the slot."""
        await coroutine

    @property
    def chats_in_flight(self) -> int:
        """Return how many chats have updates being processed or waiting for their turn."""
        return len(self._locks)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _close(coroutine: Awaitable[Any]) -> None:
    if inspect.iscoroutine(coroutine):
        coroutine.close()  # never started: closing it spares a "never awaited" warning


def _name(update: object) -> str:
    if isinstance(update, Update):
        return f"update {update.update_id}"
    return "a background update"


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    # Inline queries have no chat; order them per user.
    return update.effective_user.id if update.effective_user is not None else None
