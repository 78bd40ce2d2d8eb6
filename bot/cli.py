"""The ``course-bot`` command line: ask, schedule, check, run, serve, reminders, calendar."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.calendar import CalendarError, jalali_iso, parse_when
from bot.core.loader import CourseError, check_course, load_course
from bot.settings import Settings, SettingsError, check_database_url, load_settings

if TYPE_CHECKING:
    from bot.core.course import Course, Event
    from bot.core.models import Section

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad input on the command line: one line for the user, exit code 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except (SettingsError, UsageError, CalendarError) as exc:
        print(f"course-bot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CourseError as exc:
        # Each problem already names the file, the line and the field.
        for problem in exc.problems:
            print(f"course-bot: course: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (``| head``) went away; that is not an error of ours.
        sys.stderr.close()
        return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course-bot",
        description="Course assistant for Machine Learning Systems Design: answers syllabus "
        "questions, lists the calendar, checks the course file and runs the Telegram bot.",
    )
    commands = parser.add_subparsers(metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace], int], text: str) -> Any:
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument(
            "--config",
            metavar="PATH",
            help="settings file (default: $COURSE_BOT_CONFIG or config/settings.yaml)",
        )
        sub.set_defaults(handler=handler)
        return sub

    ask = command("ask", _ask, "Answer a question (or one per line from stdin).")
    ask.add_argument("question", nargs="*", metavar="QUESTION")
    ask.add_argument("--json", action="store_true", help="print one JSON object per answer")
    ask.add_argument("--now", metavar="WHEN", help="answer as of WHEN (ISO; year < 1700 = Jalali)")
    ask.add_argument(
        "--lang", choices=("en", "fa"), help="reply language (default: the question's)"
    )
    ask.add_argument("--course", metavar="FILE", help="course file (default: the settings' course)")

    schedule = command("schedule", _schedule, "List the course calendar.")
    schedule.add_argument("--from", dest="start", metavar="WHEN", help="first moment to list")
    schedule.add_argument("--to", dest="end", metavar="WHEN", help="last moment to list")
    schedule.add_argument("--json", action="store_true", help="print one JSON object per event")
    schedule.add_argument("--lang", choices=("en", "fa"), default="en", help="language")
    schedule.add_argument("--course", metavar="FILE", help="course file")

    check = command("check", _check, "Validate a course file; exit 1 if it has errors.")
    check.add_argument("file", nargs="?", metavar="FILE", help="course file (default: settings')")

    run = command("run", _run, "Run the Telegram bot (needs TELEGRAM_BOT_TOKEN).")
    run.add_argument("--webhook", action="store_true", help="receive updates by webhook")

    serve = command(
        "serve", _serve, "Serve the calendar feed and the schedule page (no token needed)."
    )
    serve.add_argument("--course", metavar="FILE", help="course file (default: the settings')")

    command(
        "migrate",
        _migrate,
        "Create or upgrade the state database's schema (database_url) to this version.",
    )

    reminders = command(
        "reminders", _reminders, "List the reminder plan, with what the database says was sent."
    )
    reminders.add_argument("--from", dest="start", metavar="WHEN", help="first due time to list")
    reminders.add_argument("--to", dest="end", metavar="WHEN", help="last due time to list")
    reminders.add_argument("--json", action="store_true", help="print one JSON object per line")
    reminders.add_argument("--course", metavar="FILE", help="course file")

    calendar = command("calendar", _calendar, "Write the course's events as an iCalendar file.")
    calendar.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")
    calendar.add_argument("--lang", choices=("en", "fa"), default="en", help="language")
    calendar.add_argument("--course", metavar="FILE", help="course file")

    return parser


# Shared helpers -------------------------------------------------------------------------------


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config)


def _course(args: argparse.Namespace, settings: Settings) -> Course:
    explicit = getattr(args, "course", None)
    path = Path(explicit) if explicit else settings.course_path()
    return load_course(path)


def _moment(text: str | None, settings: Settings, *, end_of_day: bool = False) -> datetime | None:
    if text is None:
        return None
    return parse_when(text, settings.tz, end_of_day=end_of_day)


def _now(settings: Settings, given: str | None = None) -> datetime:
    return _moment(given, settings) or datetime.now(settings.tz)


# Commands -------------------------------------------------------------------------------------


def _ask(args: argparse.Namespace) -> int:
    from bot.core.engine import Engine

    settings = _settings(args)
    now = _now(settings, args.now)
    engine = Engine(_course(args, settings))
    if args.question:
        questions: Iterable[str] = [" ".join(args.question)]
    else:
        questions = (line.rstrip("\r\n") for line in sys.stdin)
    out = sys.stdout
    for question in questions:
        answer = engine.answer(question, now, args.lang)
        if args.json:
            record = {
                "question": question,
                "answered": answer.answered,
                "text": answer.text,
                "lang": answer.lang,
                "used": list(answer.used),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            out.write(answer.text + "\n")
            if not args.question:
                out.write("\n")
        out.flush()
    return EXIT_OK


def _schedule(args: argparse.Namespace) -> int:
    from bot.core.calendar import format_datetime
    from bot.core.views import event_title

    settings = _settings(args)
    course = _course(args, settings)
    start = _moment(args.start, settings)
    end = _moment(args.end, settings, end_of_day=True)
    events = [
        e
        for e in course.events
        if (start is None or e.at >= start) and (end is None or e.at <= end)
    ]
    out = sys.stdout
    for event in events:
        if args.json:
            record = {
                "key": event.key,
                "kind": event.kind,
                "title": event_title(event, args.lang),
                "item": event.item.id if event.item else None,
                "at": event.at.isoformat(),
                "jalali": jalali_iso(event.at.date()),
                "section": _section_of(event).title.get(args.lang),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            out.write(f"{format_datetime(event.at, args.lang)}  {event_title(event, args.lang)}\n")
    return EXIT_OK


def _section_of(event: Event) -> Section:
    if event.item is not None:
        return event.item.section
    assert event.session is not None
    return event.session.section


def _check(args: argparse.Namespace) -> int:
    path = Path(args.file) if args.file else _settings(args).course_path()
    problems = check_course(path)
    errors = [p for p in problems if p.level == "error"]
    warnings = [p for p in problems if p.level == "warning"]
    for problem in problems:
        print(problem, file=sys.stderr if problem.level == "error" else sys.stdout)
    if errors:
        print(f"{path}: {len(errors)} error(s), {len(warnings)} warning(s)", file=sys.stderr)
        return EXIT_PROBLEMS
    course = load_course(path)
    print(
        f"{path}: OK — {len(course.sessions)} sessions, {len(course.items)} items, "
        f"{len(course.events)} events, {len(course.data.faq)} FAQ entries"
        + (f", {len(warnings)} warning(s)" if warnings else "")
    )
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from bot.telegram.runner import run_bot

    return run_bot(_settings(args), webhook=args.webhook)


def _serve(args: argparse.Namespace) -> int:
    from bot.telegram.runner import configure_logging
    from bot.web.server import serve

    settings = _settings(args)
    if args.course:
        settings = settings.model_copy(update={"course": Path(args.course)})
    configure_logging(settings.log_level)
    return serve(settings)


def _migrate(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from bot import schema, storage

    settings = _settings(args)
    check_database_url(settings.database_url)
    where = storage.safe_url(settings.database_url)
    try:
        engine = storage.make_engine(settings.database_url, migrate=False)
    except (ArgumentError, SQLAlchemyError, OSError, ImportError) as exc:
        raise SettingsError(f"config: database_url: cannot open {where!r}: {exc}") from exc
    try:
        done = schema.upgrade(engine)
    except schema.SchemaError as exc:
        raise SettingsError(f"config: database_url: {exc}") from exc
    except (SQLAlchemyError, OSError) as exc:
        raise SettingsError(
            f"config: database_url: cannot migrate {where!r}: {storage.one_line(exc)}"
        ) from exc
    finally:
        engine.dispose()
    if done.adopted:
        print(f"{where}: adopted a database made before migrations, upgraded to {done.after}")
    elif done.before == done.after:
        print(f"{where}: up to date (revision {done.after})")
    elif done.before is None:
        print(f"{where}: created the schema at revision {done.after}")
    else:
        print(f"{where}: upgraded from {done.before} to {done.after}")
    return EXIT_OK


def _reminders(args: argparse.Namespace) -> int:
    from bot import storage
    from bot.core.reminders import plan

    settings = _settings(args)
    course = _course(args, settings)
    start = _moment(args.start, settings)
    end = _moment(args.end, settings, end_of_day=True)
    if not settings.reminders.enabled:
        print("course-bot: reminders are disabled (reminders.enabled: false)", file=sys.stderr)
        return EXIT_OK
    planned = [
        r
        for r in plan(
            course, settings.reminders.plan_settings(channel=settings.channel is not None)
        )
        if (start is None or r.due_at >= start) and (end is None or r.due_at <= end)
    ]
    # Read-only: a database that does not exist yet means nothing was sent.
    check_database_url(settings.database_url)
    engine = storage.open_existing(settings.database_url)
    statuses = storage.delivery_statuses(engine) if engine is not None else {}
    if engine is not None:
        engine.dispose()
    out = sys.stdout
    if not args.json and planned:
        out.write(
            f"{'due':<22}  {'status':<8}  {'target':<11}  {'kind':<8}  {'offset':<6}  title\n"
        )
    for reminder in planned:
        status = statuses.get((reminder.key, reminder.due_at), "planned")
        due = reminder.due_at.astimezone(course.tz)
        if args.json:
            record = {
                "key": reminder.key,
                "kind": reminder.kind,
                "title": reminder.title.get("en"),
                "event": reminder.event_key,
                "event_at": reminder.event_at.astimezone(course.tz).isoformat(),
                "due_at": due.isoformat(),
                "offset": reminder.offset,
                "target": reminder.target,
                "status": status,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            when = f"{due:%a} {jalali_iso(due.date())} {due:%H:%M}"
            out.write(
                f"{when:<22}  {status:<8}  {reminder.target:<11}  {reminder.kind:<8}  "
                f"{reminder.offset:<6}  {reminder.title.get('en')}\n"
            )
    return EXIT_OK


def _calendar(args: argparse.Namespace) -> int:
    from bot import storage
    from bot.core.ical import course_calendar
    from bot.web.feed import alarm_offsets, versions_of

    settings = _settings(args)
    # The same content the live feed serves: its published versions, read without writing.
    engine = storage.open_existing(settings.database_url)
    versions = versions_of(storage.event_versions(engine)) if engine is not None else {}
    if engine is not None:
        engine.dispose()
    data = course_calendar(
        _course(args, settings),
        args.lang,
        versions=versions,
        alarms=alarm_offsets(settings),
    )
    if args.output:
        try:
            Path(args.output).write_bytes(data)
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return EXIT_OK
