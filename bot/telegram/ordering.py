"""Handle updates from different chats side by side, and those of one chat in order."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def _admit_all(update: object) -> bool:
    return True


class PerChatOrder(BaseUpdateProcessor):
    """Run up to ``max_concurrent_updates`` updates at once, but one at a time per chat.

    Concurrency keeps one slow reply (a retried send, a /reload) from holding up every
    student; the per-chat lock keeps a student's answers in the order they asked.

    Fair under floods: ``admit`` is asked first, as the update arrives, and an update it
    refuses is dropped before it takes a slot or a lock; an update waiting for its chat's
    lock holds no slot, so a busy chat's queue never keeps other chats waiting.
    """

    def __init__(
        self, max_concurrent_updates: int, admit: Callable[[object], bool] = _admit_all
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.admit = admit
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:  # type: ignore[misc]
        """Screen the update, then await ``coroutine`` holding its chat's lock and a slot.

        PTB's own version takes the slot first and then calls ``do_process_update``; that
        order lets updates queued behind one chat's lock hold every slot, hence the override.
        """
        if not self.admit(update):
            if inspect.iscoroutine(coroutine):
                coroutine.close()  # never started: closing it spares a "never awaited" warning
            return
        key = _chat_key(update)
        if key is None:
            async with self._semaphore:
                await coroutine
            return
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock, self._semaphore:
                await coroutine
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]  # keep memory bounded by the chats in flight
            else:
                self._locks[key] = (lock, users - 1)

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


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    # Inline queries have no chat; order them per user.
    return update.effective_user.id if update.effective_user is not None else None
