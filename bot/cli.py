"""The ``course-bot`` command line: ask, schedule, check, run, serve, reminders, calendar, faq."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bot.core.course.loader import CourseError, check_course, load_course
from bot.core.lang.calendar import CalendarError, jalali_iso, parse_when
from bot.settings import Settings, SettingsError, check_database_url, load_settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine as DbEngine

    from bot.core.course.course import Course, Event
    from bot.core.course.models import Section

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
PACKAGE = "mlsd-course-bot"
_T = TypeVar("_T")


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
        # One line: a wrapped library error may add more (SQLAlchemy's background link).
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"course-bot: {first}", file=sys.stderr)
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
    parser.add_argument("--version", action=_Version, help="print the version and exit")
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
    ask.add_argument(
        "--explain", action="store_true", help="print the query each answer was built from"
    )
    ask.add_argument(
        "--chat",
        action="store_true",
        help="read stdin as one conversation (a line per message, a minute apart); "
        "a blank line starts a new one",
    )

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

    faq = command("faq", _faq_help, "The FAQ entries saved from the staff chat.")
    actions = faq.add_subparsers(metavar="ACTION")
    export_text = "Print the saved FAQ entries in the course file's faq: format."
    export = actions.add_parser("export", help=export_text, description=export_text)
    # SUPPRESS: an absent --config here must not hide one given before "export".
    export.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="settings file")
    export.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")
    export.set_defaults(handler=_faq_export)
    faq.set_defaults(faq_parser=faq)

    return parser


# Shared helpers -------------------------------------------------------------------------------


class _Version(argparse.Action):
    """Print ``course-bot <version>`` and exit."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        # Looked up only when asked: reading the package metadata slows every start-up.
        try:
            found = version(PACKAGE)
        except PackageNotFoundError:
            # Run from a checkout that was never installed: there is no metadata to read.
            found = "unknown (not installed)"
        print(f"course-bot {found}")
        parser.exit()


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config)


def _course(args: argparse.Namespace, settings: Settings) -> Course:
    explicit = getattr(args, "course", None)
    path = Path(explicit) if explicit else settings.course_path()
    try:
        return load_course(path)
    except CourseError as exc:
        raise _where_to_look(exc, path, settings, "--config or --course") from exc


def _where_to_look(exc: CourseError, path: Path, settings: Settings, flags: str) -> CourseError:
    """Add, to a relative course path that is not there, where it was looked up."""
    if path.is_absolute() or path.exists() or len(exc.problems) != 1:
        return exc
    places = f"the working directory ({Path.cwd()})"
    if settings.source is not None:
        places += f" and beside {settings.source}"
    hint = f"; a relative path is looked up in {places}: {flags} points elsewhere"
    problem = exc.problems[0]
    return CourseError([replace(problem, message=problem.message + hint)])


