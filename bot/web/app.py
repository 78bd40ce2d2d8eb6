"""The web application: one factory, given the same course, database and clock as the bot."""

from __future__ import annotations

import asyncio
import bisect
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine as DbEngine
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.core.course.course import Course
from bot.core.planning.interests import FEED_FILTER, INTERESTS, feed_links, subscribe_link
from bot.core.planning.reminders import plan
from bot.core.render.ical import parse_kinds
from bot.settings import Settings
from bot.web.feed import Feed
from bot.web.page import Links, page_hashes, render_page

log = logging.getLogger(__name__)

LANGS = ("en", "fa")
# Telegram's updates are a few kilobytes; a file's metadata at most tens.
MAX_UPDATE_BYTES = 1_000_000
# A body still arriving after this is not Telegram's.
BODY_SECONDS = 10.0
PAGE_POLICY = (
    "default-src 'none'; "
    f"style-src '{page_hashes()[0]}'; script-src '{page_hashes()[1]}'; "
    "base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self' https://web.telegram.org https://*.telegram.org"
)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class Webhook:
    """Where Telegram posts updates, the secret it must send, and what takes the update."""

    path: str
    secret: str
    receive: Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class Site:
    """What the web side reads: the same course, database and clock the bot uses."""

    settings: Settings
    course: Callable[[], Course]
    db: DbEngine
    clock: Callable[[], datetime]
    last_update: Callable[[], datetime | None] = lambda: None
    bot_username: Callable[[], str | None] = lambda: None
    webhook: Webhook | None = None
    # Whether this replica runs the reminders (see bot/telegram/leader.py); None without a bot.
    reminders_leader: Callable[[], bool | None] = lambda: None
    # False: only /healthz and the webhook (a bot run with --webhook and no web section).
    pages: bool = True
    # The plan's due times, worked out once per course.
    _due: tuple[Course | None, list[datetime]] = field(
        default_factory=lambda: (None, []), repr=False
    )

    def public_url(self) -> str:
        """Return the site's configured base URL, or "" for links relative to the page.

        Never the request's Host header: whoever sends the request chooses it, and a shared
        cache would hand the page with their links to everyone.
        """
        web = self.settings.web
        return web.public_url if web is not None and web.public_url else ""

    def next_reminder(self, now: datetime) -> datetime | None:
        """Return when the next reminder falls due, or None."""
        course = self.course()
        if self._due[0] is not course:
            settings = self.settings
            if settings.reminders.enabled:
                channel = settings.channel is not None
                plan_settings = settings.reminders.plan_settings(channel=channel)
                dues = sorted(r.due_at for r in plan(course, plan_settings))
            else:
                dues = []
            self._due = (course, dues)
        dues = self._due[1]
        index = bisect.bisect_right(dues, now)
        return dues[index] if index < len(dues) else None


def deep_links(username: str | None) -> dict[str, str]:
    """Return the t.me links that subscribe a student in one tap, by filter."""
    if not username:
        return {}
    return {FEED_FILTER[name]: subscribe_link(username, name) for name in INTERESTS}


def _healthz_endpoint(site: Site) -> Callable[[Request], Awaitable[Response]]:
    """Answer /healthz: 200 when the course is loaded and the database answers, else 503."""

    async def healthz(request: Request) -> Response:
        now = site.clock()
        try:
            course = site.course()
            loaded = bool(course.events)
        except Exception:  # a health check reports, it never fails
            loaded = False
        reachable = await asyncio.to_thread(_database_reachable, site.db)
        last = site.last_update()
        due = site.next_reminder(now) if loaded else None
        status = {
            "status": "ok" if loaded and reachable else "unavailable",
            "course_loaded": loaded,
            "database_reachable": reachable,
            "last_update_at": last.isoformat() if last else None,
            "next_reminder_at": due.astimezone(site.settings.tz).isoformat() if due else None,
            "reminders_leader": site.reminders_leader(),
        }
        return JSONResponse(status, status_code=200 if status["status"] == "ok" else 503)

    return healthz


def _calendar_endpoint(site: Site, feed: Feed) -> Callable[[Request], Awaitable[Response]]:
    """Serve a language's iCalendar feed, with ETag and Last-Modified for cheap polling."""

    async def calendar(request: Request) -> Response:
        lang = request.path_params["lang"]
        if lang not in LANGS:
            return PlainTextResponse("unknown language; use en.ics or fa.ics\n", status_code=404)
        try:
            # A repeated parameter (?kinds=quiz&kinds=class) adds to the filter.
            given = request.query_params.getlist("kinds")
            kinds = parse_kinds(",".join(given)) if given else None
        except ValueError as error:
            return PlainTextResponse(f"kinds: {error}\n", status_code=400)
        rendered = await feed.get(site.course(), lang, kinds, site.clock())
        headers = {
            "ETag": rendered.etag,
            "Last-Modified": format_datetime(rendered.modified.astimezone(UTC), usegmt=True),
            # Calendar apps poll; let them revalidate cheaply every time.
            "Cache-Control": "no-cache",
        }
        if _not_modified(request, rendered.etag, rendered.modified):
            return Response(status_code=304, headers=headers)
        filename = f"{site.course().data.course.code.lower()}-{lang}.ics"
        headers["Content-Disposition"] = f'inline; filename="{filename}"'
        return Response(rendered.body, media_type="text/calendar; charset=utf-8", headers=headers)

    return calendar


