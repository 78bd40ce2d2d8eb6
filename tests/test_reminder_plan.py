"""Reminder planning over the whole MLSD schedule, as a pure function of course, settings, now."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.core.course.loader import load_course
from bot.core.lang.calendar import TEHRAN, parse_when
from bot.core.planning.interests import (
    FEED_FILTER,
    FEED_KINDS,
    INTERESTS,
    START_PAYLOAD,
    interest_of_payload,
    interests_for,
    narrowest_interest,
)
from bot.core.planning.reminders import (
    PlanError,
    PlanSettings,
    action,
    format_offset,
    handled_after_loss,
    moved_events,
    parse_offset,
    plan,
    reminder_text,
    triage,
)
from bot.settings import ReminderSettings

COURSE = Path(__file__).resolve().parents[1] / "data" / "mlsd-spring-2023.yaml"


@pytest.fixture(scope="module")
def course():
    return load_course(COURSE)


@pytest.fixture(scope="module")
def reminders(course):
    return {r.key: r for r in plan(course, ReminderSettings().plan_settings(channel=True))}


def test_quiz2_one_day_reminder_is_due_the_day_before_at_class_time(reminders):
    """Quiz 2's 1-day reminder is due 1401-12-07 16:30 (2023-02-26T16:30:00+03:30)."""
    reminder = reminders["quiz:quiz-2/1d/channel"]
    assert reminder.due_at.isoformat() == "2023-02-26T16:30:00+03:30"
    assert reminder.event_at.isoformat() == "2023-02-27T16:30:00+03:30"
    assert reminder.due_at == parse_when("1401-12-07T16:30")


def test_ca1_one_day_reminder_is_due_1401_12_28_2359(reminders):
    """CA1's 1-day reminder is due 1401-12-28 23:59, the day before its derived deadline."""
    assert reminders["deadline:ca-1/1d/channel"].due_at == parse_when("1401-12-28T23:59")


def test_default_offsets_for_every_kind(reminders, course):
    """Quizzes get 1d and 2h, deadlines 3d/1d/3h, releases one at the release, workshops 1d/1h."""

    def offsets(prefix):
        return sorted(
            r.offset for k, r in reminders.items() if k.startswith(prefix) and r.target == "channel"
        )

    assert offsets("quiz:quiz-5/") == ["1d", "2h"]
    assert offsets("deadline:project-2/") == ["1d", "3d", "3h"]
    assert offsets("release:ca-2/") == ["0m"]
    assert offsets("workshop:workshop-dvc/") == ["1d", "1h"]
    per_target = [r for r in reminders.values() if r.target == "channel" and r.kind != "digest"]
    # 7 quizzes × 2 + 6 deadlines × 3 + 6 releases + 2 workshops × 2
    assert len(per_target) == 14 + 18 + 6 + 4


def test_release_reminder_is_at_the_release_time(reminders, course):
    """A release reminder is due at the item's release (09:00 on its session's date)."""
    reminder = reminders["release:project-1/0m/channel"]
    assert reminder.due_at == reminder.event_at == course.item("project", 1).release_at
    assert reminder.due_at.isoformat() == "2023-03-13T09:00:00+03:30"


def test_weekly_digest_every_saturday_at_0800(reminders):
    """Digests go out on Saturdays at 08:00 Tehran time for weeks with events."""
    digests = [r for r in reminders.values() if r.kind == "digest" and r.target == "channel"]
    assert digests, "no digests planned"
    for digest in digests:
        assert digest.due_at.strftime("%a %H:%M") == "Sat 08:00"
        assert digest.due_at.utcoffset() == timedelta(hours=3, minutes=30)
    assert "digest:2023-02-25/0m/channel" in reminders


def test_keys_are_unique_and_plan_is_deterministic(course):
    """Two plans of the same inputs are identical, and every key is unique."""
    settings = ReminderSettings().plan_settings(channel=True)
    first, second = plan(course, settings), plan(course, settings)
    assert first == second
    assert len({r.key for r in first}) == len(first)


def test_no_channel_means_subscriber_reminders_only(course):
    """Without a channel configured, every reminder targets subscribers."""
    targets = {r.target for r in plan(course, ReminderSettings().plan_settings(channel=False))}
    assert targets == {"subscribers"}


def test_now_drops_reminders_whose_event_has_passed(course):
    """Given now, the plan keeps only reminders that are not stale."""
    now = parse_when("1402-03-09T00:00")
    remaining = plan(course, ReminderSettings().plan_settings(channel=True), now)
    assert remaining and all(r.stale_at > now for r in remaining)
    assert {r.item.id for r in remaining if r.item} <= {"ca-3", "project-3"}


def test_configured_offsets_replace_the_defaults(course):
    """The `reminders` setting maps kinds to offsets such as 30m."""
    settings = ReminderSettings(quiz=["30m"], deadline=[], release=[], workshop=[], digest=False)
    planned = plan(course, settings.plan_settings(channel=True))
    assert {r.kind for r in planned} == {"quiz"}
    assert planned[0].due_at == course.item("quiz", 1).starts_at - timedelta(minutes=30)


@pytest.mark.parametrize(
    ("text", "minutes"), [("1d", 1440), ("2h", 120), ("30m", 30), ("0", 0), ("1w", 10080)]
)
def test_offsets_parse(text, minutes):
    """Offsets read as days, hours, minutes and weeks."""
    assert parse_offset(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["soon", "-1d", "1y", ""])
def test_bad_offsets_are_rejected(text):
    """Unreadable offsets raise PlanError naming the value."""
    with pytest.raises(PlanError):
        parse_offset(text)


def test_offsets_format_canonically():
    """Offsets print the way they are configured."""
    assert [format_offset(timedelta(minutes=m)) for m in (1440, 120, 30, 0, 90)] == [
        "1d",
        "2h",
        "30m",
        "0m",
        "90m",
    ]


