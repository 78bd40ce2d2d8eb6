"""The web side with the bot: the same course after /reload, Telegram's updates through the
web server, and the real `course-bot serve` and `course-bot run` processes."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import icalendar
import pytest
import yaml
from sqlalchemy.engine import Engine

from bot.settings import Settings
from bot.telegram.app import build_application
from bot.telegram.web import site_of, telegram_webhook
from bot.web import create_app
from tests.conftest import ADMIN, ROOT, STUDENT, TOKEN, Clock, running_bot
from tests.support.bot_api import BotApiDouble
from tests.support.process import (
    bot_environment,
    killed_on_failure,
    start_bot,
    start_serve,
    stop_bot,
)

pytestmark = [pytest.mark.anyio, pytest.mark.process]

SECRET = "web-secret-for-tests"
CA1_DUE = "      - assignment: 1\n"


def move_ca1_deadline(course_file: Path) -> None:
    text = course_file.read_text(encoding="utf-8")
    assert CA1_DUE in text
    course_file.write_text(
        text.replace(CA1_DUE, CA1_DUE + "        due: 2 Farvardin 1402\n"), encoding="utf-8"
    )


def ca1_start(body: bytes) -> Any:
    calendar = icalendar.Calendar.from_ical(body)
    event = next(e for e in calendar.walk("VEVENT") if str(e["UID"]) == "deadline-ca-1@mlsd")
    return event["DTSTART"].dt.date().isoformat(), int(event["SEQUENCE"])


def command_update(update_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": STUDENT, "type": "private", "first_name": "S"},
            "from": {"id": STUDENT, "is_bot": False, "first_name": "S", "language_code": "en"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


def asgi(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot")


async def test_reload_in_the_bot_shows_in_the_feed_at_once(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine, course_file: Path
) -> None:
    """After /reload moves CA1's deadline, the bot's web side serves the new date at once."""
    async with running_bot(api, settings, clock, db) as bot:
        http = asgi(create_app(site_of(bot.app)))
        async with http:
            assert ca1_start((await http.get("/calendar/en.ics")).content) == ("2023-03-20", 0)
            move_ca1_deadline(course_file)
            assert "Reloaded" in await bot.ask(ADMIN, "/reload")
            assert ca1_start((await http.get("/calendar/en.ics")).content) == ("2023-03-22", 1)
            health = (await http.get("/healthz")).json()
    assert health["last_update_at"] == clock.now.isoformat()


async def test_webhook_route_checks_the_secret_and_feeds_the_bot(
    api: BotApiDouble, settings: Settings, clock: Clock, db: Engine
) -> None:
    """Updates posted to the webhook path reach the bot only with the secret token header."""
    app = build_application(settings, token=TOKEN, api_url=api.base_url, clock=clock, db_engine=db)
    api.add_chat(STUDENT)
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        await app.start()
        try:
            hook = telegram_webhook(app, "https://bot.example/telegram/hook", SECRET)
            async with asgi(create_app(site_of(app, hook))) as http:
                header = "X-Telegram-Bot-Api-Secret-Token"
                update = command_update(1, "/next")
                wrong = await http.post("/telegram/hook", json=update, headers={header: "nope"})
                missing = await http.post("/telegram/hook", json=update)
                junk = await http.post("/telegram/hook", content=b"{", headers={header: SECRET})
                right = await http.post("/telegram/hook", json=update, headers={header: SECRET})
                assert (wrong.status_code, missing.status_code) == (403, 403)
                assert junk.status_code == 400
                assert right.status_code == 200
                await asyncio.to_thread(api.wait_for_count, 1, "sendMessage", 5.0, chat_id=STUDENT)
                assert len(api.messages_to(STUDENT)) == 1
        finally:
            await app.stop()


# -- processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(check: Callable[[], bool], timeout: float = 20.0) -> None:
    """Poll ``check`` until it holds (the process needs a moment to start)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("timed out")


def write_config(tmp_path: Path, course: Path, **extra: Any) -> Path:
    config = tmp_path / "settings.yaml"
    values = {
        "course": str(course),
        "database_url": f"sqlite:///{tmp_path / 'state' / 'bot.sqlite3'}",
        **extra,
    }
    config.write_text(yaml.safe_dump(values), encoding="utf-8")
    return config