def _read_state(settings: Settings, read: Callable[[DbEngine], _T]) -> _T | None:
    """Read from the state database without creating it: None when there is none yet."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot import storage

    check_database_url(settings.database_url)
    where = storage.safe_url(settings.database_url)
    try:
        engine = storage.open_existing(settings.database_url)
        if engine is None:
            return None
        try:
            # Connect first: a server that is down or a file that is not a database must not
            # read as "nothing recorded yet".
            with engine.connect():
                pass
            return read(engine)
        finally:
            engine.dispose()
    except (SQLAlchemyError, OSError) as exc:
        raise SettingsError(
            f"config: database_url: cannot read {where!r}: {storage.one_line(exc)}"
        ) from exc


def _range(args: argparse.Namespace, settings: Settings) -> tuple[datetime | None, datetime | None]:
    """Return --from and --to as moments (--to to the end of its day), refusing a reversed pair."""
    start = _moment(args.start, settings, flag="--from")
    end = _moment(args.end, settings, end_of_day=True, flag="--to")
    if start is not None and end is not None and end < start:
        raise UsageError(f"--to {args.end} is before --from {args.start}")
    return start, end


def _range_text(args: argparse.Namespace) -> str:
    if args.start and args.end:
        same = args.start == args.end
        return f"on {args.start}" if same else f"between {args.start} and {args.end}"
    if args.start:
        return f"from {args.start} on"
    return f"until {args.end}" if args.end else "in the whole term"


def _nothing(args: argparse.Namespace, line: str) -> None:
    """Say that a listing is empty: on stdout as text, on stderr beside empty JSON output."""
    print(line, file=sys.stderr if args.json else sys.stdout)


def _moment(
    text: str | None, settings: Settings, *, end_of_day: bool = False, flag: str = "--now"
) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_when(text, settings.tz, end_of_day=end_of_day)
    except CalendarError as exc:
        raise UsageError(f"{flag}: {exc}") from exc


def _now(settings: Settings, given: str | None = None) -> datetime:
    return _moment(given, settings) or datetime.now(settings.tz)


# Commands -------------------------------------------------------------------------------------


def _ask(args: argparse.Namespace) -> int:
    from bot.core.answering import asking
    from bot.core.answering.engine import Engine

    if args.question and not " ".join(args.question).strip():
        raise UsageError("ask: the question is empty; give one, or none to read them from stdin")
    if args.chat and args.question:
        raise UsageError("ask --chat reads the conversation from stdin, one message per line")
    settings = _settings(args)
    now = _now(settings, args.now)
    engine = Engine(_course(args, settings))
    if args.question:
        questions: Iterable[str] = [" ".join(args.question)]
    else:
        questions = (line.rstrip("\r\n") for line in sys.stdin)
    out = sys.stdout
    context = None
    conversation, turn = 1, 0
    for question in questions:
        if args.chat and not question.strip():
            # A blank line: the next message starts a new conversation, at the same clock.
            if turn:
                conversation, turn, context = conversation + 1, 0, None
            continue
        asked_at = now + timedelta(minutes=turn) if args.chat else now
        answer = asking.answer(engine, question, asked_at, args.lang, context=context)
        if args.chat:
            context, turn = answer.context, turn + 1
        _print_answer(out, args, question, answer, (conversation, turn))
    return EXIT_OK


def _print_answer(
    out: Any, args: argparse.Namespace, question: str, answer: Any, place: tuple[int, int]
) -> None:
    """Write one answer as text or a JSON line, with its queries when asked to explain."""
    queries = [query.to_dict() for query in answer.queries]
    if args.json:
        record: dict[str, Any] = {
            "question": question,
            "answered": answer.answered,
            "text": answer.text,
            "lang": answer.lang,
            "used": list(answer.used),
        }
        if args.chat:
            record["conversation"], record["turn"] = place
        if args.explain:
            record["queries"] = queries
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        if args.chat:
            out.write(f"> {question}\n")
        out.write(answer.text + "\n")
        if args.explain:
            for query in queries:
                out.write("query: " + json.dumps(query, ensure_ascii=False) + "\n")
        if not args.question:
            out.write("\n")
    out.flush()


def _schedule(args: argparse.Namespace) -> int:
    from bot.core.lang.calendar import format_datetime
    from bot.core.render.views import event_title

    settings = _settings(args)
    start, end = _range(args, settings)
    course = _course(args, settings)
    events = [
        e
        for e in course.events
        if (start is None or e.at >= start) and (end is None or e.at <= end)
    ]
    if not events:
        _nothing(args, f"nothing is scheduled {_range_text(args)}")
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
    settings = None if args.file else _settings(args)
    path = Path(args.file) if settings is None else settings.course_path()
    problems = check_course(path)
    try:
        path.open("rb").close()
    except OSError:
        # No file to check (missing, a folder, unreadable) is bad input, not a file with errors.
        missing = CourseError([p for p in problems if p.level == "error"])
        if settings is None:
            raise missing from None
        raise _where_to_look(missing, path, settings, "--config or FILE") from None
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
    from bot.core.planning.reminders import plan

    settings = _settings(args)
    start, end = _range(args, settings)
    course = _course(args, settings)
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
    statuses = _read_state(settings, storage.delivery_statuses) or {}
    if not planned:
        _nothing(args, f"no reminders are due {_range_text(args)}")
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
    from bot.core.render.ical import course_calendar
    from bot.web.feed import alarm_offsets, versions_of

    settings = _settings(args)
    # The same content the live feed serves: its published versions, read without writing.
    versions = versions_of(_read_state(settings, storage.event_versions) or {})
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


def _faq_help(args: argparse.Namespace) -> int:
    args.faq_parser.print_help(sys.stderr)
    return EXIT_USAGE


def _faq_export(args: argparse.Namespace) -> int:
    from bot.storage import faq

    settings = _settings(args)
    # Read-only: a database that does not exist yet has no entries.
    rows = _read_state(settings, faq.saved_faq) or []
    if not rows:
        print("course-bot: no FAQ entries saved from the staff chat yet", file=sys.stderr)
    text = faq.export_yaml(rows) if rows else "faq: []\n"
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
    else:
        sys.stdout.write(text)
    return EXIT_OK
