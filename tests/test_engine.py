"""The answering engine: the question set, and behaviours every answer must keep."""

from collections import Counter
from pathlib import Path

import pytest

from bot.core.answering.engine import Engine
from bot.core.course.loader import load_course
from bot.core.lang.calendar import parse_when
from bot.core.lang.detect import detect_language
from bot.core.lang.text import normalize
from tests.questions import QUESTIONS, judge, judge_conversations, load_cases, load_conversations

COURSE = Path(__file__).resolve().parents[1] / "data" / "mlsd-spring-2023.yaml"
BEFORE_TERM = parse_when("1401-11-10T12:00")


@pytest.fixture(scope="module")
def engine():
    return Engine(load_course(COURSE))


def ask(engine, question, now=BEFORE_TERM, lang=None):
    return engine.answer(question, now, lang)


@pytest.mark.parametrize(
    ("name", "minimum"),
    [
        # The first set: short questions in both languages, paraphrases, typos, now-relative.
        ("questions.yaml", 200),
        # A second set written separately: long, chatty, multi-part questions.
        ("questions_chatty.yaml", 150),
        # Sets written from the syllabus alone by authors who never saw the engine, with
        # Finglish, out-of-scope questions and clocks before, during and after the term.
        ("questions_blind.yaml", 200),
        ("questions_blind_b.yaml", 200),
        ("questions_blind_c.yaml", 200),
        ("questions_blind_d.yaml", 200),
        ("questions_blind_e.yaml", 200),
        ("questions_blind_f.yaml", 200),
        ("questions_blind_g.yaml", 200),
        # Reasoning and conversational questions, written the same way: what-ifs, late-policy
        # arithmetic, lengths of time, filtered counts, long messages, attributes the
        # syllabus lacks.
        ("questions_blind_h.yaml", 200),
        ("questions_blind_i.yaml", 200),
        ("questions_blind_k.yaml", 200),
        ("questions_blind_l.yaml", 200),
    ],
)
def test_question_set_accuracy(engine, name, minimum):
    """Each written question set is answered with all its facts at 97% or better."""
    cases = load_cases(QUESTIONS.parent / name)
    assert len(cases) >= minimum
    assert Counter(detect_language(c.question) for c in cases)["fa"] >= minimum // 2
    failed = [
        f"{case.question!r}: {problems}" for case, _, problems in judge(engine, cases) if problems
    ]
    accuracy = 1 - len(failed) / len(cases)
    assert accuracy >= 0.97, f"{accuracy:.1%}\n" + "\n".join(failed)


@pytest.mark.parametrize(
    "name",
    [
        "conversations_blind_a.yaml",
        "conversations_blind_b.yaml",
        "conversations_blind_d.yaml",
        "conversations_blind_e.yaml",
    ],
)
def test_conversation_set_accuracy(engine, name):
    """Each written set of short conversations is answered turn by turn, each turn leaning on
    the ones before it, with every turn right in 97% of the conversations or better."""
    conversations = load_conversations(QUESTIONS.parent / name)
    assert len(conversations) >= 40
    failed = [
        " → ".join(f"{case.question!r}{problems or ''}" for case, _, problems in turns)
        for _, turns in judge_conversations(engine, conversations)
        if any(problems for _, _, problems in turns)
    ]
    accuracy = 1 - len(failed) / len(conversations)
    assert accuracy >= 0.97, f"{accuracy:.1%}\n" + "\n".join(failed)


# The newest sets written from the syllabus alone, kept apart: they measure how the engine
# does on questions nobody tuned it to, so they hold a floor against regressions, not 97%.
@pytest.mark.parametrize(
    ("name", "floor"),
    [("questions_blind_m.yaml", 0.85), ("conversations_blind_f.yaml", 0.85)],
)
def test_held_out_sets_do_not_regress(engine, name, floor):
    """The held-out sets score at least what they scored when last measured."""
    path = QUESTIONS.parent / "held_out" / name
    if name.startswith("conversations"):
        judged = judge_conversations(engine, load_conversations(path))
        right = [all(not problems for _, _, problems in turns) for _, turns in judged]
    else:
        right = [not problems for _, _, problems in judge(engine, load_cases(path))]
    assert sum(right) / len(right) >= floor


