"""The course-bot command line, run as a real process the way users and tools run it."""

import json

import pytest

from tests.support.process import ROOT
from tests.support.process import run_cli as run

pytestmark = pytest.mark.process


def test_ask_answers_one_question():
    """`ask QUESTION` prints the answer text."""
    result = run("ask", "--now", "1401-12-01T10:00", "when is quiz 3?")
    assert result.returncode == 0, result.stderr
    assert "27 Esfand 1401" in result.stdout


def test_ask_json_has_answered_text_and_lang():
    """`ask --json` prints one object with answered, text and lang."""
    result = run("ask", "--json", "کوییز ۳ کیه؟")
    record = json.loads(result.stdout)
    assert record["answered"] is True and record["lang"] == "fa"
    assert "اسفند" in record["text"]


def test_ask_batch_mode_answers_each_stdin_line_in_order():
    """Without QUESTION, each stdin line is answered in order, one JSON object per line."""
    questions = ["when is CA2 due", "quiz 9", "who are the TAs", "what is the weather"]
    result = run("ask", "--json", "--now", "2023-04-01T10:00", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in records] == questions
    assert [r["answered"] for r in records] == [True, False, True, False]
    assert "11 Ordibehesht 1402" in records[0]["text"]
    assert "7" in records[1]["text"]


def test_ask_lang_overrides_the_reply_language():
    """`--lang fa` answers an English question in Persian."""
    record = json.loads(run("ask", "--json", "--lang", "fa", "grading").stdout)
    assert record["lang"] == "fa" and "۲۱" in record["text"]


def test_ask_with_a_bad_now_is_one_line_and_exit_2():
    """An unreadable --now is reported in one line with exit code 2, no traceback."""
    result = run("ask", "--now", "yesterday-ish", "next quiz")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "cannot read" in result.stderr


def test_check_passes_on_the_shipped_course():
    """`check` exits 0 on the shipped course file."""
    result = run("check")
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


def test_check_fails_on_a_broken_course(tmp_path):
    """`check FILE` exits 1 and prints file:line errors for a broken file."""
    broken = tmp_path / "broken.yaml"
    text = (ROOT / "data" / "mlsd-spring-2023.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("      - quiz: 6\n", "      - quiz: 4\n"), encoding="utf-8")
    result = run("check", str(broken))
    assert result.returncode == 1
    assert f"{broken}:" in result.stderr and "Quiz 4 appears 2 times" in result.stderr


def test_config_course_key_and_course_flag(tmp_path):
    """The settings' `course` is used, `--course` overrides it, and a missing one exits 2."""
    config = tmp_path / "settings.yaml"
    config.write_text("course: /nonexistent/course.yaml\n", encoding="utf-8")
    missing = run("ask", "--config", str(config), "quiz 1")
    assert missing.returncode == 2 and "cannot read the course file" in missing.stderr
    course = str(ROOT / "data" / "mlsd-spring-2023.yaml")
    found = run("ask", "--config", str(config), "--course", course, "quiz 1")
    assert found.returncode == 0 and "1 Esfand 1401" in found.stdout


def test_config_from_environment_variable_and_missing_file(tmp_path):
    """COURSE_BOT_CONFIG names the settings file; a named file that is missing exits 2."""
    result = run("ask", "quiz 1", env={"COURSE_BOT_CONFIG": str(tmp_path / "none.yaml")})
    assert result.returncode == 2 and "does not exist" in result.stderr


def test_works_from_another_directory_with_explicit_config(tmp_path):
    """Run outside the checkout, the config's relative course path resolves beside the config."""
    (tmp_path / "cfg").mkdir()
    config = tmp_path / "cfg" / "settings.yaml"
    (tmp_path / "cfg" / "course.yaml").write_text(
        (ROOT / "data" / "mlsd-spring-2023.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    config.write_text("course: course.yaml\n", encoding="utf-8")
    result = run("ask", "--config", str(config), "where is the class", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "A22" in result.stdout


def test_schedule_lists_events_between_dates_as_json():
    """`schedule --from --to --json` lists the events in range with ISO times and offsets."""
    result = run("schedule", "--from", "1401-12-27", "--to", "1401-12-29", "--json")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["key"] for r in records] == ["class:2023-03-18", "quiz:quiz-3", "deadline:ca-1"]
    assert records[2]["at"] == "2023-03-20T23:59:00+03:30"


@pytest.mark.parametrize("command", ["ask", "schedule", "check", "run"])
def test_every_subcommand_takes_config(command):
    """Every subcommand accepts --config."""
    result = run(command, "--help")
    assert result.returncode == 0 and "--config" in result.stdout
