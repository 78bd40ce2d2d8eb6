"""Start the real `course-bot run` process against the Bot API double."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import IO

from tests.support.bot_api import BotApiDouble


def bot_environment(api: BotApiDouble, token: str, **extra: str) -> dict[str, str]:
    """Return this process's environment without bot settings, pointed at the double."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COURSE_BOT_", "TELEGRAM_"))}
    env.update(TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_URL=api.base_url, PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def start_bot(
    config: Path,
    env: dict[str, str],
    *args: str,
    cwd: Path | None = None,
    output: IO[str] | int = subprocess.PIPE,
    errors: IO[str] | int = subprocess.PIPE,
) -> subprocess.Popen[str]:
    """Start `python -m bot run --config CONFIG [ARGS]`."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run", *args, "--config", str(config)],
        cwd=cwd or config.parent,
        env=env,
        stdout=output,
        stderr=errors,
        text=True,
    )
