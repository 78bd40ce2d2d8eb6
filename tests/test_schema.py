"""Alembic migrations: they build the models' schema on SQLite and PostgreSQL, adopt databases
made before migrations, and `course-bot migrate` / the start-up check behave as documented."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

from bot import schema, storage
from tests.conftest import NOW

pytestmark = pytest.mark.process

BIG_ID = 7_123_456_789  # Telegram user ids no longer fit in 32 bits


def test_migrations_build_exactly_the_models_schema(database_url: str) -> None:
    """Upgrading an empty database gives the tables, columns and indexes the models declare."""
    engine = storage.make_engine(database_url)
    try:
        with engine.connect() as connection:
            assert schema.current(connection) == schema.head()
            differences = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}),
                SQLModel.metadata,
            )
        assert differences == []
        storage.subscribe(engine, BIG_ID, "all", NOW)
        assert storage.subscription(engine, BIG_ID) == "all"
    finally:
        engine.dispose()


def test_upgrade_twice_changes_nothing(database_url: str) -> None:
    """A second upgrade of an up-to-date database reports no change and keeps the rows."""
    engine = storage.make_engine(database_url)
    try:
        storage.set_language(engine, 5, "fa", NOW)
        again = schema.upgrade(engine)
        assert again.before == again.after == schema.head() and not again.adopted
        assert storage.get_language(engine, 5) == "fa"
    finally:
        engine.dispose()


def _legacy_sqlite(path: Path) -> None:
    """Write a database the way the bot did before migrations (create_all, INTEGER ids)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as connection:
        connection.executescript(
            """
            CREATE TABLE user (id INTEGER NOT NULL, language VARCHAR, first_seen DATETIME NOT NULL,
                blocked BOOLEAN NOT NULL, PRIMARY KEY (id));
            CREATE TABLE questionlog (id INTEGER NOT NULL, user_id INTEGER NOT NULL,
                question VARCHAR NOT NULL, lang VARCHAR NOT NULL, answered BOOLEAN NOT NULL,
                used VARCHAR NOT NULL, topic VARCHAR NOT NULL, asked_at DATETIME NOT NULL,
                PRIMARY KEY (id));
            CREATE INDEX ix_questionlog_user_id ON questionlog (user_id);
            CREATE INDEX ix_questionlog_topic ON questionlog (topic);
            CREATE TABLE subscription (user_id INTEGER NOT NULL, interest VARCHAR NOT NULL,
                subscribed_at DATETIME NOT NULL, active BOOLEAN NOT NULL, language VARCHAR,
                PRIMARY KEY (user_id));
            CREATE TABLE delivery (id INTEGER NOT NULL, "key" VARCHAR NOT NULL,
                due_at DATETIME NOT NULL, recipient VARCHAR NOT NULL, status VARCHAR NOT NULL,
                at DATETIME NOT NULL, message_id INTEGER, PRIMARY KEY (id),
                UNIQUE ("key", due_at, recipient));
            CREATE INDEX ix_delivery_key ON delivery ("key");
            CREATE TABLE eventtime ("key" VARCHAR NOT NULL, at DATETIME NOT NULL,
                PRIMARY KEY ("key"));
            CREATE TABLE channelproblem (channel VARCHAR NOT NULL, error VARCHAR NOT NULL,
                since DATETIME NOT NULL, PRIMARY KEY (channel));
            INSERT INTO subscription VALUES (42, 'quizzes', '2023-02-01 10:00:00.000000', 1, 'fa');
            INSERT INTO delivery VALUES (1, 'quiz:quiz-1/1d/channel', '2023-02-25 13:00:00.000000',
                '@mlsd_channel', 'sent', '2023-02-25 13:00:01.000000', 9);
            """
        )


def test_database_made_before_migrations_is_adopted_and_upgraded(tmp_path: Path) -> None:
    """A SQLite file created by the old create_all is stamped, upgraded and keeps its rows."""
    path = tmp_path / "state" / "old.sqlite3"
    _legacy_sqlite(path)
    engine = storage.make_engine(f"sqlite:///{path}", migrate=False)
    try:
        done = schema.upgrade(engine)
        assert done.adopted and done.before is None and done.after == schema.head()
        assert storage.subscription(engine, 42) == "quizzes"
        assert storage.delivery_statuses(engine)
        storage.subscribe(engine, BIG_ID, "all", NOW + timedelta(days=1))
        assert [s.user_id for s in storage.subscribers(engine, ["all"], NOW + timedelta(2))] == [
            BIG_ID
        ]
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []
    finally:
        engine.dispose()


