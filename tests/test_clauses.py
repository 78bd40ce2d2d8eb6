"""Messages to the parts that ask: clauses, the question a long message announces, and the
telling around a question."""

import pytest

from bot.core.answering.clauses import announced, core_of, split_clauses
from bot.core.lang.text import normalize


@pytest.mark.parametrize(
    ("message", "asking"),
    [
        (
            "I've been reading Chip Huyen's book and the Kleppmann one on the side, both great. "
            "My question is boring logistics though: which room is the class in?",
            "which room is the class in?",
        ),
        (
            "I was sick for most of Farvardin and missed the quiz on 21 Farvardin. I'm not "
            "asking about a make-up. Question: when does project phase 2 get released?",
            "when does project phase 2 get released?",
        ),
        (
            "my laptop died while I was working on CA1 and I lost a week of work, but that's "
            "not my question. who's the lead TA?",
            "who's the lead TA?",
        ),
        (
            "ترم قبل یادگیری ماشین رو با یه استاد دیگه گذروندم و خیلی سخت بود، سوالم اینه که "
            "کوییز ۳ کیه؟",
            "کوییز ۳ کیه؟",
        ),
    ],
)
def test_a_long_message_announces_its_question(message, asking):
    """After telling, "my question is …" or "question:" says where the asking is."""
    core = announced(message)
    assert core is not None
    assert core.asking == normalize(asking)  # read as the engine reads it
    assert core.context


@pytest.mark.parametrize(
    "message",
    [
        "question: when is quiz 3?",  # nothing told before it
        "what's the question format of the final exam?",
        "I have a question",  # nothing asked after it
        "I was sick and missed a lot of classes this term, my question",
    ],
)
def test_a_short_or_plain_message_announces_nothing(message):
    assert announced(message) is None


def test_the_question_after_telling_is_the_core():
    """ "I missed class yesterday. What did we cover?": the asking, and the telling it leans on."""
    core = core_of("I missed the class yesterday. What was covered?")
    assert core is not None
    assert core.asking == "What was covered?"
    assert core.context == "I missed the class yesterday."


@pytest.mark.parametrize(
    ("message", "clauses"),
    [
        ("when is quiz 3 and when is CA2 due?", ["when is quiz 3", "when is CA2 due"]),
        # Setting something aside is part of the question after it.
        (
            "Apart from the lead TA, how many TAs are there?",
            ["Apart from the lead TA how many TAs are there"],
        ),
        ("به جز دستیار ارشد، چند دستیار داریم؟", ["به جز دستیار ارشد چند دستیار داریم"]),
        # An "and" that closes a pair is no break.
        ("how many days between quiz 2 and 3?", ["how many days between quiz 2 3"]),
    ],
)
def test_a_message_splits_where_a_new_question_starts(message, clauses):
    assert split_clauses(message) == clauses
