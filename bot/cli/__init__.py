"""The ``course-bot`` command line: ask, schedule, check, run, serve, reminders, calendar, faq."""

from bot.cli.commands import main

__all__ = ["main"]