def test_check_names_the_migrate_command(database_url: str) -> None:
    """An empty or outdated database fails the start-up check with a line naming the command."""
    engine = storage.make_engine(database_url, migrate=False)
    try:
        with pytest.raises(schema.SchemaError, match="run `course-bot migrate`"):
            schema.require_current(engine)
        with engine.begin() as connection:
            from alembic import command

            command.upgrade(schema._config(connection), schema.BASELINE)
        with pytest.raises(schema.SchemaError, match=r"revision 0001, behind.*course-bot migrate"):
            schema.require_current(engine)
        schema.upgrade(engine)
        schema.require_current(engine)
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(schema.SchemaError, match="does not know"):
            schema.require_current(engine)
    finally:
        engine.dispose()


def test_questions_logged_before_outcomes_get_one(database_url: str) -> None:
    """Upgrading from 0004 gives each logged question its outcome and topic: answered, declined
    with an answer (it used an entry) or unknown (it used none)."""
    from alembic import command

    engine = storage.make_engine(database_url, migrate=False)
    try:
        with engine.begin() as connection:
            command.upgrade(schema._config(connection), "0004")
            for n, (answered, used, topic) in enumerate(
                [
                    (True, "quiz-3", "quiz-3"),
                    (True, "", "unanswered"),
                    (False, "faq:not-in-syllabus,faq:x", "faq:not-in-syllabus"),
                    (False, "", "unanswered"),
                ]
            ):
                connection.execute(
                    text(
                        "INSERT INTO questionlog (user_id, question, lang, answered, used, topic,"
                        " asked_at) VALUES (:u, :q, 'en', :a, :used, :topic, :at)"
                    ),
                    {"u": n, "q": f"q{n}", "a": answered, "used": used, "topic": topic, "at": NOW},
                )
        schema.upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT outcome, topic, via FROM questionlog ORDER BY id")
            ).all()
        assert [tuple(row) for row in rows] == [
            ("answered", "quiz-3", "chat"),
            ("answered", "computed/other", "chat"),
            ("declined", "faq:not-in-syllabus", "chat"),
            ("unknown", "unanswered", "chat"),
        ]
        assert storage.stats(engine).declined == 1
    finally:
        engine.dispose()


def _cli(*args: str, cwd: Path, env_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONUNBUFFERED": "1"}
    if env_url:
        env["COURSE_BOT_DATABASE_URL"] = env_url
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_migrate_command_creates_the_default_sqlite_and_upgrades(tmp_path: Path) -> None:
    """`course-bot migrate` creates state/ and the default SQLite file at the newest revision,
    and a second run says it is up to date."""
    root = Path(__file__).resolve().parent.parent
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.yaml").write_text(
        f"course: {root / 'data' / 'mlsd-spring-2023.yaml'}\n", encoding="utf-8"
    )
    first = _cli("migrate", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert f"created the schema at revision {schema.head()}" in first.stdout
    database = tmp_path / "state" / "course-bot.sqlite3"
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        assert schema.current(connection) == schema.head()
        assert inspect(connection).has_table("delivery")
    engine.dispose()
    second = _cli("migrate", cwd=tmp_path)
    assert second.returncode == 0 and "up to date" in second.stdout


def test_run_on_an_unmigrated_postgres_exits_2_naming_migrate(
    tmp_path: Path, postgres: object
) -> None:
    """`course-bot run` against an empty PostgreSQL database prints one line and exits 2."""
    from tests.support.postgres import PostgresServer

    assert isinstance(postgres, PostgresServer)
    url = postgres.create_database()
    root = Path(__file__).resolve().parent.parent
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.yaml").write_text(
        f"course: {root / 'data' / 'mlsd-spring-2023.yaml'}\n", encoding="utf-8"
    )
    env = {"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_API_URL": "http://127.0.0.1:9"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "COURSE_BOT_DATABASE_URL": url, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "course-bot migrate" in result.stderr and "Traceback" not in result.stderr
    migrated = _cli("migrate", cwd=tmp_path, env_url=url)
    assert migrated.returncode == 0, migrated.stderr
    engine = storage.make_engine(url, migrate=False)
    try:
        schema.require_current(engine)
    finally:
        engine.dispose()
