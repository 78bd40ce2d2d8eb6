"""Flood control: how fast each user may send, counted as an allowance that refills.

What counts is what a person *sends*: messages, commands and edits. Button taps and inline
queries (one per keystroke) are part of exploring the bot; they have an allowance of their
own, generous enough that no person reaches it, so only a script tapping or typing without
pause is held back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=1)
# Taps and inline keystrokes a user may make at once, per allowed message; refilled alike.
INTERACTIONS_PER_MESSAGE = 4
# Memory stays bounded by the users seen recently: past this many, the idle are forgotten.
_REMEMBERED = 10_000


@dataclass
class _Allowance:
    left: float
    at: datetime


class Allowance:
    """A token bucket per user: ``burst`` at once, refilled at ``burst`` per minute.

    A user who slows down is served again as soon as one unit has refilled (every
    ``60 / burst`` seconds), not after a whole minute of silence.
    """

    def __init__(self, burst: int, clock: Callable[[], datetime]) -> None:
        self.burst = burst
        self.clock = clock
        self._users: dict[int, _Allowance] = {}

    def take(self, user_id: int) -> bool:
        """Spend one unit of the user's allowance; False (nothing spent) when none is left."""
        now = self.clock()
        state = self._users.get(user_id)
        if state is None:
            if len(self._users) >= _REMEMBERED:
                self._forget_full(now)
            state = self._users[user_id] = _Allowance(float(self.burst), now)
        else:
            self._refill(state, now)
        if state.left < 1:
            return False
        state.left -= 1
        return True

    def _refill(self, state: _Allowance, now: datetime) -> None:
        elapsed = max((now - state.at).total_seconds(), 0.0)
        state.left = min(float(self.burst), state.left + elapsed * self.burst / 60)
        state.at = now

    def _forget_full(self, now: datetime) -> None:
        # A user whose allowance has refilled completely is no different from a new one.
        for user_id, state in list(self._users.items()):
            self._refill(state, now)
            if state.left >= self.burst:
                del self._users[user_id]


class FloodGuard:
    """Hold back a user who sends more than ``limit`` messages in a burst (refilled at
    ``limit`` a minute); ``exempt`` users (the staff) are never held back."""

    def __init__(
        self, limit: int, clock: Callable[[], datetime], exempt: Iterable[int] = ()
    ) -> None:
        self.limit = limit
        self.clock = clock
        self.exempt = frozenset(exempt)
        self._messages = Allowance(limit, clock)
        self._interactions = Allowance(limit * INTERACTIONS_PER_MESSAGE, clock)
        self._warned: dict[int, datetime] = {}
        # Updates admitted only to carry the "slow down" notice, by update id.
        self._warnings: set[int] = set()

    def allow(self, user_id: int) -> bool:
        """Count one message (or edit) from the user and tell whether it is within the limit."""
        return user_id in self.exempt or self._messages.take(user_id)

    def allow_interaction(self, user_id: int) -> bool:
        """Count a button tap or an inline query and tell whether it is within its own limit."""
        return user_id in self.exempt or self._interactions.take(user_id)

    def first_refusal(self, user_id: int) -> bool:
        """Tell whether to warn the user: once per window, so the warning is no flood itself."""
        now = self.clock()
        last = self._warned.get(user_id)
        if last is not None and now - last < WINDOW:
            return False
        if len(self._warned) >= _REMEMBERED:
            self._warned = {u: at for u, at in self._warned.items() if now - at < WINDOW}
        self._warned[user_id] = now
        return True

    def warn_about(self, update_id: int) -> None:
        """Note that this update is to carry the notice instead of being handled."""
        self._warnings.add(update_id)

    def take_warning(self, update_id: int) -> bool:
        """Tell whether this update is to carry the notice (once)."""
        if update_id in self._warnings:
            self._warnings.discard(update_id)
            return True
        return False
