"""Storage off the event loop: a slow write holds up nobody's reply, and no write is lost."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.storage.questions import QuestionLog
from bot.telegram.store import Store
from tests.conftest import STUDENT, Bot

pytestmark = pytest.mark.anyio

OTHER = 1002


class HeldWrites:
    """Hold every statement that writes ``marker`` until ``release`` is set."""

    def __init__(self, db: Engine, marker: str) -> None:
        self.db = db
        self.marker = marker
        self.holding = threading.Event()
        self.release = threading.Event()
        self.timed_out = False

    def __call__(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT") and self.marker in repr(parameters):
            self.holding.set()
            # Never for ever: a failing test ends, it does not hang.
            if not self.release.wait(3):
                self.timed_out = True


@pytest.fixture
def held(db: Engine) -> Iterator[HeldWrites]:
    hold = HeldWrites(db, "quiz 3")
    event.listen(db, "before_cursor_execute", hold)
    yield hold
    hold.release.set()
    event.remove(db, "before_cursor_execute", hold)


async def test_a_slow_write_does_not_hold_up_another_students_reply(
    bot: Bot, db: Engine, held: HeldWrites
) -> None:
    """While one student's question log write hangs, another student is answered at once."""
    bot.api.push_text(STUDENT, "when is quiz 3?")
    assert await asyncio.to_thread(held.holding.wait, 5.0), "the write was never made"
    # Were the write on the event loop, it would stop everything: no reply at all.
    bot.api.push_text(OTHER, "when is quiz 4?")
    replies = await bot.wait(lambda r: r.chat_id == OTHER, timeout=5.0)
    held.release.set()
    assert not held.timed_out, "the other student was answered only once the write ended"
    assert "4" in (replies[0].plain_text or "")
    await bot.handled()
    with Session(db) as session:
        logged = session.exec(select(QuestionLog.user_id).order_by(col(QuestionLog.id))).all()
    assert sorted(logged) == [STUDENT, OTHER]


async def test_writes_run_in_the_order_asked() -> None:
    """Writes asked one after the other, without waiting, are done in that order."""
    store = Store()
    done: list[int] = []
    await asyncio.gather(*(store.write(done.append, n) for n in range(50)))
    store.close()
    assert done == list(range(50))


async def test_a_write_is_done_even_if_its_caller_is_cancelled() -> None:
    """Cancelling the task that asked for a write does not drop the write."""
    store = Store()
    gate = threading.Event()
    done: list[str] = []
    store_busy = asyncio.create_task(store.write(gate.wait, 5.0))
    record = asyncio.create_task(store.write(done.append, "record"))
    await asyncio.sleep(0)
    record.cancel()
    gate.set()
    await store_busy
    store.close()  # lets the queued writes finish
    assert done == ["record"]


async def test_a_read_does_not_wait_behind_a_slow_write() -> None:
    """A read is answered while the writer thread is busy."""
    store = Store()
    gate = threading.Event()
    busy = asyncio.create_task(store.write(gate.wait, 5.0))
    assert await asyncio.wait_for(store.read(lambda: "read"), 2.0) == "read"
    gate.set()
    await busy
    store.close()
