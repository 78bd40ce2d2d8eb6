"""The bot's web side: the site on the bot's own services, and running both in one process."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

from telegram import Update

from bot.settings import Settings, WebSettings
from bot.telegram import stopping
from bot.telegram.context import CourseApplication, services_of
from bot.telegram.network import readable_update
from bot.web import Site, Webhook, create_app
from bot.web.server import STOP_SIGNALS, listen, make_server, serve_until

log = logging.getLogger(__name__)


def site_of(
    application: CourseApplication, webhook: Webhook | None = None, *, pages: bool = True
) -> Site:
    """Return the web site reading the application's services, so /reload shows at once."""
    services = services_of(application)

    def username() -> str | None:
        # Known after getMe (initialize); before that the page simply has no Telegram links.
        try:
            name: str = application.bot.username
            return name
        except RuntimeError:
            return None

    return Site(
        settings=services.settings,
        course=lambda: services_of(application).course,
        db=services.db,
        clock=services.clock,
        last_update=lambda: services_of(application).last_update_at,
        bot_username=username,
        webhook=webhook,
        reminders_leader=lambda: services.reminders.leading,
        pages=pages,
    )


def telegram_webhook(application: CourseApplication, url: str, secret: str) -> Webhook:
    """Return the webhook route that feeds Telegram's updates to the application's queue."""

    async def receive(data: dict[str, Any]) -> None:
        # An update the library cannot read is acknowledged and skipped, as when polling:
        # refusing it would make Telegram send it again and again.
        screened = readable_update(data)
        if screened is not None and set(screened) != {"update_id"}:
            await application.update_queue.put(Update.de_json(screened, application.bot))

    return Webhook(path=urlsplit(url).path or "/", secret=secret, receive=receive)


async def run_with_web(
    application: CourseApplication,
    settings: Settings,
    *,
    webhook: bool,
    secret: str,
    allowed_updates: list[str],
) -> None:
    """Run the bot and the web side together until SIGINT or SIGTERM.

    With ``webhook`` Telegram posts updates to the same server (no second port); otherwise the
    bot polls. Without a ``web`` section the server listens on the webhook's address and
    serves only the webhook and /healthz. The steps follow PTB's run_polling, which cannot
    share its loop with a server.
    """
    hook = None
    if webhook:
        assert settings.webhook_url is not None
        hook = telegram_webhook(application, settings.webhook_url, secret)
    if settings.web is not None:
        web, key, pages = settings.web, "web", True
    else:
        web = WebSettings(listen=settings.webhook_listen, port=settings.webhook_port)
        key, pages = "webhook_port", False
    sock = listen(web, key)
    server = make_server(create_app(site_of(application, hook, pages=pages)))
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    try:
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        if webhook:
            await application.bot.set_webhook(
                settings.webhook_url or "",
                secret_token=secret,
                allowed_updates=allowed_updates,
            )
        else:
            assert application.updater is not None
            await application.updater.start_polling(allowed_updates=allowed_updates)
        await serve_until(server, sock, stop, site_url=web.public_url or "")
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)
        stopping.begin(application)
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
        sock.close()


__all__ = ["run_with_web", "site_of", "telegram_webhook"]
