"""A real PostgreSQL server for tests: the Debian package's initdb and pg_ctl on a temporary
directory and a free loopback port, run as an unprivileged user (PostgreSQL refuses root)."""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

# Fast and throwaway: a test server needs no durability.
SERVER_OPTIONS = (
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
    "-c max_connections=200 -c shared_buffers=32MB"
)


class PostgresError(Exception):
    """The test server could not be started."""


def find_bin_dir() -> Path:
    """Return the folder of the newest installed PostgreSQL's initdb and pg_ctl."""

    def version(path: str) -> float:
        try:
            return float(Path(path).parent.name)
        except ValueError:
            return 0.0

    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    raise PostgresError("no initdb/pg_ctl found: apt-get install postgresql")


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _unprivileged_user() -> str | None:
    """Return the user to run the server as when we are root, else None (run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise PostgresError("running as root and neither 'postgres' nor 'nobody' exists")


class PostgresServer:
    """One PostgreSQL cluster on 127.0.0.1; ``url(name)`` gives SQLAlchemy URLs to databases."""

    def __init__(self) -> None:
        self.bin = find_bin_dir()
        self.user = _unprivileged_user()
        self.port = 0
        self.root = Path(tempfile.mkdtemp(prefix="course-bot-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._names = itertools.count(1)
        self._running = False

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        result = subprocess.run(
            [*prefix, *command], capture_output=True, text=True, timeout=60, check=False
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PostgresError(
                f"{Path(command[0]).name} failed ({result.returncode}): "
                f"{result.stderr.strip() or result.stdout.strip()}\n{log}"
            )

    def start(self) -> PostgresServer:
        """Create the cluster and start the server; raise PostgresError if it cannot."""
        if self.user:
            # The server's own user must own the folder it writes to.
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.root.chmod(0o700)
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        # Another process may grab a free port between the probe and the start: retry.
        for _ in range(5):
            self.port = free_port()
            options = (
                f"-p {self.port} -c listen_addresses=127.0.0.1 "
                f"-c unix_socket_directories={self.root} {SERVER_OPTIONS}"
            )
            try:
                self._run(
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "30",
                    "start",
                )
            except PostgresError:
                if "could not bind" in self.log.read_text(errors="replace"):
                    continue
                raise
            self._running = True
            return self
        raise PostgresError("no free port for PostgreSQL after 5 tries")

    def stop(self) -> None:
        """Stop the server at once and delete its files."""
        if self._running:
            try:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
            finally:
                self._running = False
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """Return the SQLAlchemy URL of ``database`` on this server (psycopg 3 driver)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "test") -> str:
        """Create a fresh, empty database and return its URL."""
        import psycopg

        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        return self.url(name)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