def _page_endpoint(site: Site) -> Callable[[Request], Awaitable[Response]]:
    """Serve the schedule page in the language asked, or the one the browser prefers."""

    async def page(request: Request) -> Response:
        lang = request.path_params.get("lang") or _preferred(request, site)
        if lang not in LANGS:
            return PlainTextResponse("not found\n", status_code=404)
        https, webcal = feed_links(site.public_url())
        links = Links(
            feeds=https[lang],
            webcal=webcal[lang],
            other_language=f"/{'en' if lang == 'fa' else 'fa'}",
            telegram=deep_links(site.bot_username()),
        )
        html = render_page(site.course(), site.clock(), lang, links)
        headers = {"Cache-Control": "no-cache", "Content-Language": lang}
        if "lang" not in request.path_params:
            # "/" picks the language from Accept-Language: a shared cache must key on it.
            headers["Vary"] = "Accept-Language"
        return HTMLResponse(html, headers=headers)

    return page


def _webhook_endpoint(hook: Webhook) -> Callable[[Request], Awaitable[Response]]:
    """Take Telegram's updates: the secret checked, the body bounded in size and time."""

    async def telegram(request: Request) -> Response:
        # The same check PTB's own webhook server makes: only Telegram knows the secret.
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), hook.secret.encode()):
            return PlainTextResponse("forbidden\n", status_code=403)
        try:
            async with asyncio.timeout(BODY_SECONDS):
                body = await _limited_body(request, MAX_UPDATE_BYTES)
        except TimeoutError:
            return PlainTextResponse("the update came too slowly\n", status_code=408)
        except _TooLarge:
            return PlainTextResponse("an update is never this large\n", status_code=413)
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            # RecursionError: JSON nested deeper than Python's parser goes. Telegram
            # retries a 5xx, so any unreadable body must be a 400.
            return PlainTextResponse("bad update\n", status_code=400)
        if not isinstance(data, dict):
            return PlainTextResponse("bad update\n", status_code=400)
        await hook.receive(data)
        return Response(status_code=200)

    return telegram


def create_app(site: Site) -> Starlette:
    """Build the web application on ``site``."""
    routes = [Route("/healthz", _healthz_endpoint(site))]
    if site.pages:
        page = _page_endpoint(site)
        routes += [
            Route("/calendar/{lang}.ics", _calendar_endpoint(site, Feed(site.settings, site.db))),
            Route("/", page),
            Route("/{lang:str}", page),
        ]
    if site.webhook is not None:
        path = "/" + site.webhook.path.lstrip("/")
        # Before the page's catch-all "/{lang}" so a one-segment path still reaches it.
        routes.insert(0, Route(path, _webhook_endpoint(site.webhook), methods=["POST"]))
    return Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)])


class _TooLarge(Exception):
    """A request body over the limit."""


async def _limited_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


class SecurityHeaders:
    """Add the headers that keep browsers from misreading or misusing the responses.

    ``nosniff`` on everything; on HTML, a Content-Security-Policy allowing the page's own
    inline style and script only (by hash), and framing by the site itself and Telegram's
    web clients alone — the schedule page is a Telegram Mini App, which Telegram Web shows
    in a frame, so X-Frame-Options (which cannot name another site) is not sent.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response's start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
                if headers.get("content-type", "").startswith("text/html"):
                    headers["Content-Security-Policy"] = PAGE_POLICY
            await send(message)

        await self.app(scope, receive, with_headers)


def _database_reachable(db: DbEngine) -> bool:
    # A pooled connection still reads a SQLite file that was deleted, and a fresh one would
    # create an empty file: look for the file itself first.
    url = db.url
    sqlite_file = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    if sqlite_file and not Path(str(url.database)).expanduser().is_file():
        return False
    try:
        with db.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


def _preferred(request: Request, site: Site) -> str:
    accept = request.headers.get("accept-language", "").lower()
    for part in accept.split(","):
        code = part.split(";")[0].strip()[:2]
        if code in LANGS:
            return code
    return site.settings.channel_language


def _not_modified(request: Request, etag: str, modified: datetime) -> bool:
    match = request.headers.get("if-none-match")
    if match is not None:
        # A weak validator ("W/") names the same representation for a GET.
        tags = {tag.strip().removeprefix("W/") for tag in match.split(",")}
        return "*" in tags or etag in tags
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return modified.replace(microsecond=0) <= when
