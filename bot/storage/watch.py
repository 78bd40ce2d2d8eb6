"""Notice the SQLite file vanishing or being replaced under the running bot, and recreate it.

SQLite keeps writing to a file that was deleted while it was open: without this check the
bot would go on answering, and everything it wrote afterwards (subscriptions, the record of
sent reminders) would be gone at the next start, silently. The check is a ``stat`` of the
file; ``bot.telegram.database`` runs it before every update and every half minute.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine

from bot import schema

log = logging.getLogger(__name__)

_Identity = tuple[int, int]


class DatabaseWatch:
    """Tell whether the engine's SQLite file is still the one the bot opened; recreate it if not."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.path = sqlite_file(engine)
        self.identity = self._identity()
        # Called once the loss is noticed, while pooled connections can still read the old file.
        self.on_lost: list[Callable[[], None]] = []
        # Called after a recreation, before anything else is written (e.g. to mark past
        # reminders as handled, so none goes out twice).
        self.on_recreated: list[Callable[[], None]] = []

    def _identity(self) -> _Identity | None:
        if self.path is None:
            return None
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        return stat.st_dev, stat.st_ino

    def lost(self) -> bool:
        """Tell whether the file is gone or another file now has its name."""
        return self.path is not None and self._identity() != self.identity

    def verify(self) -> bool:
        """Recreate the database if its file was lost; return whether it was."""
        if not self.lost():
            return False
        log.error(
            "the database file %s was deleted or replaced while the bot ran; whatever was "
            "written to it since is lost. Creating a new, empty one",
            self.path,
        )
        for listener in self.on_lost:
            listener()
        # Pooled connections still hold the old file open: close them all.
        self.engine.dispose()
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Through the migrations, so the new file carries its schema revision.
        schema.upgrade(self.engine)
        self.identity = self._identity()
        for listener in self.on_recreated:
            listener()
        log.error("created a new database at %s; earlier state is gone", self.path)
        return True


def sqlite_file(engine: Engine) -> Path | None:
    """Return the engine's SQLite file, or None for another database or an in-memory one."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(str(url.database)).expanduser().resolve()