def test_action_waits_sends_marks_late_and_skips(reminders):
    """Before due: wait; just due: send; well after due but before the event: late; after: skip."""
    reminder = reminders["quiz:quiz-2/1d/channel"]
    grace = timedelta(minutes=10)
    assert action(reminder, reminder.due_at - timedelta(seconds=1), grace) == "wait"
    assert action(reminder, reminder.due_at + timedelta(minutes=5), grace) == "send"
    assert action(reminder, reminder.due_at + timedelta(hours=3), grace) == "late"
    assert action(reminder, reminder.event_at, grace) == "skip"


def _project_2(reminders):
    return sorted(
        (r for r in reminders.values() if r.key.startswith("deadline:project-2/")),
        key=lambda r: (r.target, r.due_at),
    )


def test_triage_before_anything_is_due_schedules_the_whole_plan(reminders):
    """Before any reminder of an event is due, all of them are scheduled and none skipped."""
    group = _project_2(reminders)
    decided = triage(group, group[0].due_at - timedelta(hours=1), timedelta(minutes=10))
    assert sorted(r.key for r in decided.scheduled) == sorted(r.key for r in group)
    assert decided.skipped == []


def test_triage_keeps_only_the_latest_missed_reminder_per_event_and_target(reminders):
    """After downtime the latest missed reminder per target goes out; earlier ones are skipped."""
    group = _project_2(reminders)
    by_key = {r.key: r for r in group}
    now = by_key["deadline:project-2/1d/channel"].due_at + timedelta(hours=2)
    decided = triage(group, now, timedelta(minutes=10))
    assert {r.key for r in decided.scheduled} == {
        f"deadline:project-2/{offset}/{target}"
        for offset in ("1d", "3h")
        for target in ("channel", "subscribers")
    }
    assert {r.key for r in decided.skipped} == {
        "deadline:project-2/3d/channel",
        "deadline:project-2/3d/subscribers",
    }


def test_triage_skips_everything_once_the_event_began(reminders):
    """At the event itself every reminder of it is stale: all skipped, nothing scheduled."""
    group = _project_2(reminders)
    decided = triage(group, group[0].event_at, timedelta(minutes=10))
    assert decided.scheduled == []
    assert sorted(r.key for r in decided.skipped) == sorted(r.key for r in group)


def test_text_says_what_when_and_where_with_jalali_dates(reminders, course):
    """A quiz reminder names the quiz, its Jalali date, weekday, time and room in both languages."""
    reminder = reminders["quiz:quiz-2/1d/channel"]
    english = reminder_text(reminder, course, "en", reminder.due_at)
    persian = reminder_text(reminder, course, "fa", reminder.due_at)
    assert "Quiz 2" in english and "Mon 8 Esfand 1401" in english and "16:30" in english
    assert "A22" in english and "tomorrow" in english
    assert "دوشنبه ۸ اسفند ۱۴۰۱" in persian and "فردا" in persian


def test_late_text_is_marked_and_relative_to_the_real_send_time(reminders, course):
    """A late reminder says so and counts from when it is sent, never 'tomorrow' on the day."""
    reminder = reminders["quiz:quiz-2/1d/channel"]
    sent_at = reminder.event_at - timedelta(hours=3)
    text = reminder_text(reminder, course, "en", sent_at, late=True)
    assert text.startswith("⚠️ Late reminder") and "in 3 hours" in text and "tomorrow" not in text


def test_deadline_text_says_how_to_submit(reminders, course):
    """A deadline reminder gives the due time and where to submit."""
    reminder = reminders["deadline:ca-1/3d/channel"]
    text = reminder_text(reminder, course, "en", reminder.due_at)
    assert "CA1" in text and "29 Esfand 1401" in text and "23:59" in text
    assert "quera.org/course/13002" in text and "in 3 days" in text


def test_moved_events_are_found_with_their_old_time(course):
    """Comparing saved event times with the course finds the events that moved."""
    saved = {e.key: e.at for e in course.events if e.kind != "class"}
    old = datetime(2023, 3, 18, 23, 59, tzinfo=TEHRAN)
    saved["deadline:ca-1"] = old
    moved = moved_events(saved, course)
    assert [(event.key, before) for event, before in moved] == [("deadline:ca-1", old)]


def test_bad_digest_setting_is_rejected():
    """A digest that is not 'weekday HH:MM' is an error naming the setting."""
    with pytest.raises(PlanError, match="digest"):
        PlanSettings.parse({}, "sometimes", channel=False)


def test_each_interest_has_a_link_a_feed_filter_and_its_reminders():
    """Every /subscribe choice has a one-tap link that leads back to it and a feed filter."""
    for interest in INTERESTS:
        assert interest_of_payload(START_PAYLOAD[interest]) == interest
        assert FEED_FILTER[interest] in FEED_KINDS
    assert interest_of_payload("sub-nothing") is None
    assert narrowest_interest("quiz") == "quizzes"
    assert narrowest_interest("release") == "deadlines"
    assert narrowest_interest("digest") == "all"
    assert interests_for("deadline") == {"all", "deadlines"}


def test_after_a_lost_database_only_reminders_waiting_for_their_job_stay_unhandled(reminders):
    """Once the records are lost, every reminder already due counts as handled, unless its
    job is still to run."""
    quiz = reminders["quiz:quiz-2/1d/channel"]
    later = reminders["quiz:quiz-2/2h/channel"]
    now = quiz.due_at
    handled = handled_after_loss([quiz, later], now, waiting=set())
    assert handled == [quiz]
    assert handled_after_loss([quiz, later], now, waiting={quiz.ident}) == []
