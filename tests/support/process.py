"""Start the real `course-bot run` process against the Bot API double."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from tests.support.bot_api import BotApiDouble

ROOT = Path(__file__).resolve().parents[2]


def run_cli(
    *args: str, stdin: str | None = None, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` with no COURSE_BOT_ or TELEGRAM_ variables but those in env."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("COURSE_BOT_", "TELEGRAM_"))
    }
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=60,
    )


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
    return _start("run", config, env, *args, cwd=cwd, output=output, errors=errors)


def start_serve(
    config: Path, env: dict[str, str] | None = None, *, cwd: Path | None = None
) -> subprocess.Popen[str]:
    """Start `python -m bot serve --config CONFIG`: the web side alone (``env`` None: ours)."""
    return _start("serve", config, env, cwd=cwd)


def _start(
    command: str,
    config: Path,
    env: dict[str, str] | None,
    *args: str,
    cwd: Path | None = None,
    output: IO[str] | int = subprocess.PIPE,
    errors: IO[str] | int = subprocess.PIPE,
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", command, *args, "--config", str(config)],
        cwd=cwd or config.parent,
        env=env,
        stdout=output,
        stderr=errors,
        text=True,
    )


@contextmanager
def killed_on_failure(process: subprocess.Popen[str]) -> Iterator[subprocess.Popen[str]]:
    """Yield the process; if the test fails while it still runs, kill it so nothing lingers."""
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def stop_bot(process: subprocess.Popen[str], timeout: float = 15) -> tuple[str, str]:
    """Send SIGTERM and return what the process wrote to stdout and stderr."""
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=timeout)
    return stdout or "", stderr or ""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_output(path: Path, text: str, count: int = 1, timeout: float = 20) -> str:
    """Wait until the file a process writes to holds ``text`` ``count`` times; return it all."""
    deadline = time.monotonic() + timeout
    while True:
        found = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        if found.count(text) >= count:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"{text!r} not seen {count} time(s) in {timeout}s:\n{found}")
        time.sleep(0.05)
