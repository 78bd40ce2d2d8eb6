"""Run the bot as a process: logging that never shows the token or students' messages, waiting
for the Bot API at start, polling or webhook, signals (SIGINT and SIGTERM stop it, SIGHUP
re-reads the course file)."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import secrets
import signal
import sys
from collections.abc import Awaitable, Iterable, Mapping
from datetime import timedelta

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, RetryAfter
from telegram.request import HTTPXRequest

from bot import storage
from bot.settings import Settings, SettingsError, api_url, bot_token, check_database_url
from bot.storage.lock import StateInUse, StateLock, lock_state
from bot.telegram import stopping
from bot.telegram.app import ALLOWED_UPDATES, build_application
from bot.telegram.context import CourseApplication, services_of

log = logging.getLogger(__name__)

REDACTED = "[REDACTED]"
WITHHELD = "[withheld: it may hold students' messages]"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# Waiting for the Bot API at start: 1 s, then doubling, never more than a minute apart.
CONNECT_FIRST_DELAY = 1.0
CONNECT_MAX_DELAY = 60.0


class RedactingFilter(logging.Filter):
    """Replace secrets in a record's message, arguments and traceback before it is written."""

    def __init__(self, secrets_: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret containing another is replaced whole.
        self.secrets = sorted((s for s in secrets_ if s), key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; always keep it."""
        message = self._clean(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        return True

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


class WithheldDataFilter(logging.Filter):
    """Cut the raw update data PTB appends to its parse-error messages.

    Those messages ("... Received data was ...") carry whole updates, students' texts
    included, at CRITICAL; only DEBUG may show students' messages.
    """

    MARKER = "Received data was"

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the data part of such a record's message; always keep the record."""
        if record.levelno > logging.DEBUG and record.name.startswith("telegram"):
            message = record.getMessage()
            head, marker, _ = message.partition(self.MARKER)
            if marker:
                record.msg, record.args = f"{head}{marker} {WITHHELD}", None
        return True


class NetworkNoiseFilter(logging.Filter):
    """Write a network failure the library logs with its traceback as one line.

    A slow or unreachable Bot API is an expected condition (PTB logs, for one, its last
    getUpdates at a stop timing out with a whole traceback): the error's name and message
    say all there is to say, and a traceback per failure would only fill the disk.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Fold a NetworkError's traceback into the message; always keep the record."""
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, NetworkError):
            message = f"{record.getMessage()} ({type(error).__name__}: {error.message})"
            record.msg, record.args, record.exc_info, record.exc_text = message, None, None, None
        return True


def configure_logging(level: str, *secret_values: str) -> None:
    """Log to stderr at ``level``, with every secret redacted and httpx kept quiet."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # On the handler, not a logger: logger filters miss records propagated from child loggers.
    handler.addFilter(WithheldDataFilter())
    handler.addFilter(NetworkNoiseFilter())
    handler.addFilter(RedactingFilter(secret_values))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # httpx and httpcore log every request URL, and the URL contains the token.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # APScheduler logs two lines per job added and three per run: one per reminder of the term.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Alembic logs each step of a migration; bot.schema says in one line what changed.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # Without this a warning raised by a library would reach stderr unfiltered.
    logging.captureWarnings(True)


def run_bot(settings: Settings, *, webhook: bool, environ: Mapping[str, str] | None = None) -> int:
    """Run until SIGINT/SIGTERM and return the exit code.

    Raises SettingsError or CourseError for a missing token, a bad course file or database URL,
    before any network call.
    """
    environ = os.environ if environ is None else environ
    token = bot_token(environ).get_secret_value()
    secret = environ.get("TELEGRAM_WEBHOOK_SECRET") or secrets.token_urlsafe(32)
    if webhook and not settings.webhook_url:
        raise SettingsError("config: webhook_url: required with --webhook")
    # One process per SQLite state, taken before the database is even opened (lock.py).
    state_lock = _lock_state(settings.database_url)
    # Building first raises a bad course or database URL before logging is touched.
    application = build_application(
        settings, token=token, api_url=api_url(environ), reload_on_sighup=True
    )
    if state_lock is not None:
        # A state folder deleted under the bot takes the lock file with it: take a new one.
        services_of(application).watch.on_recreated.append(state_lock.renew)
    # What start-up built (the course, its index, the libraries) lives as long as the
    # process; keeping it out of garbage collection spares each full pass (~0.1 s).
    gc.freeze()
    configure_logging(settings.log_level, token, secret)
    if not connect(token, api_url(environ)):
        log.info("stopped before the Bot API could be reached")
        asyncio.get_event_loop().close()
        services_of(application).db.dispose()
        return 0
    log.info("starting with %s", "a webhook" if webhook else "long polling")
    try:
        _serve(application, settings, webhook=webhook, secret=secret)
    except SettingsError:
        raise  # e.g. the web port is taken: one line from the command line, not a traceback
    except Exception:
        # Logged through the redacting handler rather than Python's unfiltered traceback.
        log.exception("the bot stopped on an error")
        return 1
    log.info("stopped")
    return 0


def _serve(
    application: CourseApplication, settings: Settings, *, webhook: bool, secret: str
) -> None:
    """Run the application until a stop signal: polling, or one web server for the webhook
    and the site."""
    if settings.web is not None or webhook:
        # One server for Telegram's updates (with --webhook) and, with a web section, the
        # feed and the page.
        from bot.telegram.web import run_with_web

        # On the loop connect() made current, like PTB's own run_polling.
        asyncio.get_event_loop().run_until_complete(
            run_with_web(
                application,
                settings,
                webhook=webhook,
                secret=secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        )
    else:
        loop = asyncio.get_event_loop()
        # Our own handlers rather than PTB's: the stop must begin (stopping.begin) the
        # moment the signal arrives, before PTB's slower steps.
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, _stop_polling, application)
        try:
            application.run_polling(allowed_updates=ALLOWED_UPDATES, stop_signals=None)
        finally:
            for sig in STOP_SIGNALS:
                loop.remove_signal_handler(sig)


def _lock_state(database_url: str) -> StateLock | None:
    check_database_url(database_url)
    try:
        return lock_state(database_url)
    except StateInUse as error:
        raise SettingsError(f"config: database_url: {error}") from None
    except OSError as error:
        where = storage.safe_url(database_url)
        raise SettingsError(
            f"config: database_url: cannot lock {where!r}: {error.strerror or error}"
        ) from None


def _stop_polling(application: CourseApplication) -> None:
    stopping.begin(application)
    application.stop_running()


def connect(token: str, api: str) -> bool:
    """Wait until the Bot API answers ``getMe``; False if SIGINT/SIGTERM came first.

    Retries with capped exponential backoff and one log line per attempt: a bot started
    before the network is up, or during a Telegram outage, just waits. A rejected token
    raises SettingsError. The event loop stays current, for the application to run in.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    stop = asyncio.Event()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    try:
        return loop.run_until_complete(_connect(token, api, stop))
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)