@pytest.mark.parametrize(
    "question",
    ["quiz 3", "third quiz", "quiz3", "کوییز سوم", "کوییز ۳", "كوييز ٣", "3rd quiz", "Quiz-3"],
)
def test_quiz_named_in_any_form(engine, question):
    """Every way of naming quiz 3 finds it."""
    answer = ask(engine, question)
    assert answer.answered and answer.used == ("quiz-3",)


@pytest.mark.parametrize(
    ("question", "item"),
    [
        ("CA2", "ca-2"),
        ("homework 2", "ca-2"),
        ("assignment two", "ca-2"),
        ("hw2 deadline", "ca-2"),
        ("project phase 1", "project-1"),
        ("phase two of the project", "project-2"),
        ("ph3", "project-3"),
        ("فاز دوم پروژه", "project-2"),
        ("تمرین سوم", "ca-3"),
        ("mlflow workshop", "workshop-mlflow"),
    ],
)
def test_items_named_in_any_form(engine, question, item):
    """Assignments, phases and workshops are found by any of their names."""
    answer = ask(engine, question)
    assert answer.used == (item,), answer


def test_item_answers_switch_to_past_tense_after_the_event(engine):
    """Before quiz 2 it 'is on'; after it, it 'was held'."""
    before = ask(engine, "when is quiz 2", parse_when("1401-12-01T10:00"))
    after = ask(engine, "when is quiz 2", parse_when("1401-12-09T10:00"))
    assert "is on" in before.text and "was held" in after.text
    assert "8 Esfand 1401" in before.text and "8 Esfand 1401" in after.text


@pytest.mark.parametrize(
    ("question", "count"),
    [("when is quiz 9", "7"), ("CA5 deadline", "3"), ("project phase 4", "3"), ("کوییز ۸", "۷")],
)
def test_nonexistent_items_get_the_real_count_and_no_date(engine, question, count):
    """An item that does not exist is declined with how many there are, never with a date."""
    answer = ask(engine, question)
    assert not answer.answered
    assert count in answer.text
    assert not any(month in answer.text for month in ("Esfand", "Farvardin", "اسفند", "1401"))


def test_reply_language_follows_the_question_unless_told(engine):
    """Persian questions get Persian replies, English English, and --lang overrides both."""
    assert ask(engine, "کوییز ۳ کیه").lang == "fa"
    assert ask(engine, "when is quiz 3").lang == "en"
    forced = ask(engine, "when is quiz 3", lang="fa")
    assert forced.lang == "fa" and "اسفند" in forced.text


def test_next_quiz_is_relative_to_now(engine):
    """'Next quiz' moves with now: after quiz 3 it is quiz 4."""
    answer = ask(engine, "when is the next quiz?", parse_when("1401-12-28T10:00"))
    assert answer.used == ("quiz-4",) and "21 Farvardin 1402" in answer.text


def test_due_this_week_lists_only_deadlines_in_the_week(engine):
    """'What's due this week' on Sat 27 Esfand lists CA1 due on 29 Esfand."""
    answer = ask(engine, "what's due this week", parse_when("1401-12-27T09:00"))
    assert answer.used == ("ca-1",)
    assert "29 Esfand 1401" in answer.text and "Quiz" not in answer.text


def test_today_with_nothing_scheduled_points_to_the_next_event(engine):
    """A free day says so and names what comes next."""
    answer = ask(engine, "anything today?", parse_when("1401-12-02T09:00"))
    assert answer.answered and "Nothing is scheduled today" in answer.text
    assert "6 Esfand" not in answer.text or "Quiz" in answer.text or "Class" in answer.text


