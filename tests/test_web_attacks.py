"""The web side under attack, through the real processes: malformed and oversized updates
with the right secret, slow connections, a forged Host header, and the page's headers."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from bot.core.course.loader import load_course
from bot.settings import Settings
from bot.web import Site, Webhook, create_app
from bot.web import app as web_app
from bot.web.server import REQUEST_SECONDS
from tests.conftest import ROOT, STUDENT, TOKEN, Clock
from tests.support.bot_api import BotApiDouble
from tests.support.process import (
    bot_environment,
    free_port,
    killed_on_failure,
    start_bot,
    start_serve,
    stop_bot,
)
from tests.test_web_bot import command_update, wait_until, write_config

pytestmark = pytest.mark.process

SECRET = "web-secret-for-attacks"
COURSE = ROOT / "data" / "mlsd-spring-2023.yaml"


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[str]:
    """Run `course-bot serve` without public_url; yield its base URL."""
    port = free_port()
    config = write_config(tmp_path, COURSE, web={"listen": "127.0.0.1", "port": port})
    process = start_serve(config, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    with killed_on_failure(process):
        wait_until(lambda: httpx.get(f"{base}/healthz").status_code == 200)
        yield base
        _, stderr = stop_bot(process)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr


def test_a_forged_host_never_reaches_the_page(serving: str) -> None:
    """Without public_url the page's feed links are relative: the Host header is not echoed."""
    page = httpx.get(f"{serving}/en", headers={"Host": "evil.example"}).text
    assert "evil.example" not in page
    assert 'href="/calendar/en.ics?kinds=quiz"' in page
    assert "webcal://" not in page


def test_every_response_carries_the_protective_headers(serving: str) -> None:
    """nosniff everywhere; on the page a CSP that lets Telegram (and nobody else) frame it."""
    for path in ("/en", "/", "/calendar/en.ics", "/healthz", "/nowhere/at/all"):
        assert httpx.get(f"{serving}{path}").headers["x-content-type-options"] == "nosniff"
    policy = httpx.get(f"{serving}/fa").headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'sha256-" in policy
    assert "frame-ancestors 'self' https://web.telegram.org https://*.telegram.org" in policy
    assert "x-frame-options" not in httpx.get(f"{serving}/fa").headers


def test_path_tricks_are_plain_not_found(serving: str) -> None:
    """Traversal and odd paths are 404s (or the page), never a file or an error."""
    for path in ("/../../etc/passwd", "/calendar/../../etc/passwd", "/calendar/%2e%2e/x.ics"):
        response = httpx.get(f"{serving}{path}")
        assert response.status_code in (200, 404) and "root:" not in response.text


def test_slow_connections_are_closed_and_the_server_stays_responsive(serving: str) -> None:
    """Connections that send their request a byte at a time are closed after REQUEST_SECONDS,
    while the health check keeps answering at once."""
    host, port = serving.removeprefix("http://").split(":")
    slow = [socket.create_connection((host, int(port))) for _ in range(60)]
    try:
        for sock in slow:
            sock.sendall(b"GET /en HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        assert httpx.get(f"{serving}/healthz", timeout=2).status_code == 200
        deadline = started + REQUEST_SECONDS + 5
        open_ones = list(slow)
        while open_ones and time.monotonic() < deadline:
            for sock in list(open_ones):
                sock.settimeout(0.05)
                try:
                    if sock.recv(1024) == b"":
                        open_ones.remove(sock)
                except TimeoutError:
                    sock.sendall(b"X")  # one more byte, as a slow client would
                except OSError:
                    open_ones.remove(sock)
        assert not open_ones, f"{len(open_ones)} still open"
        assert time.monotonic() - started >= REQUEST_SECONDS - 1
    finally:
        for sock in slow:
            sock.close()


def test_malformed_updates_with_the_right_secret_are_400_and_the_bot_goes_on(
    tmp_path: Path, api: BotApiDouble
) -> None:
    """Deeply nested JSON, invalid UTF-8, a list and an oversized body: a 400 or 413 each (never
    a 5xx Telegram would resend), and the next update is answered."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = write_config(
        tmp_path,
        COURSE,
        webhook_url="https://bot.example/tg/updates",
        web={"listen": "127.0.0.1", "port": port, "public_url": "https://bot.example"},
    )
    env = bot_environment(api, TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET)
    process = start_bot(config, env, "--webhook", cwd=tmp_path)
    header = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    url = f"{base}/tg/updates"
    with killed_on_failure(process):
        api.wait_for_request("setWebhook", timeout=20)
        wait_until(lambda: httpx.get(f"{base}/healthz").status_code == 200)
        nested = "[" * 100_000 + "]" * 100_000
        deep_object = '{"a":' * 50_000 + "1" + "}" * 50_000
        for body, status in (
            (nested.encode(), 400),
            (deep_object.encode(), 400),
            (b"\xff\xfe{", 400),
            (b"[1, 2]", 400),
            (json.dumps({"update_id": 1, "message": {"text": "x" * 2_000_000}}).encode(), 413),
        ):
            assert httpx.post(url, content=body, headers=header).status_code == status
        api.add_chat(STUDENT)
        good = httpx.post(url, json=command_update(9, "/next"), headers=header)
        assert good.status_code == 200
        api.wait_for_count(1, chat_id=STUDENT, timeout=10)
        _, stderr = stop_bot(process)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr and "RecursionError" not in stderr


@pytest.mark.anyio
async def test_an_update_that_never_finishes_arriving_is_408(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, db: Engine, clock: Clock
) -> None:
    """A webhook body trickling in past BODY_SECONDS is answered 408 and never handled."""
    received: list[dict[str, Any]] = []

    async def receive(data: dict[str, Any]) -> None:
        received.append(data)

    monkeypatch.setattr(web_app, "BODY_SECONDS", 0.3)
    course = load_course(settings.course_path())
    site = Site(
        settings=settings,
        course=lambda: course,
        db=db,
        clock=clock,
        webhook=Webhook(path="/hook", secret=SECRET, receive=receive),
    )

    async def trickle() -> AsyncIterator[bytes]:
        yield b'{"update_id": 1,'
        await asyncio.sleep(5)
        yield b"}"

    transport = httpx.ASGITransport(app=create_app(site))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
        header = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        response = await http.post("/hook", content=trickle(), headers=header)
    assert response.status_code == 408 and not received
