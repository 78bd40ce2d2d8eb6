"""PerChatOrder: chats side by side, one chat in order, floods turned away at the door."""

from __future__ import annotations

import asyncio
import gc
import warnings

import pytest
from telegram import Update

from bot.telegram.ordering import PerChatOrder

pytestmark = pytest.mark.anyio


def update(update_id: int, chat_id: int) -> Update:
    """Return a private text message update from the user whose chat it is."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Student"}
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": chat_id, "type": "private", "first_name": "Student"},
                "from": user,
                "text": "hi",
            },
        },
        None,
    )


class Recorder:
    """Handlers that note when they start and finish, some held until released."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []
        self.gates: dict[int, asyncio.Event] = {}
        self.running = 0
        self.most_running = 0

    async def handle(self, update_id: int) -> None:
        """Run one update's handler."""
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        self.events.append(("start", update_id))
        gate = self.gates.get(update_id)
        if gate is not None:
            await gate.wait()
        await asyncio.sleep(0)
        self.events.append(("end", update_id))
        self.running -= 1

    def hold(self, update_id: int) -> asyncio.Event:
        """Make that update's handler wait until the returned event is set."""
        self.gates[update_id] = asyncio.Event()
        return self.gates[update_id]


async def feed(
    order: PerChatOrder, recorder: Recorder, updates: list[Update]
) -> list[asyncio.Task]:
    """Start processing the updates in order, as PTB's update fetcher does."""
    tasks = []
    for item in updates:
        tasks.append(
            asyncio.create_task(order.process_update(item, recorder.handle(item.update_id)))
        )
        await asyncio.sleep(0)
    return tasks


async def test_one_chat_is_served_in_order_one_update_at_a_time() -> None:
    """A chat's updates run one after another, in the order they came."""
    order, recorder = PerChatOrder(8), Recorder()
    tasks = await feed(order, recorder, [update(n, chat_id=1) for n in range(1, 6)])
    await asyncio.gather(*tasks)
    assert recorder.events == [(kind, n) for n in range(1, 6) for kind in ("start", "end")]
    assert recorder.most_running == 1
    assert order.chats_in_flight == 0


async def test_chats_are_served_side_by_side() -> None:
    """A chat whose update is slow does not hold up another chat."""
    order, recorder = PerChatOrder(8), Recorder()
    slow = recorder.hold(1)
    tasks = await feed(order, recorder, [update(1, chat_id=1), update(2, chat_id=2)])
    await asyncio.wait_for(tasks[1], timeout=5)
    assert ("end", 2) in recorder.events and ("end", 1) not in recorder.events
    slow.set()
    await tasks[0]


async def test_a_chat_waiting_for_its_own_turn_holds_no_slot() -> None:
    """With two slots, a busy chat's queued updates leave the second slot to other chats."""
    order, recorder = PerChatOrder(2), Recorder()
    slow = recorder.hold(1)
    busy = [update(n, chat_id=1) for n in range(1, 6)]
    tasks = await feed(order, recorder, [*busy, update(10, chat_id=2), update(11, chat_id=3)])
    # Were the queued updates holding the second slot, this would never finish.
    await asyncio.wait_for(asyncio.gather(tasks[5], tasks[6]), timeout=5)
    assert ("end", 10) in recorder.events and ("end", 11) in recorder.events
    assert [n for kind, n in recorder.events if kind == "start" and n < 10] == [1]
    slow.set()
    await asyncio.gather(*tasks)
    assert recorder.most_running <= 2


async def test_refused_updates_never_run_nor_wait() -> None:
    """An update ``admit`` refuses is dropped at once, even while its chat is busy."""
    order, recorder = PerChatOrder(1, admit=lambda item: item.update_id % 2 == 1), Recorder()
    slow = recorder.hold(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a coroutine left unawaited would warn
        tasks = await feed(order, recorder, [update(n, chat_id=1) for n in range(1, 7)])
        refused = [tasks[1], tasks[3], tasks[5]]
        # Done while update 1 still holds the only slot and its chat's lock.
        await asyncio.wait_for(asyncio.gather(*refused), timeout=5)
        assert ("end", 1) not in recorder.events
        slow.set()
        await asyncio.gather(*tasks)
        gc.collect()
    assert [n for kind, n in recorder.events if kind == "end"] == [1, 3, 5]


async def test_a_stop_keeps_what_has_not_started_and_cuts_short_what_runs_too_long() -> None:
    """After drain, queued updates are handed to ``keep`` at once (never started); the one
    running is cut short once the grace is over, and nothing waits longer than that."""
    kept: list[int] = []
    order = PerChatOrder(8, keep=lambda item: kept.append(item.update_id) is None)
    recorder = Recorder()
    recorder.hold(1)  # never released: a reply the Bot API never answers
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        updates = [update(n, chat_id=1) for n in range(1, 5)] + [update(9, chat_id=2)]
        recorder.hold(9)
        tasks = await feed(order, recorder, updates)
        await asyncio.sleep(0.05)  # 1 and 9 are running, the rest of chat 1 waits its turn
        order.drain(0.2)
        late = await feed(order, recorder, [update(10, chat_id=3)])
        await asyncio.wait_for(asyncio.gather(*tasks, *late), timeout=2)
        gc.collect()
    assert sorted(kept) == [2, 3, 4, 10]
    assert [n for kind, n in recorder.events if kind == "start"] == [1, 9]
    assert not [n for kind, n in recorder.events if kind == "end"]  # both cut short
    assert order.kept == 4 and order.chats_in_flight == 0


async def test_an_update_kept_at_the_last_stop_is_handled_once() -> None:
    """An update queued again from the last stop runs once, even if Telegram sends it again."""
    order, recorder = PerChatOrder(8), Recorder()
    order.expect_again([5])
    tasks = await feed(order, recorder, [update(5, chat_id=1), update(5, chat_id=1)])
    tasks += await feed(order, recorder, [update(6, chat_id=1), update(6, chat_id=1)])
    await asyncio.gather(*tasks)
    assert [n for kind, n in recorder.events if kind == "end"] == [5, 6, 6]
