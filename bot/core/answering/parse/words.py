"""Word sets the readings share, taken from the lexicon once."""

from __future__ import annotations

from bot.core.answering.query import Attr
from bot.core.course.course import EventKind
from bot.core.lang.lexicon import lexicon

LEX = lexicon()
# A retrieval match below this is a guess; the engine says it doesn't know instead.
CONFIDENT = 0.5
# A second topic next to an item ("CA1 … late?") must match this well to be answered too.
ALSO_ASKED = 0.6
# Terms that name items or their dates rather than a topic of their own.
ITEM_TERMS = frozenset(LEX.words.item_terms)
SMALL_TALK = frozenset(LEX.words.small_talk)
OTHER_CALENDAR = frozenset(LEX.words.other_calendar)
LATE_WORDS = frozenset(LEX.words.late)
EXCEPT_WORDS = frozenset(LEX.words.except_)
ANOTHER_WORDS = frozenset(LEX.words.another)
LEAD_WORDS = frozenset(LEX.words.lead)
INSTRUCTOR_WORDS = frozenset(LEX.words.instructor)
ASKING_WORDS = LEX.asking_words()
GREETINGS = frozenset(LEX.words.greetings)
THANKS = frozenset(LEX.words.thanks)
EACH_WORDS = frozenset(LEX.words.each)
UNIT_WORDS = frozenset(LEX.words.units)
COURSE_WORDS = frozenset(LEX.words.course)
TOWARDS_WORDS = frozenset(LEX.words.towards)
AGAIN_WORDS = frozenset(LEX.words.again)
WINDOW_WORDS = frozenset(LEX.words.window)
WHEN_DATED_WORDS = frozenset(LEX.words.when_dated)
SO_FAR_WORDS = frozenset(LEX.words.so_far)
SHARE_WORDS = frozenset(LEX.words.share)
RECEIVED_WORDS = frozenset(LEX.words.received)
ONLY_WORDS = frozenset(LEX.words.only)
MUCH_WORDS = frozenset(LEX.words.much)
MOST_WORDS = frozenset(LEX.words.most)
MINUTE_UNITS = frozenset(LEX.words.minute_units)
LEFT_OVER_WORDS = frozenset(LEX.words.left_over)
HOUR_UNITS = frozenset(LEX.words.hour_units)
HALF_WORDS = frozenset(LEX.words.score_half)
FULL_WORDS = frozenset(LEX.words.full)
FREE_DAY_WORDS = frozenset(LEX.words.free_days)
ASKS_NUMBER_WORDS = frozenset(LEX.words.asks_number)
HAPPENING_WORDS = frozenset(LEX.words.happening)
ALREADY_WORDS = frozenset(LEX.words.already)
CONTACT_WORDS = frozenset(LEX.words.contact)
SOLVE_WORDS = frozenset(LEX.words.solve)
FOR_ME_WORDS = frozenset(LEX.words.for_me)
WHEN_WORDS = frozenset(LEX.words.when)
GRADE_WORDS = frozenset(LEX.words.grade)
SELF_WORDS = frozenset(LEX.words.self)
START_WORDS = frozenset(LEX.words.start)
END_WORDS = frozenset(LEX.words.end)
AFTER_WORDS = frozenset(LEX.order.get("after", []))
NOT_COUNTED = frozenset(LEX.words.not_counted)
COUNT_TRIGGERS = frozenset(LEX.words.count_triggers)
CLASS_WORDS = frozenset(LEX.words.class_word)
DAY_WORDS = frozenset(LEX.words.day_units)
# Things a "first"/"last" may be about other than the course itself.
OTHER_NOUNS = frozenset(
    word for name in ("ta", "reference", "section") for word in LEX.counts.get(name, [])
)
ITEM_KINDS = ("quiz", "assignment", "project", "workshop")
FOCUS_KINDS: dict[str, EventKind] = {
    "quiz": "quiz",
    "deadline": "deadline",
    "class": "class",
    "workshop": "workshop",
    "release": "release",
}
# The event an item kind is placed by when it has no date of its own: its release.
EVENT_OF_KIND: dict[str, str] = {
    "quiz": "quiz",
    "workshop": "workshop",
    "assignment": "release",
    "project": "release",
}
INTENT_ATTRS = {"release": Attr.RELEASE, "due": Attr.DEADLINE, "topic": Attr.TOPIC}
