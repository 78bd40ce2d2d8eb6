"""Headless Chromium from Debian's packages, driven by Selenium through the system
chromedriver (named explicitly, so nothing is ever downloaded), and a live web server."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from starlette.applications import Starlette

from bot.settings import WebSettings
from bot.web.server import address_of, listen, make_server

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def have_chromium() -> bool:
    """Tell whether the Debian chromium and chromedriver are installed."""
    return bool(shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER))


@contextmanager
def chromium(width: int = 412, height: int = 915) -> Iterator[webdriver.Chrome]:
    """Start headless Chromium with a throw-away profile; the window is a phone's by default."""
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@contextmanager
def live_server(app: Starlette) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free port in a thread; yield its base URL."""
    sock = listen(WebSettings(listen="127.0.0.1", port=0))
    server = make_server(app)
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])), name="web", daemon=True
    )
    thread.start()
    try:
        yield address_of(sock)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
