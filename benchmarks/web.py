"""Benchmark the web side: feed requests per second with and without ETag hits, page weight,
and time to first render in headless Chromium.

Run from the repository root: ``python benchmarks/web.py [--requests N] [--rounds N]``. It
starts the real ``course-bot serve`` process on a free port with a temporary database, then
alternates full and conditional (304) feed rounds against it in one run, so both sides share
the machine's state. It prints a Markdown table; docs/benchmarks.md records its figures.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.browser import chromium, have_chromium  # noqa: E402

COURSE = ROOT / "data" / "mlsd-spring-2023.yaml"
CONCURRENCY = 8
# Paint entries are recorded a frame after load; wait for the first contentful paint.
FIRST_PAINT = """
const done = arguments[arguments.length - 1];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.name === "first-contentful-paint") done(e.startTime);
}).observe({type: "paint", buffered: true});
setTimeout(() => done(null), 5000);
"""


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start `course-bot serve` and return it with its base URL once /healthz answers."""
    port = free_port()
    config = folder / "settings.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "course": str(COURSE),
                "database_url": f"sqlite:///{folder / 'bench.sqlite3'}",
                "web": {"listen": "127.0.0.1", "port": port},
                "log_level": "WARNING",
            }
        ),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COURSE_BOT_", "TELEGRAM_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--config", str(config)], cwd=folder, env=env
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("course-bot serve did not start")


async def hammer(url: str, total: int, headers: dict[str, str], expect: int) -> float:
    """Send ``total`` GETs from CONCURRENCY workers; return requests per second."""
    remaining = total

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            response = await client.get(url, headers=headers)
            if response.status_code != expect:
                raise SystemExit(f"{url}: expected {expect}, got {response.status_code}")

    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))
        return total / (time.perf_counter() - started)


def feed_rates(base: str, requests: int, rounds: int) -> tuple[list[float], list[float]]:
    """Alternate full and If-None-Match rounds on the Persian feed; return both rates."""
    url = f"{base}/calendar/fa.ics"
    etag = httpx.get(url).headers["etag"]
    full, cached = [], []
    for _ in range(rounds):
        full.append(asyncio.run(hammer(url, requests, {}, 200)))
        cached.append(asyncio.run(hammer(url, requests, {"If-None-Match": etag}, 304)))
    return full, cached


async def asgi_get(app: Any, path: str, headers: dict[str, str]) -> tuple[int, int]:
    """Call the ASGI app directly (no sockets, no client library); return status and size."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    result = {"status": 0, "size": 0}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            result["status"] = message["status"]
        elif message["type"] == "http.response.body":
            result["size"] += len(message.get("body", b""))

    await app(scope, receive, send)
    return result["status"], result["size"]


def handler_cost(folder: Path, requests: int, rounds: int) -> tuple[list[float], list[float]]:
    """Time the feed route in-process, full and 304 alternating; return microseconds each."""
    from bot import storage
    from bot.core.course.loader import load_course
    from bot.settings import Settings
    from bot.web import Site, create_app

    settings = Settings(course=COURSE, database_url=f"sqlite:///{folder / 'asgi.sqlite3'}")
    course = load_course(COURSE)
    db = storage.make_engine(settings.database_url)
    app = create_app(
        Site(settings=settings, course=lambda: course, db=db, clock=lambda: datetime.now(UTC))
    )

    async def run() -> tuple[list[float], list[float]]:
        status, _ = await asgi_get(app, "/calendar/fa.ics", {})
        assert status == 200
        full, cached = [], []
        etag = ""
        for _ in range(rounds):
            started = time.perf_counter()
            for _ in range(requests):
                status, _ = await asgi_get(app, "/calendar/fa.ics", {})
            full.append((time.perf_counter() - started) / requests * 1e6)
            assert status == 200
            if not etag:
                client = httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://x"
                )
                async with client:
                    etag = (await client.get("/calendar/fa.ics")).headers["etag"]
            started = time.perf_counter()
            for _ in range(requests):
                status, size = await asgi_get(app, "/calendar/fa.ics", {"If-None-Match": etag})
            cached.append((time.perf_counter() - started) / requests * 1e6)
            assert status == 304 and size == 0
        return full, cached

    try:
        return asyncio.run(run())
    finally:
        db.dispose()


def first_render(base: str, loads: int) -> dict[str, list[float]]:
    """Load each page ``loads`` times in headless Chromium; return first-contentful-paint ms."""
    paints: dict[str, list[float]] = {"en": [], "fa": []}
    with chromium() as browser:
        for _ in range(loads):
            for lang in paints:
                browser.get(f"{base}/{lang}")
                paint = browser.execute_async_script(FIRST_PAINT)
                if paint is not None:
                    paints[lang].append(float(paint))
                browser.get("about:blank")
    return paints


def main() -> None:
    """Run every measurement and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per feed round")
    parser.add_argument("--rounds", type=int, default=3, help="feed rounds of each kind")
    parser.add_argument("--loads", type=int, default=10, help="page loads per language")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="web-bench-"))
    process, base = start_server(folder)
    try:
        sizes = {
            "page /en": httpx.get(f"{base}/en").content,
            "page /fa": httpx.get(f"{base}/fa").content,
            "feed fa.ics": httpx.get(f"{base}/calendar/fa.ics").content,
            "feed fa.ics?kinds=quiz,deadline": httpx.get(
                f"{base}/calendar/fa.ics?kinds=quiz,deadline"
            ).content,
        }
        full, cached = feed_rates(base, args.requests, args.rounds)
        cost_full, cost_cached = handler_cost(folder, args.requests, args.rounds)
        paints = first_render(base, args.loads) if have_chromium() else {}
    finally:
        process.terminate()
        process.wait(15)
        shutil.rmtree(folder, ignore_errors=True)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"feed: {args.rounds} rounds of {args.requests} requests each, {CONCURRENCY} connections\n"
    )
    print("| measure | result |")
    print("|---|---|")
    print(
        f"| feed, full 200 responses | {statistics.median(full):,.0f} req/s "
        f"(rounds: {', '.join(f'{r:,.0f}' for r in full)}) |"
    )
    print(
        f"| feed, ETag hits (304) | {statistics.median(cached):,.0f} req/s "
        f"(rounds: {', '.join(f'{r:,.0f}' for r in cached)}) |"
    )
    print(
        f"| feed route in-process, full 200 | {statistics.median(cost_full):.0f} µs/request "
        f"({1e6 / statistics.median(cost_full):,.0f} req/s on one core) |"
    )
    print(
        f"| feed route in-process, ETag hit 304 | {statistics.median(cost_cached):.0f} µs/request "
        f"({1e6 / statistics.median(cost_cached):,.0f} req/s on one core) |"
    )
    for name, body in sizes.items():
        print(
            f"| weight: {name} | {len(body) / 1024:.1f} KB "
            f"({len(gzip.compress(body)) / 1024:.1f} KB gzipped) |"
        )
    for lang, values in paints.items():
        if values:
            print(
                f"| first contentful paint /{lang}, Chromium headless | "
                f"median {statistics.median(values):.0f} ms, max {max(values):.0f} ms "
                f"({len(values)} loads) |"
            )


if __name__ == "__main__":
    main()
