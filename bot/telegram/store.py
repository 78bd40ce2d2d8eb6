"""Storage calls off the event loop: writes in order on one thread, reads on a few beside it.

The storage functions (``bot.storage``) are synchronous: called on the event loop, every
SQLite or PostgreSQL statement (and SQLite's fsync at a checkpoint) would hold up every chat
at once. ``Store`` runs them on threads instead, and the loop goes on answering meanwhile.

Writes go to one thread, one after the other: SQLite allows one writer at a time anyway
(threads writing side by side would only queue on its lock, in no set order), and a single
queue keeps them in the order they were asked for. A write is shielded from cancellation:
once asked for (a delivery record, say), it is done even if its caller is cancelled at a
stop. ``write_later`` queues a write nobody waits for (the question log after a reply), so a
slow database holds up no handler. Reads run on a small pool of their own, so a reply never
waits behind someone else's slow write. ``close`` lets the queued writes finish: nothing
asked for is lost at a stop.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

READERS = 4

log = logging.getLogger(__name__)


class Store:
    """Run storage calls on threads: ``write`` in order on one, ``read`` on a few."""

    def __init__(self, readers: int = READERS) -> None:
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="db-write")
        self._readers = ThreadPoolExecutor(readers, thread_name_prefix="db-read")

    async def write(self, call: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``call`` on the writer thread after the writes asked for before it."""
        loop = asyncio.get_running_loop()
        done = loop.run_in_executor(self._writer, functools.partial(call, *args, **kwargs))
        # Cancelling the caller must not drop a write still in the queue.
        return await asyncio.shield(done)

    def write_later(self, call: Callable[P, object], /, *args: P.args, **kwargs: P.kwargs) -> None:
        """Queue ``call`` on the writer thread without waiting for it; log a failure."""
        self._writer.submit(functools.partial(call, *args, **kwargs)).add_done_callback(_failed)

    async def written(self) -> None:
        """Wait until every write asked for so far is done."""
        await self.write(_nothing)

    async def read(self, call: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``call`` on a reader thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, functools.partial(call, *args, **kwargs))

    async def read_settled(self, call: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``call`` on a reader thread once the writes asked for so far are done, so it
        sees them (counts staff read, say, include the question just logged)."""
        await self.written()
        return await self.read(call, *args, **kwargs)

    def close(self) -> None:
        """Finish the queued writes, then stop the threads."""
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)


def _nothing() -> None:
    return None


def _failed(future: Future[object]) -> None:
    error = future.exception()
    if error is not None:
        log.error("a write to the database failed", exc_info=error)
