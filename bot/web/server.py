"""Run the web application under uvicorn, alone (``course-bot serve``) or beside the bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Callable, Iterator
from datetime import datetime

import uvicorn
from sqlalchemy.engine import Engine as DbEngine
from starlette.applications import Starlette
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot import storage
from bot.core.course.loader import CourseError, load_course
from bot.settings import Settings, SettingsError, WebSettings
from bot.web.app import Site, create_app

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
GRACEFUL_SECONDS = 3
# How long a client may take to send a request's line and headers.
REQUEST_SECONDS = 10.0


class Server(uvicorn.Server):
    """uvicorn's server without its own signal handling: whoever runs it decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Leave signals alone (uvicorn would re-raise them after shutting down)."""
        yield


def listen(web: WebSettings, key: str = "web") -> socket.socket:
    """Bind the listening socket, or raise SettingsError in one line (port in use, bad host).

    ``key`` names the settings the address came from, for that line.
    """
    try:
        infos = socket.getaddrinfo(web.listen, web.port, type=socket.SOCK_STREAM)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as error:
        raise SettingsError(
            f"config: {key}: cannot listen on {web.listen}:{web.port}: {error.strerror or error}"
        ) from error
    sock.listen(128)
    sock.setblocking(False)
    return sock


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing a connection whose request line and headers have
    not all arrived within REQUEST_SECONDS of its first byte (or of the connection).

    uvicorn times out idle keep-alive connections only: a client that opens connections and
    sends a request a byte at a time (slowloris) would otherwise hold each for ever.
    """

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request."""
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        """Take the bytes; stop the clock once a request's head is complete."""
        super().data_received(data)
        if self._between_requests():
            self._arm()
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the clock."""
        self._disarm()
        super().connection_lost(exc)

    def _between_requests(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(REQUEST_SECONDS, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self._between_requests() and not self.transport.is_closing():
            self.transport.close()


def make_server(app: Starlette) -> Server:
    """Return a quiet uvicorn server for ``app`` (requests are not logged one by one)."""
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        http=GuardedH11Protocol,
        # A stop closes connections still open after this (a slow client never holds it up).
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )
    return Server(config)


def address_of(sock: socket.socket) -> str:
    """Return http://host:port of a bound socket."""
    host, port = sock.getsockname()[:2]
    return f"http://{host}:{port}"


async def serve_until(
    server: Server, sock: socket.socket, stop: asyncio.Event, *, site_url: str = ""
) -> None:
    """Serve on ``sock`` until ``stop`` is set or the server ends."""
    task = asyncio.create_task(server.serve(sockets=[sock]))
    stopper = asyncio.create_task(stop.wait())
    log.info("web: listening on %s%s", address_of(sock), f" ({site_url})" if site_url else "")
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        server.should_exit = True
        stopper.cancel()
        await task


def serve(settings: Settings, clock: Callable[[], datetime] | None = None) -> int:
    """Serve the feed and page until SIGINT/SIGTERM; SIGHUP re-reads the course file."""
    web = settings.web or WebSettings()
    state = {"course": load_course(settings.course_path())}
    db = _database(settings.database_url)
    site = Site(
        settings=settings,
        course=lambda: state["course"],
        db=db,
        clock=clock or (lambda: datetime.now(settings.tz)),
    )
    sock = listen(web)

    async def reload() -> None:
        try:
            state["course"] = await asyncio.to_thread(load_course, settings.course_path())
        except CourseError as error:
            log.warning("reload on SIGHUP failed, keeping the old course:\n%s", error)
            return
        log.info("course reloaded from %s on SIGHUP", state["course"].source)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, stop.set)
        if hasattr(signal, "SIGHUP"):
            loop.add_signal_handler(signal.SIGHUP, lambda: loop.create_task(reload()))
        await serve_until(make_server(create_app(site)), sock, stop, site_url=web.public_url or "")

    try:
        asyncio.run(main())
    finally:
        sock.close()
        db.dispose()
    log.info("stopped")
    return 0


def _database(url: str) -> DbEngine:
    try:
        # SQLite is migrated in place; a shared PostgreSQL must be at the code's revision.
        return storage.open_database(url)
    except Exception as error:
        where = storage.safe_url(url)
        raise SettingsError(f"config: database_url: cannot open {where!r}: {error}") from error
