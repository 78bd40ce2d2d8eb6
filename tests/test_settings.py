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
        "COURSE_BOT_STAFF_CHAT": "-100555",
    }
    settings = load_settings(path, environ=environ)
    assert settings.admins == [1, 2]
    assert settings.staff_chat == -100555
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
        ("staff_chat: '@staff'\n", "config: staff_chat: give the numeric id of the staff group"),
        ("staff_chat: true\n", "config: staff_chat: give the numeric id of the staff group"),
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


def test_config_flag_beats_the_environment_which_beats_the_default_file(tmp_path, monkeypatch):
    """--config wins over COURSE_BOT_CONFIG, which wins over config/settings.yaml here."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.yaml").write_text("flood_limit: 4\n", encoding="utf-8")
    from_env = tmp_path / "env.yaml"
    from_env.write_text("flood_limit: 5\n", encoding="utf-8")
    flag = tmp_path / "flag.yaml"
    flag.write_text("flood_limit: 6\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    environ = {"COURSE_BOT_CONFIG": str(from_env)}
    assert load_settings(flag, environ=environ).flood_limit == 6
    assert load_settings(None, environ=environ).flood_limit == 5
    assert load_settings(None, environ={}).flood_limit == 4


def test_environment_beats_the_file_which_beats_the_default(tmp_path):
    """Per key: COURSE_BOT_<KEY> over the file's value over the embedded default."""
    path = write(tmp_path, "flood_limit: 4\nchannel_language: en\n")
    settings = load_settings(path, environ={"COURSE_BOT_FLOOD_LIMIT": "9"})
    assert settings.flood_limit == 9
    assert settings.channel_language == "en"
    assert settings.timezone == "Asia/Tehran"


def test_an_environment_mapping_replaces_the_files_whole(tmp_path):
    """COURSE_BOT_REMINDERS replaces the file's `reminders`; the two are not merged."""
    path = write(tmp_path, "reminders: {enabled: false, quiz: [3h], deadline: [2d]}\n")
    reminders = load_settings(path, environ={"COURSE_BOT_REMINDERS": "{quiz: [1d]}"}).reminders
    assert reminders.quiz == ["1d"]
    assert reminders.enabled is True
    assert reminders.deadline == ["3d", "1d", "3h"]


def test_environment_values_are_read_as_yaml_except_text_keys(tmp_path):
    """Lists, mappings, numbers and booleans come as YAML; `@channel` and URLs stay as written."""
    environ = {
        "COURSE_BOT_ADMINS": "[1, 2]",
        "COURSE_BOT_WEB": "{listen: 127.0.0.1, port: 9}",
        "COURSE_BOT_REMINDERS": "{enabled: false}",
        "COURSE_BOT_WEBHOOK_PORT": "8000",
        "COURSE_BOT_CHANNEL": "@mlsd_channel",
        "COURSE_BOT_DATABASE_URL": "sqlite:///state/a: b.db",
        "COURSE_BOT_WEBHOOK_LISTEN": "::",
    }
    settings = load_settings(write(tmp_path, ""), environ=environ)
    assert settings.admins == [1, 2]
    assert settings.web is not None and (settings.web.listen, settings.web.port) == ("127.0.0.1", 9)
    assert settings.reminders.enabled is False
    assert settings.webhook_port == 8000
    assert settings.channel == "@mlsd_channel"
    assert settings.database_url == "sqlite:///state/a: b.db"
    assert settings.webhook_listen == "::"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"COURSE_BOT_COLOUR": "blue"}, "config: colour: unknown key"),
        ({"COURSE_BOT_SOURCE": "x.yaml"}, "config: source: unknown key"),
        ({"COURSE_BOT_ADMINS": "1,x"}, "config: admins.1: Input should be a valid integer"),
        ({"COURSE_BOT_CHANNEL": "mlsd"}, "config: channel: give a numeric chat id or an @username"),
        (
            {"COURSE_BOT_STAFF_CHAT": "@staff"},
            "config: staff_chat: give the numeric id of the staff group",
        ),
        (
            {"COURSE_BOT_REMINDERS": "{quiz: [soon]}"},
            "config: reminders: quiz: 'soon' is not an offset",
        ),
        ({"COURSE_BOT_REMINDERS": "{colour: 1}"}, "config: reminders.colour: unknown key"),
        (
            {"COURSE_BOT_WEB": "{port: 1"},
            "config: web: cannot read COURSE_BOT_WEB='{port: 1': expected ',' or '}'",
        ),
    ],
)
def test_bad_environment_values_name_the_key(tmp_path, environ, message):
    """A wrong COURSE_BOT_<KEY> value is one SettingsError line naming the key, as for the file."""
    with pytest.raises(SettingsError) as caught:
        load_settings(write(tmp_path, ""), environ=environ)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("token", ["123456:ABC DEF", "123456:ABC\nDEF", "123456:ABC!DEF", "DEF"])
def test_a_bad_token_is_refused_without_quoting_it(token):
    """A malformed TELEGRAM_BOT_TOKEN is refused in one line that never contains the token."""
    with pytest.raises(SettingsError) as caught:
        bot_token({"TELEGRAM_BOT_TOKEN": token})
    message = str(caught.value)
    assert message.startswith("TELEGRAM_BOT_TOKEN: ")
    assert "DEF" not in message and "\n" not in message


@pytest.mark.parametrize("key", ["source", "config"])
def test_the_programs_own_keys_are_unknown_in_the_file(tmp_path, key):
    """Where the settings came from is the program's to say: a file naming it is refused."""
    with pytest.raises(SettingsError, match=f"^config: {key}: unknown key$"):
        load_settings(write(tmp_path, f"{key}: other.yaml\n"), environ={})