def test_course_bot_serve_needs_no_token_and_reloads_on_sighup(
    tmp_path: Path, course_file: Path
) -> None:
    """`course-bot serve` serves without a token, shows a moved deadline after SIGHUP, and
    exits 0 on SIGTERM."""
    port = free_port()
    config = write_config(tmp_path, course_file, web={"listen": "127.0.0.1", "port": port})
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    process = start_serve(config, env, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    with killed_on_failure(process):
        wait_until(lambda: httpx.get(f"{base}/healthz").status_code == 200)
        assert ca1_start(httpx.get(f"{base}/calendar/en.ics").content) == ("2023-03-20", 0)
        move_ca1_deadline(course_file)
        process.send_signal(signal.SIGHUP)
        wait_until(lambda: ca1_start(httpx.get(f"{base}/calendar/en.ics").content)[1] == 1)
        assert ca1_start(httpx.get(f"{base}/calendar/en.ics").content) == ("2023-03-22", 1)
        assert "<html" in httpx.get(f"{base}/fa").text
        _, stderr = stop_bot(process)
    assert process.returncode == 0, stderr
    assert "reloaded" in stderr


def test_serve_on_a_taken_port_is_one_line(tmp_path: Path, course_file: Path) -> None:
    """A port already in use gets one line naming web and the address, exit code 2."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = write_config(tmp_path, course_file, web={"port": port})
        result = subprocess.run(
            [sys.executable, "-m", "bot", "serve", "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stderr.startswith(f"course-bot: config: web: cannot listen on 127.0.0.1:{port}")
    assert result.stderr.count("\n") == 1


def test_course_bot_run_webhook_shares_the_web_port(tmp_path: Path, api: BotApiDouble) -> None:
    """With `web` and --webhook, one port takes Telegram's updates and serves feed and health."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = write_config(
        tmp_path,
        ROOT / "data" / "mlsd-spring-2023.yaml",
        webhook_url="https://bot.example/tg/updates",
        web={"listen": "127.0.0.1", "port": port, "public_url": "https://bot.example"},
    )
    env = bot_environment(api, TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET)
    process = start_bot(config, env, "--webhook", cwd=tmp_path)
    with killed_on_failure(process):
        api.wait_for_request("setWebhook", timeout=20)
        registered = [r for r in api.requests if r.method == "setWebhook"][-1].params
        assert registered["url"] == "https://bot.example/tg/updates"
        assert registered["secret_token"] == SECRET
        wait_until(lambda: httpx.get(f"{base}/healthz").status_code == 200)
        assert httpx.get(f"{base}/healthz").json()["last_update_at"] is None
        api.add_chat(STUDENT)
        header = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        posted = httpx.post(f"{base}/tg/updates", json=command_update(7, "/next"), headers=header)
        assert posted.status_code == 200
        api.wait_for_count(1, chat_id=STUDENT, timeout=10)
        assert httpx.get(f"{base}/healthz").json()["last_update_at"] is not None
        assert httpx.get(f"{base}/calendar/fa.ics").status_code == 200
        assert not any(r.method == "getUpdates" for r in api.requests)
        stdout, stderr = stop_bot(process)
    assert process.returncode == 0, stderr
    assert SECRET not in stdout + stderr and TOKEN not in stdout + stderr


def test_course_bot_run_polls_serves_and_reloads_on_sighup(
    tmp_path: Path, api: BotApiDouble, course_file: Path
) -> None:
    """With `web` and long polling, the bot answers, /healthz notes the update, SIGHUP moves a
    deadline in the feed, and SIGTERM stops both with exit code 0."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = write_config(tmp_path, course_file, web={"listen": "127.0.0.1", "port": port})
    process = start_bot(config, bot_environment(api, TOKEN), cwd=tmp_path)
    with killed_on_failure(process):
        api.wait_until_polling(timeout=20)
        wait_until(lambda: httpx.get(f"{base}/healthz").status_code == 200)
        api.push_text(STUDENT, "when is quiz 3")
        reply = api.wait_for_count(1, chat_id=STUDENT, timeout=10)
        assert "27 Esfand 1401" in (reply[0].plain_text or "")
        assert httpx.get(f"{base}/healthz").json()["last_update_at"] is not None
        assert ca1_start(httpx.get(f"{base}/calendar/en.ics").content) == ("2023-03-20", 0)
        move_ca1_deadline(course_file)
        process.send_signal(signal.SIGHUP)
        wait_until(lambda: ca1_start(httpx.get(f"{base}/calendar/en.ics").content)[1] == 1)
        assert ca1_start(httpx.get(f"{base}/calendar/en.ics").content) == ("2023-03-22", 1)
        stdout, stderr = stop_bot(process)
    assert process.returncode == 0, stderr
    assert TOKEN not in stdout + stderr
    assert "web: listening on http://127.0.0.1:" in stderr
