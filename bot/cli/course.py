"""Commands that read the course file: ask, schedule, check and calendar."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    UsageError,
    course_for,
    date_range,
    moment_or_now,
    range_text,
    read_state,
    say_nothing,
    settings_for,
    where_to_look,
)
from bot.core.course.loader import CourseError, check_course, load_course
from bot.core.lang.calendar import jalali_iso

if TYPE_CHECKING:
    from bot.core.course.course import Event
    from bot.core.course.models import Section


def ask(args: argparse.Namespace) -> int:
    """Answer the question given, or each line of stdin (a conversation with --chat)."""
    from bot.core.answering import asking
    from bot.core.answering.engine import Engine

    if args.question and not " ".join(args.question).strip():
        raise UsageError("ask: the question is empty; give one, or none to read them from stdin")
    if args.chat and args.question:
        raise UsageError("ask --chat reads the conversation from stdin, one message per line")
    settings = settings_for(args)
    now = moment_or_now(settings, args.now)
    engine = Engine(course_for(args, settings))
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
        print_answer(out, args, question, answer, (conversation, turn))
    return EXIT_OK


def print_answer(
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


def schedule(args: argparse.Namespace) -> int:
    """List the course's events between --from and --to."""
    from bot.core.lang.calendar import format_datetime
    from bot.core.render.views import event_title

    settings = settings_for(args)
    start, end = date_range(args, settings)
    course = course_for(args, settings)
    events = [
        e
        for e in course.events
        if (start is None or e.at >= start) and (end is None or e.at <= end)
    ]
    if not events:
        say_nothing(args, f"nothing is scheduled {range_text(args)}")
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
                "section": section_of(event).title.get(args.lang),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            out.write(f"{format_datetime(event.at, args.lang)}  {event_title(event, args.lang)}\n")
    return EXIT_OK


def section_of(event: Event) -> Section:
    """Return the section an event belongs to."""
    if event.item is not None:
        return event.item.section
    assert event.session is not None
    return event.session.section


def check(args: argparse.Namespace) -> int:
    """Validate a course file: print its problems, exit 1 if any is an error."""
    settings = None if args.file else settings_for(args)
    path = Path(args.file) if settings is None else settings.course_path()
    problems = check_course(path)
    try:
        path.open("rb").close()
    except OSError:
        # No file to check (missing, a folder, unreadable) is bad input, not a file with errors.
        missing = CourseError([p for p in problems if p.level == "error"])
        if settings is None:
            raise missing from None
        raise where_to_look(missing, path, settings, "--config or FILE") from None
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


def calendar(args: argparse.Namespace) -> int:
    """Write the course's events as iCalendar, as the live feed serves them."""
    from bot import storage
    from bot.core.render.ical import course_calendar
    from bot.web.feed import alarm_offsets, versions_of

    settings = settings_for(args)
    # The same content the live feed serves: its published versions, read without writing.
    versions = versions_of(read_state(settings, storage.event_versions) or {})
    data = course_calendar(
        course_for(args, settings),
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