def test_after_the_term_there_is_no_next_quiz(engine):
    """After the last quiz the engine says there are no more, instead of inventing one."""
    answer = ask(engine, "next quiz", parse_when("1402-05-01T09:00"))
    assert answer.answered and "no more quizzes" in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "what's the weather in Tehran tomorrow?",
        "tell me a joke",
        "هوای تهران فردا چطوره؟",
        "",
        "???",
    ],
)
def test_out_of_scope_questions_are_declined_helpfully(engine, question):
    """Out-of-scope questions get answered=false with what the bot can do and where to ask."""
    answer = ask(engine, question)
    assert not answer.answered
    assert "quera.org/course/13002" in answer.text


def test_typos_and_informal_phrasing_are_tolerated(engine):
    """Misspelt words still reach the right entry."""
    assert ask(engine, "gradeing sceme?").used == ("faq:grading",)
    assert ask(engine, "whens the dealine for asignment 1").used == ("ca-1",)


def test_persian_normalisation_variants_reach_the_same_answer(engine):
    """Arabic letters, ZWNJ and Arabic-Indic digits don't change the answer."""
    variants = [
        "تمرین‌ها رو کجا باید بفرستیم؟",
        "تمرينها رو كجا بايد بفرستيم",
        "تمرین ها رو کجا باید بفرستیم",
    ]
    answers = {ask(engine, v).used for v in variants}
    assert answers == {("faq:quera",)}


def test_answers_never_mention_a_final_exam_date(engine):
    """The final exam date is announced in Edu; the engine must not invent one."""
    answer = ask(engine, "when is the final exam?")
    assert "Edu" in answer.text
    assert not any(m in normalize(answer.text) for m in ("tir", "khordad", "1402"))


def test_chatty_context_around_next_does_not_hide_the_question(engine):
    """'I was sick yesterday, when's the next quiz?' answers the next quiz, not yesterday."""
    answer = ask(
        engine,
        "I was sick yesterday and missed class, when's the next quiz?",
        parse_when("1401-12-02T10:00"),
    )
    assert answer.used == ("quiz-2",) and "8 Esfand 1401" in answer.text


def test_a_month_name_asks_about_that_month(engine):
    """'Quizzes in Esfand' lists the Esfand quizzes and nothing else."""
    answer = ask(engine, "کوییزای اسفند کیا هستن؟")
    assert answer.used == ("quiz-1", "quiz-2", "quiz-3")


def test_listed_numbers_name_several_items(engine):
    """'Quiz 6 and 7' answers both quizzes."""
    assert ask(engine, "when are quiz 6 and 7").used == ("quiz-6", "quiz-7")


def test_whats_left_lists_every_remaining_deadline(engine):
    """'What's left to submit' lists the deadlines still ahead, in order."""
    answer = ask(engine, "what's left to submit?", parse_when("1402-03-02T10:00"))
    assert answer.used == ("project-2", "ca-3", "project-3") or answer.used == ("ca-3", "project-3")
    assert "10 Tir 1402" in answer.text


def test_requests_to_do_homework_are_declined(engine):
    """Asking the bot to write a solution is declined, not answered with the item's dates."""
    assert not ask(engine, "can you write the code for CA2 for me").answered
    assert not ask(engine, "کد تمرین دوم رو برام بنویس").answered


def test_topics_the_syllabus_does_not_cover_are_declined_with_a_pointer(engine):
    """Prerequisites or attendance get answered=false and where to ask, never a guess."""
    for question in ("what are the prerequisites for this course?", "حضور و غیاب داره؟"):
        answer = ask(engine, question)
        assert not answer.answered and "quera.org/course/13002" in answer.text
        assert answer.used == ("faq:not-in-syllabus",)


def test_a_second_topic_beside_an_item_is_answered_too(engine):
    """'Can I submit CA1 late?' gives CA1's deadline and the late policy."""
    answer = ask(engine, "Can I submit CA1 late?")
    assert answer.used == ("ca-1", "faq:late-policy")
    assert "29 Esfand 1401" in answer.text and "0.5%" in answer.text


def test_greetings_get_a_friendly_pointer(engine):
    """A bare greeting is welcomed with what to ask, in the greeting's language."""
    assert "quiz" in ask(engine, "hi").text
    assert ask(engine, "سلام").lang == "fa"
