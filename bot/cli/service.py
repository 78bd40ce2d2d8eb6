"""Commands that run the bot or read its state: run, serve, migrate, reminders and faq export."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    course_for,
    date_range,
    range_text,
    read_state,
    say_nothing,
    settings_for,
)
from bot.core.lang.calendar import jalali_iso
from bot.settings import SettingsError, check_database_url


def run(args: argparse.Namespace) -> int:
    """Run the Telegram bot."""
    from bot.telegram.runner import run_bot

    return run_bot(settings_for(args), webhook=args.webhook)


def serve(args: argparse.Namespace) -> int:
    """Serve the calendar feed and the schedule page."""
    from bot.telegram.runner import configure_logging
    from bot.web.server import serve

    settings = settings_for(args)
    if args.course:
        settings = settings.model_copy(update={"course": Path(args.course)})
    configure_logging(settings.log_level)
    return serve(settings)


def migrate(args: argparse.Namespace) -> int:
    """Create or upgrade the state database's schema."""
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from bot import schema, storage

    settings = settings_for(args)
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


def reminders(args: argparse.Namespace) -> int:
    """List the reminder plan with what the database says was sent."""
    from bot import storage
    from bot.core.planning.reminders import plan

    settings = settings_for(args)
    start, end = date_range(args, settings)
    course = course_for(args, settings)
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
    statuses = read_state(settings, storage.delivery_statuses) or {}
    if not planned:
        say_nothing(args, f"no reminders are due {range_text(args)}")
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


def faq_help(args: argparse.Namespace) -> int:
    """Print the faq command's help: it needs an action."""
    args.faq_parser.print_help(sys.stderr)
    return EXIT_USAGE


def faq_export(args: argparse.Namespace) -> int:
    """Print the FAQ entries saved from the staff chat in the course file's format."""
    from bot.storage import faq

    settings = settings_for(args)
    # Read-only: a database that does not exist yet has no entries.
    rows = read_state(settings, faq.saved_faq) or []
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
