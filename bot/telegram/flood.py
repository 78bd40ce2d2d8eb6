"""Flood control: how many updates each user may send in any one-minute window."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=1)


class FloodGuard:
    """Allow each user at most ``limit`` updates in any one-minute window; ``exempt`` users
    (the staff) any number."""

    def __init__(
        self, limit: int, clock: Callable[[], datetime], exempt: Iterable[int] = ()
    ) -> None:
        self.limit = limit
        self.clock = clock
        self.exempt = frozenset(exempt)
        self._seen: dict[int, deque[datetime]] = {}
        self._warned: dict[int, datetime] = {}
        # Updates admitted only to carry the "slow down" warning, by update id.
        self._warnings: set[int] = set()

    def allow(self, user_id: int) -> bool:
        """Count one update from the user and tell whether it is within the limit."""
        if user_id in self.exempt:
            return True
        now = self.clock()
        seen = self._seen.setdefault(user_id, deque())
        while seen and seen[0] <= now - WINDOW:
            seen.popleft()
        if len(seen) >= self.limit:
            return False
        seen.append(now)
        self._forget_idle(now)
        return True

    def first_refusal(self, user_id: int) -> bool:
        """Tell whether to warn the user: once per window, so the warning is no flood itself."""
        now = self.clock()
        last = self._warned.get(user_id)
        if last is not None and now - last < WINDOW:
            return False
        self._warned[user_id] = now
        return True

    def warn_about(self, update_id: int) -> None:
        """Note that this update is to carry the warning instead of being answered."""
        self._warnings.add(update_id)

    def take_warning(self, update_id: int) -> bool:
        """Tell whether this update is to carry the warning (once)."""
        if update_id in self._warnings:
            self._warnings.discard(update_id)
            return True
        return False

    def _forget_idle(self, now: datetime) -> None:
        # Keep memory bounded by the users active in the last minute.
        if len(self._seen) > 10_000:
            idle = [uid for uid, seen in self._seen.items() if not seen or seen[-1] <= now - WINDOW]
            for uid in idle:
                self._seen.pop(uid, None)
                self._warned.pop(uid, None)
