"""The live calendar feed: rendered once per course, language and filter, numbered by change."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine as DbEngine

from bot import storage
from bot.core.course.course import Course, EventKind
from bot.core.render.ical import (
    Version,
    course_calendar,
    fingerprints,
    last_modified,
    versions_of,
)
from bot.settings import Settings


@dataclass(frozen=True)
class Rendered:
    """One feed as served: the body, its entity tag and when its content last changed."""

    body: bytes
    etag: str
    modified: datetime


# versions_of is the renderer's; the CLI finds it here beside alarm_offsets.
__all__ = ["Feed", "alarm_offsets", "versions_of"]


def alarm_offsets(settings: Settings) -> dict[str, tuple[timedelta, ...]]:
    """Return the reminder offsets per event kind, for the feed's alarms (none if disabled)."""
    return settings.reminders.alarm_offsets()


class Feed:
    """Serve the course's calendar; a new course (after /reload) is numbered and rendered anew."""

    def __init__(self, settings: Settings, db: DbEngine) -> None:
        self.settings = settings
        self.db = db
        self._course: Course | None = None
        self._versions: dict[str, Version] = {}
        self._rendered: dict[tuple[str, tuple[EventKind, ...] | None], Rendered] = {}
        self._lock = asyncio.Lock()

    async def get(
        self, course: Course, lang: str, kinds: tuple[EventKind, ...] | None, now: datetime
    ) -> Rendered:
        """Return the feed of ``course`` in ``lang``, only ``kinds`` if given."""
        async with self._lock:
            if course is not self._course:
                # Compare with what was published before, so moved events get a new SEQUENCE.
                rows = await asyncio.to_thread(
                    storage.sync_event_versions, self.db, fingerprints(course), now
                )
                self._versions = versions_of(rows)
                self._course = course
                self._rendered = {}
            key = (lang, kinds)
            found = self._rendered.get(key)
            if found is None:
                body = course_calendar(
                    course,
                    lang,
                    kinds=kinds,
                    versions=self._versions,
                    alarms=alarm_offsets(self.settings),
                )
                etag = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'
                shown = {
                    k: v for k, v in self._versions.items() if kinds is None or _kind(k) in kinds
                }
                found = Rendered(body, etag, last_modified(course, shown))
                self._rendered[key] = found
            return found


def _kind(key: str) -> str:
    return key.split(":", 1)[0]
