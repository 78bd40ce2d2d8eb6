"""Settings: the file, COURSE_BOT_<KEY> overrides, defaults, and one-line errors."""

from pathlib import Path

import pytest

from bot.settings import SettingsError, api_url, bot_token, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path, monkeypatch):
    """With no settings file, the embedded defaults apply: SQLite in state/, Tehran time."""
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, environ={})
    assert settings.database_url == "sqlite:///state/course-bot.sqlite3"
    assert settings.timezone == "Asia/Tehran" and settings.admins == []
    assert settings.reminders.quiz == ["1d", "2h"] and settings.reminders.deadline == [
        "3d",
        "1d",
        "3h",
    ]


def test_environment_overrides_every_key(tmp_path):
    """COURSE_BOT_<KEY> overrides the file; lists of admins may be comma-separated."""
    path = write(tmp_path, "admins: [5]\nchannel: '@old'\nflood_limit: 5\n")
    environ = {
        "COURSE_BOT_ADMINS": "1,2",
        "COURSE_BOT_CHANNEL": "-100123",
        "COURSE_BOT_FLOOD_LIMIT": "7",
        "COURSE_BOT_DATABASE_URL": "sqlite:////tmp/x.db",
        "COURSE_BOT_REMINDERS": "{quiz: [30m], digest: false}",
    }
    settings = load_settings(path, environ=environ)
    assert settings.admins == [1, 2]
    assert settings.channel == -100123
    assert settings.flood_limit == 7
    assert settings.database_url == "sqlite:////tmp/x.db"
    assert settings.reminders.quiz == ["30m"] and settings.reminders.digest is False


def test_config_path_from_environment(tmp_path):
    """COURSE_BOT_CONFIG names the settings file when --config is not given."""
    path = write(tmp_path, "channel: '@mlsd'\n")
    assert load_settings(None, environ={"COURSE_BOT_CONFIG": str(path)}).channel == "@mlsd"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("flood_limit: lots\n", "config: flood_limit:"),
        ("admins: [me]\n", "config: admins"),
        ("channel: mlsd\n", "config: channel: give a numeric chat id or an @username"),
        ("timezone: Mars/Olympus\n", "config: timezone: unknown timezone"),
        ("colour: blue\n", "config: colour: unknown key"),
        ("reminders: {quiz: [soon]}\n", "config: reminders: quiz: 'soon' is not an offset"),
        ("course: [\n", "invalid YAML"),
        ("- a list\n", "must be a YAML mapping"),
    ],
)
def test_bad_settings_name_the_key_and_the_problem(tmp_path, text, message):
    """A wrong value is one SettingsError line that names the key."""
    with pytest.raises(SettingsError) as caught:
        load_settings(write(tmp_path, text), environ={})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_named_settings_file_must_exist(tmp_path):
    """--config pointing at nothing is an error, not silent defaults."""
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "missing.yaml", environ={})


def test_token_is_required_and_api_url_defaults_to_telegram():
    """TELEGRAM_BOT_TOKEN must be set; TELEGRAM_API_URL defaults to api.telegram.org."""
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN"):
        bot_token({})
    assert bot_token({"TELEGRAM_BOT_TOKEN": " 1:abc "}).get_secret_value() == "1:abc"
    assert "1:abc" not in repr(bot_token({"TELEGRAM_BOT_TOKEN": "1:abc"}))
    assert api_url({}) == "https://api.telegram.org"
    assert api_url({"TELEGRAM_API_URL": "http://127.0.0.1:9/"}) == "http://127.0.0.1:9"


def test_course_path_falls_back_to_the_settings_folder(tmp_path, monkeypatch):
    """A relative course path is found in the working directory, else beside the settings."""
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "c.yaml").write_text("x", encoding="utf-8")
    path = write(tmp_path / "conf", "course: c.yaml\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings(path, environ={}).course_path() == tmp_path / "conf" / "c.yaml"
