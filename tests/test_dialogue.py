"""Follow-ups across messages: what a context remembers, how long, and which messages lean on
it and which start a topic of their own."""

from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.answering import cues
from bot.core.answering.dialogue import FOLLOW_UP_WINDOW, Context
from bot.core.answering.engine import Engine
from bot.core.course.loader import load_course
from bot.core.lang.calendar import parse_when
from bot.core.lang.text import normalize

COURSE_FILE = Path(__file__).resolve().parents[1] / "data" / "mlsd-spring-2023.yaml"
BEFORE_TERM = parse_when("1401-11-10T12:00")
IN_TERM = parse_when("1402-03-01T10:00")


@pytest.fixture(scope="module")
def engine():
    return Engine(load_course(COURSE_FILE))


def talk(engine, *messages, now=BEFORE_TERM, gap=timedelta(minutes=1)):
    """Send messages one after another as one student; return the answers."""
    answers, context = [], None
    for index, message in enumerate(messages):
        answer = engine.answer(message, now + index * gap, context=context)
        answers.append(answer)
        context = answer.context
    return answers


def test_a_context_is_plain_data(engine):
    """A context survives JSON-ready data and back, so the database can keep it."""
    answer = talk(engine, "if I submit CA3 2 days late, until when?", now=IN_TERM)[-1]
    context = answer.context
    assert context is not None and context.moment is not None
    assert Context.from_dict(context.to_dict()) == context


def test_a_context_is_fresh_for_ten_minutes(engine):
    """Within the follow-up window a message may lean on the context; after it, not."""
    context = talk(engine, "when is quiz 3?")[-1].context
    assert context is not None
    assert context.fresh(context.at + FOLLOW_UP_WINDOW - timedelta(seconds=1))
    assert not context.fresh(context.at + FOLLOW_UP_WINDOW + timedelta(seconds=1))


@pytest.mark.parametrize(
    ("messages", "wanted"),
    [
        (("when is quiz 3?", "and quiz 4?"), "21 Farvardin 1402"),
        (("who is the lead TA?", "his email?"), "hossein.basafa.hb@gmail.com"),
        (("TA asli kie?", "emailesh chie?"), "hossein.basafa.hb@gmail.com"),
        (("when is CA2 released?", "when is it due?"), "11 Ordibehesht 1402"),
        (("when is quiz 4?", "how many days after quiz 3 is that?"), "23"),
        (("کوییز ۳ کیه؟", "بعدیش چی؟"), "21 فروردین 1402"),
        (("who is the lead TA?", "how many other TAs are there?"), "5"),
    ],
)
def test_a_follow_up_borrows_the_subject_before_it(engine, messages, wanted):
    """A message with no subject of its own is asked of the previous question's subject."""
    answer = talk(engine, *messages)[-1]
    assert answer.answered and normalize(wanted) in normalize(answer.text), answer.text


@pytest.mark.parametrize(
    ("messages", "not_wanted"),
    [
        # A topic of its own, even a short one.
        (("when is quiz 3?", "grading?"), "27 Esfand"),
        (("when is quiz 3?", "and what's the Quera link?"), "27 Esfand"),
        # Words the course knows nothing of ask something new.
        (("when is quiz 3?", "is there a party?"), "27 Esfand"),
        (("when is quiz 3?", "is it hard?"), "27 Esfand"),
        # A thank-you asks nothing.
        (("when is quiz 3?", "ok thanks"), "27 Esfand"),
    ],
)
def test_a_new_topic_never_borrows(engine, messages, not_wanted):
    """A message that names its own topic, or that the course knows nothing of, or that only
    thanks, is answered for itself."""
    answer = talk(engine, *messages)[-1]
    assert not_wanted not in answer.text, answer.text


def test_an_expired_context_is_not_borrowed(engine):
    """Eleven minutes after "who is the lead TA?", "his email?" no longer knows whose."""
    fresh = talk(engine, "who is the lead TA?", "his email?", gap=timedelta(minutes=9))[-1]
    stale = talk(engine, "who is the lead TA?", "his email?", gap=timedelta(minutes=11))[-1]
    assert "hossein.basafa.hb@gmail.com" in fresh.text
    assert not stale.answered and "hossein.basafa.hb@gmail.com" not in stale.text


def test_a_pronoun_with_nothing_before_it_asks_which_one(engine):
    """ "When is it due?" as a first message asks which one is meant instead of guessing."""
    answer = talk(engine, "when is it due?")[-1]
    assert not answer.answered and "Which one" in answer.text


def test_the_same_question_of_several_subjects_adds_them_up(engine):
    """After the quizzes' and the final's weights, "their sum" is both together: 6 of 21."""
    answers = talk(engine, "how much are the quizzes worth?", "and the final?", "their sum?")
    assert "6" in answers[-1].text and "21" in answers[-1].text, answers[-1].text


def test_that_after_a_worked_out_moment_is_that_moment(engine):
    """The weekday of "that" after the latest moment for CA2 is that moment's, not CA2's."""
    answers = talk(
        engine, "when is CA2 due?", "and if I take the full 5 late days?", "what weekday is that"
    )
    assert "Saturday" in answers[-1].text, answers[-1].text


def test_finglish_follow_ups_stay_in_persian(engine):
    """A Finglish follow-up is read in Persian script with the subject put in, and answered
    in Persian."""
    answers = talk(engine, "quize ba'di kei e?", "ba'd az oon?", now=parse_when("1402-01-10T10:00"))
    assert answers[-1].lang == "fa"
    assert "11 اردیبهشت 1402" in normalize(answers[-1].text)


@pytest.mark.parametrize(
    ("text", "moment"),
    [("what weekday is that", True), ("when is it due", False), ("اون روز چی داریم", True)],
)
def test_a_demonstrative_points_at_a_moment_and_a_pronoun_at_a_thing(engine, text, moment):
    """ "That" points at the moment just worked out; "it" at the thing asked about."""
    q = engine.parser.read(text, BEFORE_TERM)
    assert cues.points_at_moment(q) is moment


def test_strange_words_outvoting_the_known_ones_make_a_topic(engine):
    """Words no part of the engine knows, outnumbering those it does, mark a new topic."""
    party = engine.parser.read("is there a party?", BEFORE_TERM)
    late = engine.parser.read("and if I take the full 5 late days?", BEFORE_TERM)
    assert cues.strange_topic(party, engine.parser.strange_words(party))
    assert not cues.strange_topic(late, engine.parser.strange_words(late))
