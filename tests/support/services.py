"""The outside services some tests need — PostgreSQL and Chromium, from Debian's packages.

A test that needs one asks ``require``: if the service is missing and the tests run as root
on a machine with ``apt-get``, it is installed then and there (once per run); if it cannot
be, the test is skipped with one line saying how to get it, or fails in CI (``CI=true``),
where a missing service must never pass unnoticed. The lines are repeated in the run's
summary, so ``pytest -q`` shows them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

import pytest

# A fresh machine may have to fetch the package lists first: minutes, not hours.
INSTALL_TIMEOUT = 30 * 60


@dataclass(frozen=True)
class Service:
    """A service the tests need, the Debian packages that bring it, and how to tell it is there."""

    name: str
    packages: tuple[str, ...]
    present: Callable[[], bool]

    @property
    def how(self) -> str:
        """Return the command that installs the service."""
        return f"apt-get install {' '.join(self.packages)}"


def _have_postgres() -> bool:
    from tests.support.postgres import PostgresError, find_bin_dir

    try:
        find_bin_dir()
    except PostgresError:
        return False
    return True


def _have_chromium() -> bool:
    from tests.support.browser import have_chromium

    return have_chromium()


POSTGRESQL = Service("PostgreSQL", ("postgresql",), _have_postgres)
CHROMIUM = Service("Chromium", ("chromium", "chromium-driver"), _have_chromium)

# What this run tried to install, and the lines for the summary.
_installed: dict[str, bool] = {}
missing: dict[str, str] = {}


def in_ci() -> bool:
    """Tell whether the tests run in CI, where every service is required."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def ensure(service: Service, *, apt: str | None = None, root: bool | None = None) -> str | None:
    """Make the service present if it can be; return None when it is, else one line why not.

    ``apt`` and ``root`` default to this machine's ``apt-get`` and whether we are root.
    """
    if service.present():
        return None
    apt = apt if apt is not None else shutil.which("apt-get")
    root = root if root is not None else os.geteuid() == 0
    if apt and root and service.name not in _installed:
        _installed[service.name] = install(service, apt)
        if service.present():
            return None
    if not apt:
        where = "this machine has no apt-get: install it with your package manager"
    elif not root:
        where = f"run `sudo {service.how}` (as root, the tests install it themselves)"
    else:
        where = f"`{service.how}` failed; run it by hand to see why"
    return f"{service.name} is not installed: {where}"


def install(service: Service, apt: str) -> bool:
    """Install the service's packages with apt-get, updating the package lists if need be."""
    print(
        f"\n[tests] installing {service.name} ({service.how}), once for this machine…",
        file=sys.__stderr__,
        flush=True,
    )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = [apt, "install", "-y", "-qq", "--no-install-recommends", *service.packages]
    for step in ([], [[apt, "update", "-qq"]]):
        try:
            for extra in step:
                subprocess.run(extra, env=env, capture_output=True, timeout=INSTALL_TIMEOUT)
            done = subprocess.run(command, env=env, capture_output=True, timeout=INSTALL_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired):
            return False
        if done.returncode == 0:
            return True
    return False


def require(service: Service) -> None:
    """Skip the calling test (fail it in CI) unless the service is there or can be installed."""
    reason = ensure(service)
    if reason is None:
        return
    missing[service.name] = reason
    if in_ci():
        pytest.fail(f"{reason} (required in CI)", pytrace=False)
    pytest.skip(reason)
