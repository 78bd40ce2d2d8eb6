"""The tests' own services: Debian packages installed on first need when possible, else one
line saying how to get them — a skip, or a failure in CI."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.support import services

pytestmark = pytest.mark.process


def fake_apt(tmp_path: Path, *, works: bool) -> tuple[str, Path, Path]:
    """Write an apt-get that logs its arguments and, if it works, "installs" by a marker file."""
    log, marker = tmp_path / "apt.log", tmp_path / "installed"
    script = tmp_path / "apt-get"
    body = f'echo "$@" >> {log}\n' + (f"touch {marker}\n" if works else "exit 100\n")
    script.write_text(f"#!/bin/sh\n{body}", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script), log, marker


def service(marker: Path, name: str) -> services.Service:
    return services.Service(name, ("pkg-a", "pkg-b"), marker.exists)


def test_a_missing_service_is_installed_as_root(tmp_path: Path) -> None:
    """As root with apt-get, the packages are installed once and the service is then there."""
    apt, log, marker = fake_apt(tmp_path, works=True)
    wanted = service(marker, "Thing installed")
    assert services.ensure(wanted, apt=apt, root=True) is None
    assert log.read_text().splitlines() == ["install -y -qq --no-install-recommends pkg-a pkg-b"]


def test_a_failed_install_updates_the_lists_once_and_says_so(tmp_path: Path) -> None:
    """When installing fails the package lists are updated and it is tried again, once a run."""
    apt, log, marker = fake_apt(tmp_path, works=False)
    wanted = service(marker, "Thing failing")
    reason = services.ensure(wanted, apt=apt, root=True)
    assert reason == (
        "Thing failing is not installed: `apt-get install pkg-a pkg-b` failed; run it by hand "
        "to see why"
    )
    assert services.ensure(wanted, apt=apt, root=True) == reason
    assert [line.split()[0] for line in log.read_text().splitlines()] == [
        "install",
        "update",
        "install",
    ]


def test_without_root_the_line_says_how_to_get_it(tmp_path: Path) -> None:
    """A user who is not root is told the command in one line, and nothing is run."""
    apt, log, marker = fake_apt(tmp_path, works=True)
    reason = services.ensure(service(marker, "Thing unprivileged"), apt=apt, root=False)
    assert reason is not None and "\n" not in reason
    assert "`sudo apt-get install pkg-a pkg-b`" in reason
    assert not log.exists()


def test_in_ci_a_missing_service_fails_the_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With CI=true a service that cannot be had fails the test instead of skipping it."""
    missing = service(tmp_path / "never", "Thing required")
    monkeypatch.setattr(services, "ensure", lambda _: "Thing required is not installed: …")
    monkeypatch.setattr(services, "missing", {})  # keep this run's summary to real services
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required in CI"):
        services.require(missing)
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="Thing required is not installed"):
        services.require(missing)
