"""The Telegram side of the course bot; the course core in ``bot.core`` knows nothing of it."""

import os

# Opt in to PTB 22's coming behaviour (RetryAfter.retry_after as a timedelta) so the bot and
# its tests run without the deprecation warning and keep working when it becomes the default.
os.environ.setdefault("PTB_TIMEDELTA", "1")
from bot.telegram.app import build_application

__all__ = ["build_application"]
