"""Parse the command line, run the command, and turn its errors into one line and an exit code."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from bot.cli import course, service
from bot.cli.common import EXIT_OK, EXIT_USAGE, UsageError
from bot.core.course.loader import CourseError
from bot.core.lang.calendar import CalendarError
from bot.settings import SettingsError

PACKAGE = "mlsd-course-bot"


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

    ask = command("ask", course.ask, "Answer a question (or one per line from stdin).")
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

    schedule = command("schedule", course.schedule, "List the course calendar.")
    schedule.add_argument("--from", dest="start", metavar="WHEN", help="first moment to list")
    schedule.add_argument("--to", dest="end", metavar="WHEN", help="last moment to list")
    schedule.add_argument("--json", action="store_true", help="print one JSON object per event")
    schedule.add_argument("--lang", choices=("en", "fa"), default="en", help="language")
    schedule.add_argument("--course", metavar="FILE", help="course file")

    check = command("check", course.check, "Validate a course file; exit 1 if it has errors.")
    check.add_argument("file", nargs="?", metavar="FILE", help="course file (default: settings')")

    run = command("run", service.run, "Run the Telegram bot (needs TELEGRAM_BOT_TOKEN).")
    run.add_argument("--webhook", action="store_true", help="receive updates by webhook")

    serve = command(
        "serve", service.serve, "Serve the calendar feed and the schedule page (no token needed)."
    )
    serve.add_argument("--course", metavar="FILE", help="course file (default: the settings')")

    command(
        "migrate",
        service.migrate,
        "Create or upgrade the state database's schema (database_url) to this version.",
    )

    reminders = command(
        "reminders",
        service.reminders,
        "List the reminder plan, with what the database says was sent.",
    )
    reminders.add_argument("--from", dest="start", metavar="WHEN", help="first due time to list")
    reminders.add_argument("--to", dest="end", metavar="WHEN", help="last due time to list")
    reminders.add_argument("--json", action="store_true", help="print one JSON object per line")
    reminders.add_argument("--course", metavar="FILE", help="course file")

    calendar = command(
        "calendar", course.calendar, "Write the course's events as an iCalendar file."
    )
    calendar.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")
    calendar.add_argument("--lang", choices=("en", "fa"), default="en", help="language")
    calendar.add_argument("--course", metavar="FILE", help="course file")

    faq = command("faq", service.faq_help, "The FAQ entries saved from the staff chat.")
    actions = faq.add_subparsers(metavar="ACTION")
    export_text = "Print the saved FAQ entries in the course file's faq: format."
    export = actions.add_parser("export", help=export_text, description=export_text)
    # SUPPRESS: an absent --config here must not hide one given before "export".
    export.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="settings file")
    export.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")
    export.set_defaults(handler=service.faq_export)
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


# Commands -------------------------------------------------------------------------------------
