"""Run the bot as a process: logging that never shows the token, polling or webhook, signals
(SIGINT and SIGTERM stop it, SIGHUP re-reads the course file)."""

from __future__ import annotations

import logging
import os
import secrets
import signal
import sys
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from bot.settings import Settings, SettingsError, api_url, bot_token
from bot.telegram.app import ALLOWED_UPDATES, build_application

log = logging.getLogger(__name__)

REDACTED = "[REDACTED]"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


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


def configure_logging(level: str, *secret_values: str) -> None:
    """Log to stderr at ``level``, with every secret redacted and httpx kept quiet."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # On the handler, not a logger: logger filters miss records propagated from child loggers.
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
    # Building first raises a bad course or database URL before logging is touched.
    application = build_application(
        settings, token=token, api_url=api_url(environ), reload_on_sighup=True
    )
    configure_logging(settings.log_level, token, secret)
    log.info("starting with %s", "a webhook" if webhook else "long polling")
    try:
        if webhook:
            assert settings.webhook_url is not None
            application.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
                webhook_url=settings.webhook_url,
                secret_token=secret,
                allowed_updates=ALLOWED_UPDATES,
                stop_signals=STOP_SIGNALS,
            )
        else:
            application.run_polling(allowed_updates=ALLOWED_UPDATES, stop_signals=STOP_SIGNALS)
    except Exception:
        # Logged through the redacting handler rather than Python's unfiltered traceback.
        log.exception("the bot stopped on an error")
        return 1
    log.info("stopped")
    return 0
