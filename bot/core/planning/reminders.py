"""Reminder planning: a pure function of the course, the reminder settings and now."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from bot.core.course.course import Course, Event, Item
from bot.core.course.models import Text
from bot.core.lang.calendar import format_date, format_datetime, week_start
from bot.core.lang.i18n import t
from bot.core.planning.interests import Interest, interests_for
from bot.core.render.views import agenda, deadline_basis

ReminderKind = Literal["quiz", "deadline", "release", "workshop", "digest"]
REMINDER_KINDS: tuple[ReminderKind, ...] = ("quiz", "deadline", "release", "workshop", "digest")
Target = Literal["channel", "subscribers"]
Action = Literal["wait", "send", "late", "skip"]
# Why a reminder goes out late: the bot was not running, or the channel refused the post.
LateReason = Literal["offline", "channel"]

_OFFSET = re.compile(r"^\s*(\d+)\s*(w|d|h|m|min|s)?\s*$")
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "min": 60, "s": 1, None: 60}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A missed digest or release announcement is still worth sending on the day it was due, not
# days later; their "event" is the moment they are due, so the event cannot bound them.
DIGEST_LATE_WINDOW = timedelta(hours=12)
# Closer than this an event is happening "now"; further off, the countdown names a minute.
NOW_WITHIN = timedelta(seconds=15)


class PlanError(ValueError):
    """Reminder settings that cannot be planned with."""


def parse_offset(text: str) -> timedelta:
    """Read an offset before an event: ``1d``, ``2h``, ``30m``, ``1w`` or ``0``."""
    match = _OFFSET.match(str(text).lower())
    if not match:
        raise PlanError(f"{text!r} is not an offset like 1d, 2h or 30m")
    amount, unit = match.groups()
    return timedelta(seconds=int(amount) * _UNITS[unit])


def format_offset(offset: timedelta) -> str:
    """Write an offset the way the settings do: ``1d``, ``2h``, ``30m``, ``0m``."""
    seconds = int(offset.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds // 60}m" if seconds % 60 == 0 else f"{seconds}s"


def parse_digest(text: str | bool | None) -> tuple[int, time] | None:
    """Read "saturday 08:00" into (Python weekday, time); false or None turns digests off."""
    if text is None or text is False or str(text).strip().lower() in ("", "off", "false", "no"):
        return None
    if text is True:
        text = "saturday 08:00"
    parts = str(text).strip().lower().split()
    if len(parts) != 2:
        raise PlanError(f"digest {text!r}: write a weekday and a time, e.g. 'saturday 08:00'")
    day_name, clock = parts
    day = next((i for i, name in enumerate(_WEEKDAYS) if name.startswith(day_name[:3])), None)
    if day is None or len(day_name) < 3:
        raise PlanError(f"digest {text!r}: unknown weekday {day_name!r}")
    try:
        hours, minutes = (int(x) for x in clock.split(":"))
        return day, time(hours, minutes)
    except ValueError as exc:
        raise PlanError(f"digest {text!r}: {clock!r} is not a time like 08:00") from exc


@dataclass(frozen=True)
class PlanSettings:
    """The reminder settings the planner needs, already parsed."""

    offsets: Mapping[ReminderKind, tuple[timedelta, ...]]
    digest: tuple[int, time] | None
    targets: tuple[Target, ...]

    @classmethod
    def parse(
        cls,
        offsets: Mapping[str, Iterable[str]],
        digest: str | bool | None,
        *,
        channel: bool,
    ) -> PlanSettings:
        """Build from settings values, raising PlanError naming the bad entry."""
        parsed: dict[ReminderKind, tuple[timedelta, ...]] = {}
        for kind in ("quiz", "deadline", "release", "workshop"):
            try:
                values = sorted({parse_offset(v) for v in offsets.get(kind, ())}, reverse=True)
            except PlanError as exc:
                raise PlanError(f"{kind}: {exc}") from exc
            parsed[kind] = tuple(values)
        try:
            weekly = parse_digest(digest)
        except PlanError as exc:
            raise PlanError(str(exc)) from exc
        targets: tuple[Target, ...] = ("channel", "subscribers") if channel else ("subscribers",)
        return cls(parsed, weekly, targets)


@dataclass(frozen=True)
class Reminder:
    """One reminder for one target: what it is about, when it is due, and for whom."""

    key: str
    kind: ReminderKind
    title: Text
    event_key: str
    event_at: datetime
    due_at: datetime
    offset: str
    target: Target
    item: Item | None = None
    week: date | None = None

    @property
    def interests(self) -> frozenset[Interest]:
        """Return the subscriptions that want this reminder."""
        return interests_for(self.kind)

    @property
    def ident(self) -> str:
        """Return its id: the same for the same key and due time, in any process."""
        return f"{self.key}@{self.due_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"

    def recipient(self, channel: str | None) -> str:
        """Return whom its delivery record names: the channel, or the subscribers as a whole."""
        if self.target == "channel" and channel is not None:
            return channel
        return self.target

    @property
    def stale_at(self) -> datetime:
        """Return the moment after which sending this reminder would mislead."""
        if self.kind in ("digest", "release"):
            return self.due_at + DIGEST_LATE_WINDOW
        return self.event_at


def plan(course: Course, settings: PlanSettings, now: datetime | None = None) -> list[Reminder]:
    """Return every reminder of the term (or, given ``now``, those not yet stale), by due time."""
    reminders: list[Reminder] = []
    for event in course.events:
        kind = _reminder_kind(event)
        if kind is None or event.item is None:
            continue
        for offset in settings.offsets.get(kind, ()):
            for target in settings.targets:
                reminders.append(
                    Reminder(
                        key=f"{event.key}/{format_offset(offset)}/{target}",
                        kind=kind,
                        title=event.item.title,
                        event_key=event.key,
                        event_at=event.at,
                        due_at=event.at - offset,
                        offset=format_offset(offset),
                        target=target,
                        item=event.item,
                    )
                )
    if settings.digest is not None:
        reminders.extend(_digests(course, settings))
    if now is not None:
        reminders = [r for r in reminders if r.stale_at > now]
    reminders.sort(key=lambda r: (r.due_at, r.event_at, r.key))
    return reminders


def _reminder_kind(event: Event) -> ReminderKind | None:
    if event.kind == "class" or event.item is None:
        return None
    if event.kind == "release" and event.item.kind not in ("assignment", "project"):
        return None
    return event.kind


def _digests(course: Course, settings: PlanSettings) -> list[Reminder]:
    assert settings.digest is not None
    weekday, clock = settings.digest
    first = week_start(course.first_day())
    last = course.last_day()
    reminders: list[Reminder] = []
    start = first
    while start <= last:
        end = start + timedelta(days=7)
        week_from = datetime.combine(start, time(0), tzinfo=course.tz)
        week_to = datetime.combine(end, time(0), tzinfo=course.tz)
        if course.events_between(week_from, week_to):
            # The digest goes out on the configured weekday of the week it describes.
            due_day = start + timedelta(days=(weekday - start.weekday()) % 7)
            due = datetime.combine(due_day, clock, tzinfo=course.tz)
            title = Text(
                en=f"Weekly digest: {format_date(start, 'en')}",
                fa=f"خلاصه‌ی هفته: {format_date(start, 'fa')}",
            )
            for target in settings.targets:
                reminders.append(
                    Reminder(
                        key=f"digest:{start.isoformat()}/0m/{target}",
                        kind="digest",
                        title=title,
                        event_key=f"digest:{start.isoformat()}",
                        event_at=due,
                        due_at=due,
                        offset="0m",
                        target=target,
                        week=start,
                    )
                )
        start = end
    return reminders


def action(reminder: Reminder, now: datetime, grace: timedelta) -> Action:
    """Decide what to do with a reminder at ``now``: wait, send, send marked late, or skip."""
    if reminder.due_at > now:
        return "wait"
    if reminder.stale_at <= now:
        return "skip"
    return "send" if now - reminder.due_at <= grace else "late"


@dataclass(frozen=True)
class Triage:
    """A plan sorted at one moment: the reminders to schedule and the ones past for good."""

    scheduled: list[Reminder]
    skipped: list[Reminder]


def triage(reminders: Iterable[Reminder], now: datetime, grace: timedelta) -> Triage:
    """Sort a plan at ``now``: reminders not yet due are scheduled, stale ones skipped, and of
    the missed ones per event and target only the latest is scheduled (to go out at once)."""
    skipped: list[Reminder] = []
    scheduled: list[Reminder] = []
    missed: dict[tuple[str, str], list[Reminder]] = {}
    for reminder in reminders:
        decision = action(reminder, now, grace)
        if decision == "skip":
            skipped.append(reminder)
        elif decision == "wait":
            scheduled.append(reminder)
        else:
            missed.setdefault((reminder.event_key, reminder.target), []).append(reminder)
    for group in missed.values():
        # After downtime, one late reminder per event says it all: the latest offset.
        *superseded, latest = sorted(group, key=lambda r: r.due_at)
        skipped.extend(superseded)
        scheduled.append(latest)
    return Triage(scheduled, skipped)


def handled_after_loss(
    reminders: Iterable[Reminder], now: datetime, waiting: Collection[str]
) -> list[Reminder]:
    """Return the reminders due by ``now`` to count as handled once the delivery records are
    lost: all but those still ``waiting`` (by ident) for their job to run."""
    return [r for r in reminders if r.due_at <= now and r.ident not in waiting]


def reminder_text(
    reminder: Reminder,
    course: Course,
    lang: str,
    now: datetime,
    *,
    late: bool = False,
    late_because: LateReason = "offline",
) -> str:
    """Write the reminder: what, when (Jalali date, weekday, time), where or how to submit;
    a late one first says why it is late."""
    lines: list[str] = []
    if late:
        lines.append(
            t(lang, "reminder.late" if late_because == "offline" else "reminder.late_channel")
        )
    if reminder.kind == "digest":
        assert reminder.week is not None
        lines.append(_digest_text(course, reminder.week, lang))
        return "\n".join(lines)
    item = reminder.item
    assert item is not None
    when = format_datetime(reminder.event_at, lang)
    if reminder.kind == "deadline":
        when += deadline_basis(item, lang)
    values = {
        "title": item.title.get(lang),
        "when": when,
        "in": _relative(reminder.event_at, now, lang),
        "place": course.data.classes.place.get(lang),
        "topic": (item.topic or item.section.title).get(lang),
        "url": course.submit_url,
    }
    if reminder.kind == "release" and item.due_at is not None:
        values["due"] = format_datetime(item.due_at, lang) + deadline_basis(item, lang)
    lines.append(t(lang, f"reminder.{reminder.kind}", **values))
    return "\n".join(lines)


def _digest_text(course: Course, week: date, lang: str) -> str:
    start = datetime.combine(week, time(0), tzinfo=course.tz)
    end = start + timedelta(days=7)
    last = week + timedelta(days=6)
    head = t(lang, "reminder.digest", start=format_date(week, lang), end=format_date(last, lang))
    # Releases are announced on their own; the digest lists what students attend or submit.
    body = agenda(course, start, end, lang, ("class", "quiz", "deadline", "workshop"))
    return "\n".join([head, *body])


def _relative(event_at: datetime, now: datetime, lang: str) -> str:
    """Say how far off the event is, as a person would: "in 1 minute", "in 1 hour", "tomorrow".

    Under an hour the countdown is rounded up, so an event 22 s away is "in 1 minute"; only
    within ``NOW_WITHIN`` is it "now". From 20 hours on, calendar days count: "tomorrow" is
    the next date, not any moment 20 to 36 hours away.
    """
    seconds = (event_at - now).total_seconds()
    if seconds < NOW_WITHIN.total_seconds():
        return t(lang, "reminder.now")
    minutes = math.ceil(seconds / 60)
    days = (event_at.date() - now.astimezone(event_at.tzinfo).date()).days
    if minutes >= 20 * 60 and days >= 1:
        return t(lang, "reminder.in_one_day") if days == 1 else t(lang, "reminder.in_days", n=days)
    if minutes >= 90 or minutes % 60 == 0:
        hours = round(minutes / 60)
        return (
            t(lang, "reminder.in_one_hour") if hours == 1 else t(lang, "reminder.in_hours", n=hours)
        )
    if minutes == 1:
        return t(lang, "reminder.in_one_minute")
    return t(lang, "reminder.in_minutes", n=minutes)


def event_times(course: Course) -> dict[str, datetime]:
    """Return each dated event's key and moment, for noticing when one moves."""
    return {e.key: e.at for e in course.events if e.kind != "class"}


def moved_events(before: Mapping[str, datetime], course: Course) -> list[tuple[Event, datetime]]:
    """Return the events whose time differs from ``before``, with their old time."""
    moved = []
    for event in course.events:
        old = before.get(event.key)
        if event.kind != "class" and old is not None and old != event.at:
            moved.append((event, old))
    return moved
