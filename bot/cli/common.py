"""What the commands share: exit codes, settings, the course, moments, the state database."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bot.core.course.loader import CourseError, load_course
from bot.core.lang.calendar import CalendarError, parse_when
from bot.settings import Settings, SettingsError, check_database_url, load_settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine as DbEngine

    from bot.core.course.course import Course

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


_T = TypeVar("_T")


class UsageError(Exception):
    """Bad input on the command line: one line for the user, exit code 2."""


def settings_for(args: argparse.Namespace) -> Settings:
    """Load the settings the command's --config names."""
    return load_settings(args.config)


def course_for(args: argparse.Namespace, settings: Settings) -> Course:
    """Load the course file --course names, else the settings' one."""
    explicit = getattr(args, "course", None)
    path = Path(explicit) if explicit else settings.course_path()
    try:
        return load_course(path)
    except CourseError as exc:
        raise where_to_look(exc, path, settings, "--config or --course") from exc


def where_to_look(exc: CourseError, path: Path, settings: Settings, flags: str) -> CourseError:
    """Add, to a relative course path that is not there, where it was looked up."""
    if path.is_absolute() or path.exists() or len(exc.problems) != 1:
        return exc
    places = f"the working directory ({Path.cwd()})"
    if settings.source is not None:
        places += f" and beside {settings.source}"
    hint = f"; a relative path is looked up in {places}: {flags} points elsewhere"
    problem = exc.problems[0]
    return CourseError([replace(problem, message=problem.message + hint)])


def read_state(settings: Settings, read: Callable[[DbEngine], _T]) -> _T | None:
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


def date_range(
    args: argparse.Namespace, settings: Settings
) -> tuple[datetime | None, datetime | None]:
    """Return --from and --to as moments (--to to the end of its day), refusing a reversed pair."""
    start = parse_moment(args.start, settings, flag="--from")
    end = parse_moment(args.end, settings, end_of_day=True, flag="--to")
    if start is not None and end is not None and end < start:
        raise UsageError(f"--to {args.end} is before --from {args.start}")
    return start, end


def range_text(args: argparse.Namespace) -> str:
    """Say the --from/--to range in words, for an empty listing."""
    if args.start and args.end:
        same = args.start == args.end
        return f"on {args.start}" if same else f"between {args.start} and {args.end}"
    if args.start:
        return f"from {args.start} on"
    return f"until {args.end}" if args.end else "in the whole term"


def say_nothing(args: argparse.Namespace, line: str) -> None:
    """Say that a listing is empty: on stdout as text, on stderr beside empty JSON output."""
    print(line, file=sys.stderr if args.json else sys.stdout)


def parse_moment(
    text: str | None, settings: Settings, *, end_of_day: bool = False, flag: str = "--now"
) -> datetime | None:
    """Read a moment given on the command line, naming its flag when it is wrong."""
    if text is None:
        return None
    try:
        return parse_when(text, settings.tz, end_of_day=end_of_day)
    except CalendarError as exc:
        raise UsageError(f"{flag}: {exc}") from exc


def moment_or_now(settings: Settings, given: str | None = None) -> datetime:
    """Return the moment given, else now in the course's timezone."""
    return parse_moment(given, settings) or datetime.now(settings.tz)
