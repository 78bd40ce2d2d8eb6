"""Settings from ``config/settings.yaml`` or ``--config``, overridden by ``COURSE_BOT_<KEY>``."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.core.planning.reminders import PlanSettings, parse_offset

DEFAULT_CONFIG = Path("config/settings.yaml")
DEFAULT_COURSE = Path("data/mlsd-spring-2023.yaml")
DEFAULT_DATABASE_URL = "sqlite:///state/course-bot.sqlite3"
DEFAULT_API_URL = "https://api.telegram.org"
ENV_PREFIX = "COURSE_BOT_"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
POSTGRES_EXTRA = "pip install 'mlsd-course-bot[postgres]'"
# What @BotFather hands out: the bot's numeric id, a colon, then letters, digits, - and _.
_TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]+")


class SettingsError(Exception):
    """Configuration that cannot be used; the message names the key and the problem."""


class ReminderSettings(BaseModel):
    """When reminders go out: offsets before each kind of event, the digest, the grace period."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quiz: list[str] = Field(default_factory=lambda: ["1d", "2h"])
    deadline: list[str] = Field(default_factory=lambda: ["3d", "1d", "3h"])
    release: list[str] = Field(default_factory=lambda: ["0m"])
    workshop: list[str] = Field(default_factory=lambda: ["1d", "1h"])
    digest: str | bool | None = "saturday 08:00"
    # How late a reminder may go out and still count as on time (after a restart, a busy
    # loop); later than this it is marked late, and after its event it is skipped.
    grace: str = "10m"
    enabled: bool = True

    @field_validator("quiz", "deadline", "release", "workshop", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        if value is None or value is False:
            return []
        if isinstance(value, str | int):
            return [str(value)]
        if isinstance(value, list):
            return [str(v) for v in value]
        return value

    @model_validator(mode="after")
    def _readable(self) -> ReminderSettings:
        self.plan_settings(channel=False)
        parse_offset(self.grace)
        return self

    def plan_settings(self, *, channel: bool) -> PlanSettings:
        """Return the parsed settings the planner works with."""
        offsets = {
            "quiz": self.quiz,
            "deadline": self.deadline,
            "release": self.release,
            "workshop": self.workshop,
        }
        return PlanSettings.parse(offsets, self.digest if self.enabled else None, channel=channel)

    @property
    def grace_period(self) -> timedelta:
        """Return the on-time grace period."""
        return parse_offset(self.grace)

    def alarm_offsets(self) -> dict[str, tuple[timedelta, ...]]:
        """Return the reminder offsets per event kind, for calendar alarms (none if disabled)."""
        if not self.enabled:
            return {}
        parsed = self.plan_settings(channel=False).offsets
        return {kind: tuple(offsets) for kind, offsets in parsed.items()}


class WebSettings(BaseModel):
    """The web side: calendar feed, schedule page and (with --webhook) Telegram's updates."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    listen: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    # What links in messages point to, e.g. https://mlsd.example.org (behind a proxy).
    public_url: str | None = None

    @field_validator("public_url")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("give an absolute http:// or https:// URL")
        return value


class Settings(BaseModel):
    """Everything the bot and the CLI are configured with, except the token."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    course: Path = DEFAULT_COURSE
    channel: int | str | None = None
    channel_language: Literal["en", "fa"] = "fa"
    admins: list[int] = Field(default_factory=list)
    # The course staff's Telegram group (its numeric id): questions the bot cannot answer go
    # there with one tap, and the staff's replies come back. None: all of that is off.
    staff_chat: int | None = None
    database_url: str = DEFAULT_DATABASE_URL
    timezone: str = "Asia/Tehran"
    reminders: ReminderSettings = Field(default_factory=ReminderSettings)
    flood_limit: int = Field(
        default=30, ge=1, description="Messages a user may send at once, refilled per minute"
    )
    log_level: str = "INFO"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    web: WebSettings | None = None
    # Where this file was read from; relative paths are resolved against it.
    source: Path | None = Field(default=None, exclude=True)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.strip().upper() not in LOG_LEVELS:
            raise ValueError(f"{value!r} is not a log level; use one of {', '.join(LOG_LEVELS)}")
        return value.strip().upper()

    @field_validator("channel")
    @classmethod
    def _channel_form(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, str):
            value = value.strip()
            if value.lstrip("-").isdigit():
                return int(value)
            if not value.startswith("@"):
                raise ValueError("give a numeric chat id or an @username")
        return value

    @field_validator("staff_chat", mode="before")
    @classmethod
    def _staff_chat_id(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError("give the numeric id of the staff group, e.g. -1001234567890")
        return value

    @property
    def tz(self) -> ZoneInfo:
        """Return the course's timezone."""
        return ZoneInfo(self.timezone)

    def course_path(self) -> Path:
        """Return the course file, resolved like every relative path in the settings."""
        return resolve_path(self.course, self.source)


def resolve_path(path: Path, config_file: Path | None) -> Path:
    """Resolve a relative path against the working directory, else the config file's folder."""
    if path.is_absolute() or path.exists() or config_file is None:
        return path
    beside = config_file.parent / path
    return beside if beside.exists() else path


def config_path(
    explicit: str | os.PathLike[str] | None, environ: Mapping[str, str] | None = None
) -> tuple[Path, bool]:
    """Return the settings file to read and whether the user named it."""
    if explicit:
        return Path(explicit), True
    from_env = (os.environ if environ is None else environ).get("COURSE_BOT_CONFIG")
    if from_env:
        return Path(from_env), True
    return DEFAULT_CONFIG, False


def load_settings(
    explicit: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Read the settings file, apply environment overrides, then ``overrides``; validate all."""
    environ = os.environ if environ is None else environ
    path, named = config_path(explicit, environ)
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path}: cannot read the settings file: {exc}") from exc
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark else str(path)
            raise SettingsError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise SettingsError(f"{path}: the settings file must be a YAML mapping")
        raw = dict(loaded or {})
    elif named:
        raise SettingsError(f"config: settings file {path} does not exist")
    raw.update(_from_environment(environ))
    for internal in ("source", "config"):
        # Set by the program itself (where the settings came from), never by the user.
        if internal in raw:
            raise SettingsError(f"config: {internal}: unknown key")
    raw.update({key: value for key, value in overrides.items() if value is not None})
    raw.pop("config", None)
    try:
        return Settings.model_validate({**raw, "source": path if path.exists() else None})
    except ValidationError as exc:
        first = exc.errors()[0]
        # A union's member type ("channel.int") is not a key the user wrote; keep the keys.
        parts = [str(part) for part in first["loc"] if str(part) not in _TYPE_NAMES]
        key = ".".join(parts) or "settings"
        message = (
            "unknown key"
            if first["type"] == "extra_forbidden"
            else str(first["msg"]).removeprefix("Value error, ")
        )
        if parts[:1] == ["channel"]:
            message = "give a numeric chat id or an @username"
        if parts[:1] == ["staff_chat"]:
            message = "give the numeric id of the staff group, e.g. -1001234567890"
        raise SettingsError(f"config: {key}: {message}") from exc


_TYPE_NAMES = {
    "int",
    "str",
    "bool",
    "float",
    "list[str]",
    "list[int]",
    "function-after",
    "WebSettings",
}


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, text in environ.items():
        if not name.startswith(ENV_PREFIX) or name == "COURSE_BOT_CONFIG":
            continue
        key = name[len(ENV_PREFIX) :].lower()
        values[key] = _parse_env_value(key, text)
    return values


def _parse_env_value(key: str, text: str) -> Any:
    if key == "admins":
        # "1,2" and "[1, 2]" both name a list of ids.
        stripped = text.strip()
        if stripped.startswith("["):
            return _yaml_value(key, stripped)
        return [part.strip() for part in stripped.split(",") if part.strip()]
    if key in (
        "course",
        "database_url",
        "timezone",
        "log_level",
        "webhook_url",
        "webhook_listen",
        "channel",
        "channel_language",
        "staff_chat",
    ):
        return text
    return _yaml_value(key, text)


def _yaml_value(key: str, text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        # The parser's own message spans several lines and quotes the input; one line will do.
        problem = " ".join(str(getattr(exc, "problem", None) or "not valid YAML").split())
        raise SettingsError(
            f"config: {key}: cannot read {ENV_PREFIX}{key.upper()}={text!r}: {problem}"
        ) from exc


def bot_token(environ: Mapping[str, str] | None = None) -> SecretStr:
    """Return TELEGRAM_BOT_TOKEN, or raise SettingsError when it is missing."""
    environ = os.environ if environ is None else environ
    token = environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        raise SettingsError("TELEGRAM_BOT_TOKEN: not set; get a token from @BotFather")
    # Never quote the token itself: this message goes to the terminal and to logs.
    if any(c.isspace() for c in token):
        raise SettingsError(
            "TELEGRAM_BOT_TOKEN: contains a space or line break; paste it exactly as @BotFather "
            "gave it"
        )
    if not _TOKEN_SHAPE.fullmatch(token):
        raise SettingsError(
            "TELEGRAM_BOT_TOKEN: does not look like a bot token (digits, a colon, then letters, "
            "digits, - or _); paste it exactly as @BotFather gave it"
        )
    return SecretStr(token)


def api_url(environ: Mapping[str, str] | None = None) -> str:
    """Return TELEGRAM_API_URL without a trailing slash; SettingsError unless absolute http(s)."""
    environ = os.environ if environ is None else environ
    given = environ.get("TELEGRAM_API_URL") or DEFAULT_API_URL
    url = given.strip().rstrip("/")
    parts = urlsplit(url)
    # Checked here, before any call: the start-up retry loop would otherwise retry it forever.
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(
            f"TELEGRAM_API_URL: {given!r} is not an absolute http:// or https:// URL "
            f"(the default is {DEFAULT_API_URL})"
        )
    return url


def check_database_url(url: str) -> None:
    """Raise SettingsError unless ``url`` is a database URL whose driver is installed."""
    # Imported here: SQLAlchemy costs a fifth of a second, and `ask` never needs it.
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        dialect = make_url(url).get_dialect()
    except ArgumentError as exc:
        raise SettingsError(f"config: database_url: {url!r} is not a database URL") from exc
    except NoSuchModuleError as exc:
        raise SettingsError(f"config: database_url: unknown database in {url!r}") from exc
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        if dialect.name == "postgresql":
            hint = f"{POSTGRES_EXTRA} and write the URL as postgresql+psycopg://…"
        else:
            hint = "install it or pick another driver"
        raise SettingsError(
            f"config: database_url: the {dialect.name} driver {dialect.driver!r} is not "
            f"installed; {hint}"
        ) from exc
