"""Storage off the event loop, measured both ways: a worker thread against an async driver.

Three ways to write a row to SQLite from asyncio, each in one run on a fresh database file:

1. ``on the loop``: the synchronous engine called from a coroutine (the bot's old way);
2. ``writer thread``: the same synchronous calls through ``bot.telegram.store.Store``;
3. ``aiosqlite``: SQLAlchemy's async engine (``sqlite+aiosqlite``), one ``AsyncSession`` a
   write (needs ``pip install aiosqlite greenlet``; left out without them).

Each writes ``--writes`` rows at ``--rate`` a second while a ticker on the same loop wakes
every 10 ms, as a reply waiting for its turn would: the ticker's lateness is what a reply
pays. Two passes: the database as it is, and every statement made ``--slow-ms`` slower by
a SQL function that sleeps inside the statement (so the delay is where a slow disk or
server would put it: in whatever thread runs the statement). Then each writes as fast as it
can (``--burst`` rows, 16 at a time) for the cost per write.

    python benchmarks/storage_offloop.py [--writes 200] [--rate 15] [--slow-ms 50]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text  # noqa: E402 - needs the path above
from sqlalchemy.engine import Engine, create_engine  # noqa: E402

from bot.telegram.store import Store  # noqa: E402

TICK = 0.01
INSERT = "INSERT INTO row (at, pause) VALUES (:at, pause(:ms))"


def _install_pause(engine: Any, slow_ms: list[float]) -> None:
    """Give every connection ``pause(ms)``: sleeps ``slow_ms[0]`` ms inside the statement."""

    def pause(_: float) -> float:
        time.sleep(slow_ms[0] / 1000)
        return slow_ms[0]

    @event.listens_for(engine, "connect")
    def connect(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.create_function("pause", 1, pause)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def _sync_engine(path: Path, slow_ms: list[float]) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
    _install_pause(engine, slow_ms)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE row (id INTEGER PRIMARY KEY, at REAL, pause REAL)"))
    return engine


def _write_sync(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text(INSERT), {"at": time.time(), "ms": 0})


class Way:
    """One way of writing: set up, write one row, tear down."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def open(self, path: Path, slow_ms: list[float]) -> None:
        """Create the database and whatever the way needs."""

    async def write(self) -> None:
        """Write one row."""
        raise NotImplementedError

    async def close(self) -> None:
        """Release what ``open`` made."""


class OnTheLoop(Way):
    """Synchronous engine, called on the event loop."""

    async def open(self, path: Path, slow_ms: list[float]) -> None:
        """Create the database and the engine."""
        self.engine = _sync_engine(path, slow_ms)

    async def write(self) -> None:
        """Write one row, holding the loop meanwhile."""
        _write_sync(self.engine)

    async def close(self) -> None:
        """Dispose of the engine."""
        self.engine.dispose()


class WriterThread(OnTheLoop):
    """Synchronous engine, called through the bot's Store (one writer thread)."""

    async def open(self, path: Path, slow_ms: list[float]) -> None:
        """Create the database, the engine and the store."""
        await super().open(path, slow_ms)
        self.store = Store()

    async def write(self) -> None:
        """Write one row on the writer thread."""
        await self.store.write(_write_sync, self.engine)

    async def close(self) -> None:
        """Stop the store, then dispose of the engine."""
        self.store.close()
        await super().close()


class AioSqlite(Way):
    """SQLAlchemy's async engine over aiosqlite."""

    async def open(self, path: Path, slow_ms: list[float]) -> None:
        """Create the database (synchronously) and the async engine."""
        from sqlalchemy.ext.asyncio import create_async_engine

        _sync_engine(path, slow_ms).dispose()
        self.engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
        _install_pause(self.engine.sync_engine, slow_ms)

    async def write(self) -> None:
        """Write one row through the async engine."""
        async with self.engine.begin() as connection:
            await connection.execute(text(INSERT), {"at": time.time(), "ms": 0})

    async def close(self) -> None:
        """Dispose of the async engine."""
        await self.engine.dispose()


def ways() -> list[Way]:
    """Return the ways this machine can measure."""
    found: list[Way] = [OnTheLoop("on the loop"), WriterThread("writer thread")]
    try:
        import aiosqlite  # noqa: F401
        import greenlet  # noqa: F401
    except ImportError:
        print("aiosqlite or greenlet is not installed: the async driver is left out\n")
    else:
        found.append(AioSqlite("aiosqlite (SQLAlchemy async engine)"))
    return found


async def ticker(stop: asyncio.Event, late: list[float]) -> None:
    """Wake every TICK and note how late each wake-up was."""
    loop = asyncio.get_running_loop()
    due = loop.time() + TICK
    while not stop.is_set():
        await asyncio.sleep(max(0.0, due - loop.time()))
        late.append(loop.time() - due)
        due = max(due + TICK, loop.time())


async def paced(way: Way, writes: int, rate: float) -> tuple[list[float], list[float]]:
    """Write at ``rate`` while the ticker runs; return the ticks' lateness and write times."""
    loop = asyncio.get_running_loop()
    stop, late, took = asyncio.Event(), [], []
    tick = asyncio.create_task(ticker(stop, late))

    async def one(at: float) -> None:
        await asyncio.sleep(max(0.0, at - loop.time()))
        started = loop.time()
        await way.write()
        took.append(loop.time() - started)

    start = loop.time()
    await asyncio.gather(*(one(start + n / rate) for n in range(writes)))
    stop.set()
    await tick
    return late, took


async def burst(way: Way, writes: int) -> float:
    """Write ``writes`` rows, 16 at a time; return the process CPU seconds a write."""
    cpu = time.process_time()
    gate = asyncio.Semaphore(16)

    async def one() -> None:
        async with gate:
            await way.write()

    await asyncio.gather(*(one() for _ in range(writes)))
    return (time.process_time() - cpu) / writes


def ms(values: list[float], q: float) -> str:
    """Format the q-quantile of ``values`` (seconds) in ms."""
    ordered = sorted(values)
    value = statistics.median(ordered) if q == 0.5 else ordered[int(q * (len(ordered) - 1))]
    return f"{1000 * value:.1f} ms"


async def run(args: argparse.Namespace, folder: Path) -> list[str]:
    """Measure every way and return the table's rows."""
    rows = []
    for number, way in enumerate(ways()):
        slow_ms = [0.0]
        await way.open(folder / f"{number}.sqlite3", slow_ms)
        try:
            for delay in (0.0, args.slow_ms):
                slow_ms[0] = delay
                late, took = await paced(way, args.writes, args.rate)
                rows.append(
                    f"| {way.name} | +{delay:g} ms | {ms(late, 0.5)} | {ms(late, 0.99)} "
                    f"| {ms(late, 1.0)} | {ms(took, 0.5)} | {ms(took, 0.99)} |"
                )
            slow_ms[0] = 0.0
            cpu = await burst(way, args.burst)
            rows.append(
                f"| {way.name} | burst of {args.burst} | | | | CPU {1e6 * cpu:.0f} µs a write | |"
            )
        finally:
            await way.close()
    return rows


def main() -> None:
    """Run the measurements and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--rate", type=float, default=15.0, help="writes a second")
    parser.add_argument("--slow-ms", type=float, default=50.0, help="added to each statement")
    parser.add_argument("--burst", type=int, default=2000, help="rows written at full speed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        rows = asyncio.run(run(args, Path(folder)))
    print(f"{args.writes} writes at {args.rate:g}/s; a tick every {1000 * TICK:g} ms\n")
    print("| way | statement | tick late p50 | p99 | max | write p50 | write p99 |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
