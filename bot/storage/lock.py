"""One `course-bot run` per SQLite state: a lock held for the process's life.

Two processes on one SQLite file would each run the reminders and post every one twice, and
SQLite gives them no way to notice each other. The first takes an exclusive ``flock`` on a
file beside the database (``<database>.lock``, holding its pid) and keeps it until it exits;
the kernel releases it even after ``kill -9``. A second is refused in one line. Several
processes on one state are what PostgreSQL and its leader election are for.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from sqlalchemy.engine import make_url


class StateInUse(Exception):
    """Another process holds the state: one line for the user."""


class StateLock:
    """The lock on one SQLite state, held while this object lives (or until ``release``)."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(database.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> StateLock:
        """Take the lock or raise StateInUse naming the process that holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise StateInUse(
                f"another `course-bot run` (pid {holder}) is using {self.database}; stop it "
                "first — several processes on one state need PostgreSQL (see Deployment)"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def renew(self) -> None:
        """Take the lock again on a fresh file, after the state's folder was deleted."""
        if self.path.exists():
            return
        self.release()
        self.acquire()

    def release(self) -> None:
        """Let go of the lock (the file stays: removing it could race a starting process)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def lock_state(database_url: str) -> StateLock | None:
    """Lock a SQLite state file for this process; None for other databases (and in-memory)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return StateLock(Path(str(url.database)).expanduser().resolve()).acquire()
