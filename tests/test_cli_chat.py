"""`course-bot ask --explain` and `ask --chat`, run as a real process the way staff run them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.process import run_cli as run

pytestmark = pytest.mark.process

# Before the term: every quiz and deadline is still ahead.
BEFORE_TERM = "1401-11-10T12:00"
QUIZ_4_DATE = "21 Farvardin 1402"
LEAD_TA_EMAIL = "hossein.basafa.hb@gmail.com"
FOLLOW_UP = "follow-up: the same question"
Q3 = "when is quiz 3"


def chat(*lines: str, explain: bool = True) -> list[dict[str, Any]]:
    """Run `ask --chat --json` on ``lines`` and return its records."""
    flags = ["--explain"] if explain else []
    result = run(
        "ask", "--chat", "--json", *flags, "--now", BEFORE_TERM, stdin="\n".join(lines) + "\n"
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_explain_prints_the_query_after_the_answer() -> None:
    """`ask --explain` prints the answer, then a `query: {json}` line with the lookup of quiz 3."""
    result = run("ask", "--explain", "--now", BEFORE_TERM, "when is quiz 3")
    assert result.returncode == 0, result.stderr
    answer, _, query_line = result.stdout.rstrip("\n").rpartition("\n")
    assert "27 Esfand 1401" in answer
    assert query_line.startswith("query: ")
    query = json.loads(query_line.removeprefix("query: "))
    assert query["op"] == "lookup"
    assert query["subject"]["items"] == [{"kind": "quiz", "number": 3}]


def test_explain_prints_one_query_line_per_question_asked() -> None:
    """A message asking two things gets two `query:` lines, a weight and a count."""
    question = "how much is the project worth and how many phases?"
    result = run("ask", "--explain", "--now", BEFORE_TERM, question)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("query: ")]
    ops = [json.loads(line.removeprefix("query: "))["op"] for line in lines]
    assert ops == ["weight", "count"]


def test_json_explain_carries_the_queries_and_plain_json_does_not() -> None:
    """`ask --json --explain` adds a "queries" list to the record; `--json` alone does not."""
    explained = json.loads(run("ask", "--json", "--explain", "--now", BEFORE_TERM, Q3).stdout)
    assert explained["answered"] is True
    assert [q["op"] for q in explained["queries"]] == ["lookup"]
    assert explained["queries"][0]["subject"]["items"] == [{"kind": "quiz", "number": 3}]
    plain = json.loads(run("ask", "--json", "--now", BEFORE_TERM, Q3).stdout)
    assert "queries" not in plain


def test_chat_follows_up_and_a_blank_line_forgets() -> None:
    """In `ask --chat`, "his email?" after "who is the lead TA?" gets the lead TA's email; the
    same message after blank lines starts conversation 2 and asks which one is meant."""
    records = chat("", "who is the lead TA?", "his email?", "", "", "his email?")
    assert [(r["conversation"], r["turn"]) for r in records] == [(1, 1), (1, 2), (2, 1)]
    first, follow_up, alone = records
    assert "Hossein Basafa" in first["text"]
    assert follow_up["answered"] is True and LEAD_TA_EMAIL in follow_up["text"]
    assert alone["answered"] is False and "Which one do you mean?" in alone["text"]
    assert LEAD_TA_EMAIL not in alone["text"]


def test_chat_asks_the_same_question_of_a_new_item_until_a_blank_line() -> None:
    """After "when is quiz 3?", "and quiz 4?" is the same lookup of quiz 4 (21 Farvardin 1402);
    after a blank line it is answered on its own, borrowing nothing."""
    records = chat("when is quiz 3?", "and quiz 4?", "", "and quiz 4?")
    quiz_3, follow_up, alone = records
    assert "27 Esfand 1401" in quiz_3["text"]
    assert QUIZ_4_DATE in follow_up["text"] and "Quiz 3" not in follow_up["text"]
    (query,) = follow_up["queries"]
    assert query["subject"]["items"] == [{"kind": "quiz", "number": 4}]
    assert FOLLOW_UP in query["notes"]
    # Named on its own, quiz 4 is still quiz 4; but the query borrowed nothing.
    assert alone["conversation"] == 2 and QUIZ_4_DATE in alone["text"]
    assert all(FOLLOW_UP not in q.get("notes", []) for q in alone["queries"])


def test_chat_a_new_subject_replaces_the_one_before() -> None:
    """After "when is quiz 3?" then "when is CA2 due?", "and CA3?" asks CA3's deadline (the last
    question), where right after quiz 3 it asks for CA3 as a whole, release first."""
    lines = ("when is quiz 3?", "when is CA2 due?", "and CA3?", "", "when is quiz 3?", "and CA3?")
    records = chat(*lines)
    due = records[2]
    assert due["text"].startswith("CA3 is due Mon 15 Khordad 1402")
    assert due["queries"][0]["attrs"] == ["deadline"]
    after_quiz = records[4]
    assert after_quiz["text"].startswith("CA3 will be released on Mon 1 Khordad 1402")
    assert "attrs" not in after_quiz["queries"][0]


def test_chat_with_a_question_argument_is_a_usage_error() -> None:
    """`ask --chat QUESTION` exits 2 with one line on stderr and no traceback."""
    result = run("ask", "--chat", "when is quiz 3")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--chat" in lines[0] and "stdin" in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""