async def _connect(token: str, api: str, stop: asyncio.Event) -> bool:
    # A plain Bot, not the application's: its request retries on its own and would log more.
    requests = (HTTPXRequest(), HTTPXRequest())
    bot = Bot(
        token,
        base_url=f"{api}/bot",
        base_file_url=f"{api}/file/bot",
        request=requests[0],
        get_updates_request=requests[1],
    )
    delay = CONNECT_FIRST_DELAY
    attempt = 0
    try:
        while not stop.is_set():
            attempt += 1
            wait = delay
            try:
                await _unless(stop, bot.get_me())
            except InvalidToken as error:
                raise SettingsError(
                    "TELEGRAM_BOT_TOKEN: Telegram rejected the token (401 Unauthorized); "
                    "check it with @BotFather"
                ) from error
            except RetryAfter as error:
                after = error.retry_after
                wait = after.total_seconds() if isinstance(after, timedelta) else float(after)
                log.warning("the Bot API asks to wait %gs (attempt %d)", wait, attempt)
            except NetworkError as error:
                log.warning(
                    "cannot reach the Bot API at %s: %s (attempt %d); trying again in %gs",
                    api,
                    error.message,
                    attempt,
                    wait,
                )
                delay = min(delay * 2, CONNECT_MAX_DELAY)
            else:
                if attempt > 1:
                    log.info("reached the Bot API after %d attempts", attempt)
                return not stop.is_set()
            await _unless(stop, asyncio.sleep(wait))
        return False
    finally:
        for request in requests:
            await request.shutdown()


async def _unless(stop: asyncio.Event, work: Awaitable[object]) -> None:
    """Await ``work`` unless ``stop`` is set first (then cancel it)."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if not task.done():
        task.cancel()
        return
    task.result()
