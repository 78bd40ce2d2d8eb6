"""The send limiter: Telegram's overall limit, replies before broadcasts, 429s waited out."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator

import pytest
from telegram.ext import ExtBot

from bot.telegram.limiter import (
    BROADCAST,
    REPLY,
    Broadcast,
    SendLimiter,
    SlotScheduler,
    Withdrawn,
)
from tests.support.bot_api import BotApiDouble

pytestmark = pytest.mark.anyio

TOKEN = "123:ABC"


async def grant_times(slots: SlotScheduler, kinds: list[int]) -> list[tuple[int, int, float]]:
    """Ask for one slot per kind, all at once; return (index, kind, time) in grant order."""
    granted: list[tuple[int, int, float]] = []

    async def one(index: int, kind: int) -> None:
        slot = await slots.acquire(kind)
        # The grant's own time: a busy loop may resume the task later, which is not the
        # scheduler's doing.
        granted.append((index, kind, slot.at))

    async with asyncio.TaskGroup() as group:
        for index, kind in enumerate(kinds):
            group.create_task(one(index, kind))
            await asyncio.sleep(0)  # queue them in this order
    return granted


async def test_no_more_than_the_budget_in_any_window() -> None:
    """However many ask at once, no window holds more slots than the budget."""
    slots = SlotScheduler(per_window=3, window=0.2)
    times = [t for _, _, t in await grant_times(slots, [REPLY] * 10)]
    assert len(times) == 10
    spans = [later - earlier for earlier, later in zip(times, times[3:], strict=False)]
    assert min(spans) >= 0.2 - 1e-3


async def test_broadcast_slots_are_spaced_evenly() -> None:
    """A broadcast alone gets its slots one spacing apart, never in a burst."""
    slots = SlotScheduler(per_window=5, window=0.25)
    times = [t for _, _, t in await grant_times(slots, [BROADCAST] * 6)]
    # A late grant brings the next one forward, never by more than half a spacing.
    assert all(later - earlier >= 0.025 - 1e-3 for earlier, later in itertools.pairwise(times))
    assert times[-1] - times[0] >= 5 * 0.05 - 0.025 - 1e-3


async def test_waiting_replies_go_before_waiting_broadcasts() -> None:
    """When slots are scarce, a reply asked for after broadcasts still gets the next slot."""
    slots = SlotScheduler(per_window=2, window=0.3)
    kinds = [REPLY, REPLY, BROADCAST, BROADCAST, REPLY, REPLY]
    order = [index for index, _, _ in await grant_times(slots, kinds)]
    assert order[:2] == [0, 1]
    assert order[2:4] == [4, 5]
    assert sorted(order[4:]) == [2, 3]


async def test_broadcasts_leave_a_slot_spare_while_replies_are_about() -> None:
    """After a reply, broadcasts fill the window to one below the budget, not to it."""
    loop = asyncio.get_running_loop()
    slots = SlotScheduler(per_window=3, window=0.3)
    started = loop.time()
    granted = await grant_times(slots, [REPLY, BROADCAST, BROADCAST])
    assert [kind for _, kind, _ in granted] == [REPLY, BROADCAST, BROADCAST]
    # Without the spare slot the second broadcast would go one spacing (0.1 s) in.
    assert granted[2][2] - started >= 0.3 - 1e-3


async def test_a_429_pauses_broadcasts_but_not_replies() -> None:
    """After a 429, broadcasts wait retry_after while replies go on, at a lower budget."""
    loop = asyncio.get_running_loop()
    slots = SlotScheduler(per_window=10, window=0.2)
    started = loop.time()
    slots.backoff(0.5)
    assert slots.budget == 7
    granted = await grant_times(slots, [BROADCAST, REPLY])
    assert [kind for _, kind, _ in granted] == [REPLY, BROADCAST]
    broadcast_at = granted[1][2]
    assert broadcast_at - started >= 0.5 - 1e-3


async def test_budget_halves_once_for_requests_that_share_a_429() -> None:
    """Several 429s answered to requests in flight together lower the budget once."""
    slots = SlotScheduler(per_window=20, window=0.2)
    for _ in range(4):
        slots.backoff(1.0)
    assert slots.budget == 15


async def test_budget_grows_back_after_the_pause() -> None:
    """The lowered budget holds through the pause and is back to full a window after it."""
    now = [100.0]
    slots = SlotScheduler(per_window=20, window=1.0, clock=lambda: now[0])
    slots.backoff(2.0)
    assert slots.budget == 15
    now[0] += 1.5
    await slots.acquire(REPLY)
    assert slots.budget == 15
    now[0] += 2.5
    await slots.acquire(REPLY)
    assert slots.budget == 20


@pytest.fixture
def api() -> Iterator[BotApiDouble]:
    with BotApiDouble(TOKEN) as double:
        double.add_chat(1)
        double.add_chat(2)
        yield double


async def test_a_429_on_a_broadcast_does_not_hold_up_a_reply(api: BotApiDouble) -> None:
    """A broadcast message waits out its 429 and is resent; a reply meanwhile goes at once."""
    api.fail_next("sendMessage", 429, retry_after=2)
    limiter = SendLimiter()
    async with ExtBot(TOKEN, base_url=api.bot_base_url, rate_limiter=limiter) as bot:
        loop = asyncio.get_running_loop()
        started = loop.time()
        broadcast = asyncio.create_task(
            bot.send_message(1, "reminder", rate_limit_args=Broadcast())
        )
        await asyncio.to_thread(api.wait_for_request, "sendMessage")
        await bot.send_message(2, "answer")
        answered = loop.time() - started
        await broadcast
    assert answered < 2.0
    assert [r.text for r in api.sent] == ["answer", "reminder"]
    assert [r.status for r in api.requests if r.method == "sendMessage"] == [429, 200, 200]


async def test_an_unwanted_broadcast_message_is_withdrawn_unsent(api: BotApiDouble) -> None:
    """A broadcast message no longer wanted at its turn is not sent."""
    async with ExtBot(TOKEN, base_url=api.bot_base_url, rate_limiter=SendLimiter()) as bot:
        with pytest.raises(Withdrawn):
            await bot.send_message(1, "too late", rate_limit_args=Broadcast(lambda: False))
        await bot.send_message(1, "on time", rate_limit_args=Broadcast(lambda: True))
    assert [r.text for r in api.sent] == ["on time"]


async def test_a_private_chat_gets_a_few_at_once_then_one_a_second(api: BotApiDouble) -> None:
    """A burst to one student goes out three at once, then a second apart; others don't wait."""
    async with ExtBot(TOKEN, base_url=api.bot_base_url, rate_limiter=SendLimiter()) as bot:
        flood = asyncio.gather(*(bot.send_message(1, f"m{n}") for n in range(5)))
        await asyncio.to_thread(api.wait_for_count, 3, "sendMessage", 5.0, chat_id=1)
        await bot.send_message(2, "other")
        assert len(api.messages_to(1)) < 5  # the other student did not wait for the burst
        await flood
    times = [r.time for r in api.messages_to(1)]
    # Two seconds apart by the limiter; unpaced, all five would arrive within milliseconds.
    assert times[4] - times[0] >= 1.5
