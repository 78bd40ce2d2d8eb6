"""The web side: the live calendar feed, the schedule page, /healthz and Telegram's webhook."""

from bot.web.app import Site, Webhook, create_app

__all__ = ["Site", "Webhook", "create_app"]
