"""Readings of questions about the grade: the weight of its parts, their shares, comparisons
between them, and what-ifs ("if I skip the final and get full marks on the rest?").

The words are read as a list of mentions (a grading part, one of its items, "the rest",
"except …") and score words ("skip", "full marks", "half", "75%"), clause by clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache

from bot.core.answering import grounding
from bot.core.answering.parse.vocabulary import Vocabulary
from bot.core.answering.parse.words import COUNT_TRIGGERS
from bot.core.answering.query import Attr, Given, Op, Query, Score, Subject
from bot.core.answering.understand import Question, kind_of, read_number, reading, tokenize
from bot.core.lang.lexicon import Mark, lexicon
from bot.core.lang.text import normalize

LEX = lexicon()
_W = LEX.words
_PART_OF_KIND = {"quiz": "quizzes", "assignment": "assignments", "project": "project"}
_PART_WORDS = {word: part for part, words in LEX.grading.items() for word in words}
_FINAL_WORDS = frozenset(LEX.order.get("final", []))
_GRADE_NOUNS = frozenset(_W.grade_nouns)
_ENDINGS = tuple(sorted(LEX.endings, key=len, reverse=True))
_CONDITIONAL = frozenset(_W.conditional)
_ZERO = frozenset(_W.score_zero)
_FULL = frozenset(_W.score_full)
_HALF = frozenset(_W.score_half)
_OTHERS = frozenset(_W.others)
_EXCEPT = frozenset(_W.except_)
_TOGETHER = frozenset(_W.together) | {"plus", "+"}
_MORE = frozenset(_W.more)
_LESS = frozenset(_W.less)
_RATIO = frozenset(_W.ratio)
_SHARE = frozenset(_W.share)
_UNIT = frozenset(_W.unit)
_MOST = frozenset(_W.most)
_ONLY = frozenset(_W.only)
# "one quiz", "a phase": a single item, as opposed to "every quiz".
_SINGLE = frozenset(_W.single)
_EVERY = frozenset(_W.every)
# How far a score word may stand from the part it scores: "skip the final", "فاینال رو ندم".
_NEAR = 5
# Where one clause of a what-if ends: "skip the final | but get full marks on the rest".
_CLAUSE_BREAKS = frozenset(_W.clause_breaks)
# Between the two sides of a comparison: "the final than the quizzes", "final ya tamrina".
_SIDES = frozenset(_W.sides)
# Words that speak of the grade: what a share, a comparison or a what-if is about.
_GRADE = frozenset(
    [
        *_W.grade,
        *_W.weight,
        *_W.most,
        *_W.share,
        *_W.lose_points,
        *_W.ratio,
        "total",
        "points",
        "point",
        "worth",
        "نمره",
        "نمرم",
        "نمرش",
        "بارم",
        "ارزش",
        "میشم",
        "carry",
        "count",
        "counts",
    ]
)
# Words that ask for a share of the grade outright, not for someone's mark.
_WORTH = frozenset(
    [
        *_W.weight,
        *_W.share,
        *("worth", "carry", "carries", "ارزش", "بارم"),
        *("نمره", "نمرش", "نمرست", "نمرس"),
    ]
)
_SELF = frozenset(_W.self) | frozenset(_W.me)
_SOMEONE = frozenset(_W.someone)
_MUCH = frozenset(_W.much)
_ASKS_NUMBER = frozenset(_W.asks_number)
_WHEN = frozenset(_W.when_dated)
# Persian grade words under a possessive or plural ending: "ارزششون", "نمره‌هاشون".
_GRADE_STEMS = ("ارزش", "نمره", "نمرا", "درصد", "بارم")
_OUT_OF = re.compile(r"\b(\d+(?:\.\d+)?) (?:of|از|out of) (\d+(?:\.\d+)?)\b")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:percent|درصد)")
_SIGNED_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*[%٪]")


@dataclass
class Mention:
    """A grading part named at a position: the whole part, one item, or one of its items."""

    part: str
    at: int
    item: int | None = None
    one: bool = False
    every: bool = False
    singular: bool = False

    @property
    def unit(self) -> bool:
        """Tell whether the mention is one of the part's items rather than all of them."""
        return self.item is not None or (self.one and not self.every)


@dataclass
class Reading:
    """What the words say about the grade, in order."""

    mentions: list[Mention] = field(default_factory=list)
    # Whether the question speaks of the grade at all (points, percent, the total, "the most").
    about_grade: bool = False
    # Whether it asks how much, or what parts make together ("how much is one quiz").
    weighs: bool = False
    others_at: list[int] = field(default_factory=list)
    except_at: list[int] = field(default_factory=list)
    only_at: list[int] = field(default_factory=list)
    scores: list[tuple[int, float]] = field(default_factory=list)
    # Scores said of one part by where they stand, by the part's position.
    bound: dict[int, float] = field(default_factory=dict)
    # Where the numbers so bound stand.
    scored_at: set[int] = field(default_factory=set)


def weight(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read "how much is the final exam worth"."""
    words = set(q.tokens)
    strong = words & set(_W.weight)
    # "grade" or "نمره" alone may ask for one's own grade; with "how much" it asks a weight.
    graded = bool(words & set(_W.grade))
    # ... and so does a grade word beside a part and nothing else: "nomre final?".
    weak = graded and (bool(words & set(_W.amount)) or len(q.tokens) <= 2)
    if not (strong or weak or Mark.WEIGHT in q.marks) or words & set(_W.self):
        return None
    known = {part.id for part in vocab.course.data.grading.parts}
    parts = tuple(p for p in grounding.grading_parts(q) if p in known)
    if not parts:
        return None
    return Query(Op.WEIGHT, Subject(parts=parts), (Attr.POINTS,))


def heaviest(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read "what's the biggest chunk of the grade?", "کمترین نمره مال کدوم بخشه؟": the part
    worth the most (or least), among those named or all."""
    words = set(q.tokens)
    extreme = words & (_HEAVIEST | _LIGHTEST)
    if not extreme or not words & _PIECE or q.refs or words & _CONDITIONAL:
        return None
    if not (words & _WORTH or words & set(_W.grade) or Mark.WEIGHT in q.marks):
        return None
    known = tuple(part.id for part in vocab.course.data.grading.parts)
    named = tuple(p for p in grounding.grading_parts(q) if p in known)
    asked = "least" if words & _LIGHTEST and not words & _HEAVIEST else "most"
    subject = Subject(parts=named if len(named) > 1 else known)
    return Query(Op.WEIGHT, subject, (Attr.POINTS,), notes=(asked,))


_HEAVIEST = frozenset(_W.heaviest)
_LIGHTEST = frozenset(_W.lightest)
_PIECE = frozenset(_W.grade_piece)


def arithmetic(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read a what-if, a comparison or a share of the grade."""
    if Mark.COUNT in q.marks and set(q.tokens) & _PARTS_COUNTED:
        return None  # "how many parts is the grade made of?": a count
    if _SPLIT.search(reading(q.text)) and not set(q.tokens) & _EQUAL:
        return None  # "how are the project's points split?": the syllabus doesn't say
    total = _of_the_total(vocab, q)
    if total is not None:
        return total
    grading = vocab.course.data.grading
    known = tuple(part.id for part in grading.parts)
    listed = _points_listed(vocab, q, known)
    # "out of 21": the total, written as students write it, speaks of the grade too.
    found = _read(q, known, f"{grading.total:g}", _scales(vocab))
    needed = _needed(q, found, known, grading.total, listed)
    if needed is not None:
        return needed
    if listed is not None:
        return listed
    # "If I skip the CAs and get the rest in full …" speaks of the grade by its scores alone,
    # "how much is one of the quizzes" or "their sum" by the parts it weighs.
    words = set(q.tokens)
    asks_number = bool(words & _ASKS_NUMBER) and not words & _WHEN
    compares = bool(words & (_MORE | _LESS | _RATIO))
    scored = bool(found.scores or found.except_at) and bool(found.mentions or found.others_at)
    # "if I skip …", "… and the rest in full", or a score told ("I aced 5 of the 7 quizzes").
    told = bool(words & _RECEIVED)
    scored = scored and (bool(found.others_at) or compares or bool(words & _CONDITIONAL) or told)
    many = len(found.mentions) > 1 or any(m.one for m in found.mentions)
    weighs = found.weighs and many and asks_number
    # "the quizzes and the final together?", "their sum": parts added up ask their weight.
    summed = len({m.part for m in found.mentions}) > 1 and bool(words & _TOGETHER)
    # ... unless the parts' items are meant: "quiz 6 together with the phase 2 deadline".
    summed = summed and not (q.refs or q.span or q.day or q.intents or "class" in q.focus)
    if not (found.mentions or found.others_at) or not (
        found.about_grade or scored or weighs or summed
    ):
        return None
    # Scores said of two parts or more ("10 of 12 on the project, the final 2 of 4") are a
    # what-if even without an "if".
    # "full marks everywhere except half the final -> score out of 21?": scores given of the
    # whole grade ask its total even without "how much".
    of_all = found.about_grade and (bool(found.others_at) or len(found.scores) > 1)
    asks_total = asks_number or bool(words & _MOST) or of_all
    if asks_total and (words & _CONDITIONAL or words & _MOST or len(found.scores) > 1):
        what_if = _some_missed(vocab, q, found, _what_if(q, found, known))
        if what_if is not None:
            return what_if
    mine = bool(words & (_SELF - {"i"})) or bool("i" in words and words & _RECEIVED)
    if mine or words & _SOMEONE:
        return None  # "what grade did I get on CA1", "who got the highest": not the scheme
    if words & (_MORE | _LESS | _RATIO) or (words & _HALF and not words & _CONDITIONAL):
        compared = _compare(q, found, known)
        if compared is not None:
            return compared
    return _share(q, found, known)


def _points_listed(vocab: Vocabulary, q: Question, known: tuple[str, ...]) -> Query | None:
    """Read points given part by part: "project 11, assignments 3, quizzes 2, final 3.5 ->
    total?", "پروژه ۱۰ تمرین ۳ کوییز ۲ فاینال ۲ گرفتم، جمعش چند میشه"."""
    points = {part.id: part.points for part in vocab.course.data.grading.parts}
    scores: dict[str, float] = {}
    for match in _PART_POINTS.finditer(reading(q.text)):
        part = _part([match.group(1)], 0)
        value = float(match.group(2))
        if part in known and part not in scores and value <= points[part]:
            scores[part] = value / points[part]
    words = set(q.tokens)
    # "CA2 and phase 2": items; three parts with numbers, or two with "got", are points.
    if len(scores) < 2 or (len(scores) == 2 and not words & (_RECEIVED | _GRADE | _WORTH_WORDS)):
        return None
    if not words & (_ASKS_NUMBER | _TOGETHER | _GRADE) or words & _WHEN:
        return None  # "when are quiz 2 and CA3?": items, not points
    given = Given(scores=tuple(Score(part, fraction) for part, fraction in scores.items()))
    return Query(Op.WHAT_IF, Subject(parts=tuple(scores)), (Attr.POINTS,), given=given)


# A part's name and the points given for it: "project 11", "فاینال: ۳.۵".
_PART_POINTS = re.compile(r"([^\W\d_]+)\s*[:=]?\s*(\d+(?:\.\d+)?)(?![\d/])")


def _of_the_total(vocab: Vocabulary, q: Question) -> Query | None:
    """Read a total the question gives as a share of the grade: "18 out of 21 as a percent?"."""
    grading = vocab.course.data.grading
    for match in _OUT_OF.finditer(" ".join(q.tokens)):
        earned, whole = float(match.group(1)), float(match.group(2))
        if whole == grading.total and earned <= whole and set(q.tokens) & _SHARE_WORDS:
            known = {part.id for part in grading.parts}
            if any(p in known for p in grounding.grading_parts(q)):
                return None  # "10 of 21 on the project": a part's score
            given = Given(others=earned / whole)
            return Query(Op.WHAT_IF, Subject(), (Attr.PERCENT,), given=given, notes=("total",))
    return None


@dataclass(frozen=True)
class Scale:
    """A grading part's size: how many items it has and how many points it is worth."""

    items: int
    points: float


def _scales(vocab: Vocabulary) -> dict[str, Scale]:
    """Return each grading part's number of items and points, from the course."""
    kinds = {part: kind for kind, part in _PART_OF_KIND.items()}
    return {
        part.id: Scale(
            len(vocab.course.items_of(kinds[part.id])) if part.id in kinds else 0,  # type: ignore[arg-type]
            part.points,
        )
        for part in vocab.course.data.grading.parts
    }


@dataclass
class Numbers:
    """The numbers written in a question beyond what its tokens keep: scores with their own
    scale ("10/12", "1.5 out of 2", "۲ از ۴") and decimals ("10.5"), by token position."""

    scores: list[tuple[int, float]] = field(default_factory=list)
    # Tokens a written score takes up: none of them is an item's number or a bare score.
    scored: set[int] = field(default_factory=set)
    # Where each decimal starts, and its value (its digits are two tokens).
    decimals: dict[int, float] = field(default_factory=dict)


def _numbers(q: Question) -> Numbers:
    """Find the written scores and decimals of a question."""
    text = normalize(q.text)
    found = Numbers()
    for match in _OUT_OF_TEXT.finditer(text):
        earned, whole = float(match.group(1)), float(match.group(2))
        at = len(tokenize(text[: match.start()]))
        found.scored.update(range(at, at + len(tokenize(match.group(0)))))
        if whole > 0 and earned <= whole:
            found.scores.append((at, earned / whole))
    for match in _DECIMAL.finditer(text):
        found.decimals[len(tokenize(text[: match.start()]))] = float(match.group(0))
    return found


def _bound_points(
    q: Question, found: Reading, scales: dict[str, Scale], numbers: Numbers
) -> tuple[dict[int, float], set[int]]:
    """Read the points said of one part by where they stand: "project 7", "پروژه ۶ بشه",
    "7 on the project", "10/12 on the project", "فاینال رو ۲ بگیرم"; return them by the
    part's position, with the positions of the written scores so taken."""
    tokens = q.tokens
    at_part = {m.at: m for m in found.mentions if m.item is None}
    inside = {at + 1 for at in numbers.decimals}
    written = {at: fraction for at, fraction in numbers.scores}
    bound: dict[int, float] = {}
    used: set[int] = set()
    for index, token in enumerate(tokens):
        if not token.isdigit() or index in inside:
            continue
        if index in numbers.scored and index not in written:
            continue
        if index in written:
            next_at = max(i for i in numbers.scored if i >= index and i - index < 8) + 1
        else:
            next_at = index + (2 if index in numbers.decimals else 1)
        following = tokens[next_at : next_at + 1]
        if following in _UNIT_AFTER or (following and following[0] in _NOT_POINTS):
            continue
        # The part just before ("project 7", "project ro 7"), or just after ("7 on the project").
        linked = index > 1 and tokens[index - 1] in _POINT_LINKS
        on = bool(following) and following[0] in _ON
        # "… CAs, 1.5 out of 2 on quizzes": the part after "on" is the one scored.
        places = [next_at + 1, next_at + 2] if on else []
        places += [index - 1, *([index - 2] if linked else [])]
        mention = next((at_part[j] for j in places if j in at_part), None)
        if mention is None or mention.part not in scales or mention.at in bound:
            continue
        if index in written:
            bound[mention.at] = written[index]
            used.add(index)
            continue
        value = numbers.decimals.get(index, float(token))
        if 0 <= value <= scales[mention.part].points:
            bound[mention.at] = value / scales[mention.part].points
            used.add(index)
    return bound, used


def _read(
    q: Question, known: tuple[str, ...], total: str, scales: dict[str, Scale] | None = None
) -> Reading:
    """List the grading parts, "the rest", "except" and the scores the words name."""
    found = Reading()
    tokens = q.tokens
    numbers = _numbers(q)
    # A written score's or a decimal's digits are no item's number: "CAs 1.5 out of 2".
    written = numbers.scored | set(numbers.decimals) | {at + 1 for at in numbers.decimals}
    skip: set[int] = set()
    for index, token in enumerate(tokens):
        if index in skip:
            continue
        part = _part(tokens, index)
        if part is not None and part in known:
            mention = Mention(part, index)
            _unit(tokens, index, mention, skip, (scales or {}).get(part), written)
            if not _same_as_last(found, mention):
                found.mentions.append(mention)
        elif token in _OTHERS and _means_the_rest(tokens, index):
            found.others_at.append(index)
        elif token in _EXCEPT or (token == "other" and tokens[index + 1 : index + 2] == ["than"]):
            found.except_at.append(index)
        elif token in _ONLY:
            found.only_at.append(index)
        score = _score(token)
        if score is not None:
            found.scores.append((index, score))
        # "out of 21" speaks of the grade; "21 days" does not.
        of_total = token == total and tokens[index + 1 : index + 2] not in _UNIT_AFTER
        if token in _GRADE or of_total or token.startswith(_GRADE_STEMS):
            found.about_grade = True
        if token in _MUCH or token in _TOGETHER:
            found.weighs = True
    joined = " ".join(tokens)
    for match in _PERCENT.finditer(joined):
        position = len(joined[: match.start()].split())
        found.scores.append((position, float(match.group(1)) / 100))
    # "100% on all quizzes": the sign is not a word; the number before it is the score.
    text = normalize(q.text)
    for match in _SIGNED_PERCENT.finditer(text):
        position = len(tokenize(text[: match.start()]))
        found.scores.append((position, float(match.group(1)) / 100))
    # "10 of 12", "10/12", "1.5 out of 2", "۲ از ۴": a part of that part's points.
    if scales:
        found.bound, found.scored_at = _bound_points(q, found, scales, numbers)
    # A written score bound to its part scores no other: "10/12 on the project, full marks …".
    found.scores.extend((at, f) for at, f in numbers.scores if at not in found.scored_at)
    return found


_OUT_OF_TEXT = re.compile(
    r"(?<![\d.])(\d+(?:\.\d+)?) ?(?:/|of|از|out of) ?(\d+(?:\.\d+)?)(?![\d.])"
)
_DECIMAL = re.compile(r"(?<![\d.])\d+\.\d+(?![\d.])")
# Between a part and the points said of it: "the project is 6", "پروژه رو ۷ بگیرم".
_POINT_LINKS = frozenset(_W.point_links)
# Before a part the points are said of: "7 on the project", "۲ تو فاینال".
_ON = frozenset(_W.points_on)
# After a number that counts or times, not scores: "3 quizzes", "2 days".
_NOT_POINTS = frozenset(_W.not_points)


def _part(tokens: list[str], index: int) -> str | None:
    """Return the grading part the word at ``index`` names, if any."""
    token = tokens[index]
    if token in _FINAL_WORDS and index and tokens[index - 1] in _GRADE_NOUNS:
        return None  # "final grade", "نمره نهایی": the grade, not the final exam
    if token in _FINAL_WORDS:
        following = tokens[index + 1 : index + 3]
        # "final project" is the project; "final exam" or "final" alone the exam.
        if any(kind_of(word) == "project" for word in following):
            return None
        if any(_PART_WORDS.get(word) == "final" for word in following):
            return None  # the word after it names the exam
        return "final"
    return _part_of_word(token)


@lru_cache(maxsize=4096)
def _part_of_word(token: str) -> str | None:
    """Return the grading part a word names on its own, under a Persian ending too."""
    if token in _PART_WORDS:
        return _PART_WORDS[token]
    # "فاینالو", "امتحانه": a part's name under a Persian ending.
    if not token.isascii():
        for ending in _ENDINGS:
            base = token.removesuffix(ending)
            if base != token and base in _PART_WORDS:
                return _PART_WORDS[base]
    kind = kind_of(token)
    return _PART_OF_KIND.get(kind) if kind else None


def _unit(
    tokens: list[str],
    index: int,
    mention: Mention,
    skip: set[int],
    scale: Scale | None = None,
    written: frozenset[int] | set[int] = frozenset(),
) -> None:
    """Mark a mention as one item ("CA2", "phase 3", "a quiz") or every item ("each quiz")."""
    token = tokens[index]
    after = tokens[index + 1] if index + 1 < len(tokens) else ""
    said = read_number(after) if after and index + 1 not in written else None
    # "CA 2", "phase three", "فاز سه": the item of that number ("پروژه ۶" is 6 points: the
    # project has 3 phases).
    most = scale.items if scale is not None else 10
    # "the project, 2 from the CAs": a number another part's "from" follows is that part's.
    then = tokens[index + 2 : index + 5]
    scores_next = (
        bool(then) and then[0] in _ON and any(_part(then, j) for j in (1, 2) if j < len(then))
    )
    if (
        said is not None
        and 0 < said[0] <= most
        and (after.isdigit() or after in LEX.cardinals)
        and not scores_next
    ):
        mention.item = said[0]
        skip.add(index + 1)
        return
    before = tokens[max(0, index - 2) : index]
    ordinal = read_number(before[-1]) if before else None
    if ordinal is not None and ordinal[1]:
        mention.item = ordinal[0]
        return
    # "one quiz", "a single quiz", "one of the quizzes", "یه فاز"; "each quiz", "هر فاز".
    near = before[-1:] if not before or before[-1] not in _LINKS else before
    mention.one = bool(set(near) & _SINGLE) or (
        token in ("phase", "فاز") and not {"project", "پروژه"} & set(tokens)
    )
    mention.every = bool(set(near) & _EVERY)
    mention.singular = not token.endswith(("s", "ها", "های")) and not (
        not token.isascii() and token.endswith("ا")
    )


# Words between "one"/"each" and the part it counts: "a single quiz", "one of the quizzes".
_LINKS = frozenset(_W.score_links)


def _same_as_last(found: Reading, mention: Mention) -> bool:
    """Tell whether a mention repeats the one before it ("the final exam", "امتحان پایانی")."""
    if not found.mentions:
        return False
    last = found.mentions[-1]
    if last.part == mention.part and mention.at - last.at <= 2 and last.item == mention.item:
        last.one = last.one or mention.one
        return True
    return False


def _means_the_rest(tokens: list[str], index: int) -> bool:
    """Tell whether "other"/"else"/"بقیه" means the rest of the grade: not "the other
    courses", "the other one", nor "other quiz" (a part named after it)."""
    following = tokens[index + 1] if index + 1 < len(tokens) else ""
    if following and _part(tokens, index + 1) is not None:
        return False
    if tokens[index] == "other":
        return following in _PIECES
    return following not in _NOT_PIECES


# What "the other …" may be followed by when it means the rest of the grade.
_PIECES = frozenset(_W.pieces)
_PARTS_COUNTED = frozenset(LEX.counts.get("section", []))
_SPLIT = re.compile("|".join(f"(?:{p})" for p in LEX.unsaid.get("split", [])))
_EQUAL = frozenset(_W.equal_weights)
_RECEIVED = frozenset(_W.received)
_SHARE_WORDS = frozenset(_W.share)
_WORTH_WORDS = frozenset(_W.weight)
_UNIT_AFTER = [[u] for u in (*_W.day_units, *_W.hour_units, *_W.week_units)]
_NOT_PIECES = frozenset(_W.not_pieces)


def _score(token: str) -> float | None:
    if token in _ZERO or token == "0":  # "got 0 on the other two"
        return 0.0
    if token in _FULL:
        return 1.0
    if token in _HALF:
        return 0.5
    return None


def _clauses(q: Question) -> list[tuple[int, int]]:
    """Return the [start, end) token spans of a question's clauses."""
    breaks = [i for i, t in enumerate(q.tokens) if t in _CLAUSE_BREAKS]
    edges = [0, *breaks, len(q.tokens)]
    return [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]


def _needed(
    q: Question, found: Reading, known: tuple[str, ...], total: float, listed: Query | None
) -> Query | None:
    """Read "what do I need on the final to end up with 15?": the part asked is the one
    named nearest the "need" without a score of its own; the rest are scored as a what-if."""
    tokens = q.tokens
    need_at = [i for i, token in enumerate(tokens) if token in _NEEDED]
    if not need_at:
        return None
    target = _target(q, found, total)
    if target is None:
        return None
    told = {s.part for s in listed.given.scores} if listed is not None else set()
    open_parts = [
        m
        for m in found.mentions
        if m.at not in found.bound and m.item is None and m.part not in told
    ]
    near = [
        (min(abs(m.at - at) for at in need_at), m)
        for m in open_parts
        if min(abs(m.at - at) for at in need_at) <= _NEAR + 1
    ]
    if not near:
        return None
    asked = min(near, key=lambda pair: pair[0])[1]
    rest = replace(found, mentions=[m for m in found.mentions if m is not asked])
    scored = listed or (_what_if(q, rest, known) if rest.mentions or rest.others_at else None)
    given = scored.given if scored is not None else Given()
    scores = tuple(s for s in given.scores if s.part != asked.part)
    return Query(
        Op.WHAT_IF,
        Subject(parts=(asked.part,)),
        (Attr.POINTS,),
        given=Given(scores=scores, others=given.others, target=target),
        notes=("needed",),
    )


def _target(q: Question, found: Reading, total: float) -> float | None:
    """Return the total a student aims for: the one number not said of a part, at most the
    grade's total ("… to end up with 15", "I want a 17", "واسه اینکه ۱۵ بشم")."""
    numbers = _numbers(q)
    inside = {at + 1 for at in numbers.decimals}
    taken = numbers.scored | found.scored_at
    parts_at = {m.at for m in found.mentions}
    candidates = []
    for index, token in enumerate(q.tokens):
        if not token.isdigit() or index in inside or index in taken:
            continue
        if parts_at & {index - 1, index - 2}:
            continue  # "project 7", "پروژه رو ۷": a part's points, or "CA 2" an item
        next_at = index + (2 if index in numbers.decimals else 1)
        following = q.tokens[next_at : next_at + 1]
        if following in _UNIT_AFTER or (following and following[0] in _NOT_POINTS):
            continue
        if following and following[0] in _ON and parts_at & {next_at + 1, next_at + 2}:
            continue  # "7 on the project"
        value = numbers.decimals.get(index, float(token))
        if 0 < value <= total:
            candidates.append(value)
    return candidates[-1] if candidates else None


_NEEDED = frozenset(_W.needed)


def _what_if(q: Question, found: Reading, known: tuple[str, ...]) -> Query | None:
    """Read "if I skip the final but get full marks on the rest, what's the most I can get?":
    each part (or "the rest") takes the score word nearest it in its clause; a part named
    with none takes the score of the clause it is listed with ("CA2 and CA3")."""
    if not found.scores and not found.except_at and not found.bound:
        return None
    spans = _clauses(q)
    persian = any("\u0600" <= ch <= "\u06ff" for ch in q.text)
    targets = [(m.at, m) for m in found.mentions] + [(at, None) for at in found.others_at]
    own: dict[int, float] = {}
    for at, _ in targets:
        value = found.bound.get(at)
        value = _nearest_score(found, at, spans, persian) if value is None else value
        if value is not None:
            own[at] = value
    clause_scores = [
        next((own[at] for at, _ in targets if start <= at < end and at in own), None)
        for start, end in spans
    ]
    scores: list[Score] = []
    others: float | None = None
    for at, mention in targets:
        number = next(i for i, (start, end) in enumerate(spans) if start <= at < end)
        value = own.get(at, _inherited(clause_scores, number, persian))
        # "except I get half of the final": a score said of the excepted part is its own;
        # "only the final … the rest I drop": the rest is no part "only" speaks of.
        # A score said of the part itself wins over "only" and "except" around it ("except
        # the project, where I only get half").
        if mention is None and found.only_at:
            value = own.get(at, 0.0)
        elif at not in own:
            value = _excepted(found, at, value)
        if value is None:
            continue
        if mention is None:
            others = value
        elif mention.every and not mention.item:
            scores.append(Score(mention.part, value))
        else:
            one = mention.one and not mention.every and mention.item is None
            scores.append(Score(mention.part, value, mention.item, one))
    if not scores and others is None:
        return None
    if others is None and set(q.tokens) & _ONLY:
        others = 0.0  # "only the project and the final in full"
    named = tuple(dict.fromkeys(s.part for s in scores)) or known
    return Query(
        Op.WHAT_IF,
        Subject(parts=named),
        (Attr.POINTS,),
        given=Given(scores=tuple(_whole_first(scores)), others=others),
    )


def _some_missed(
    vocab: Vocabulary, q: Question, found: Reading, query: Query | None
) -> Query | None:
    """Score a part "missed" by a number of its items as the share of them left: "if I miss
    two of the seven quizzes" is 5/7 of the quizzes, "۳ تا کوییز رو از دست بدم" 4/7."""
    if query is None:
        return None
    scores = list(query.given.scores)
    for index, score in enumerate(scores):
        kind = next((k for k, p in _PART_OF_KIND.items() if p == score.part), None)
        mention = next((m for m in found.mentions if m.part == score.part), None)
        if kind is None or mention is None or score.item or score.one:
            continue
        if score.fraction not in (0.0, 1.0):
            continue
        count = len(vocab.course.items_of(kind))  # type: ignore[arg-type]
        said = _count_before(q.tokens, mention.at)
        if said is not None and 0 < said < count:
            # "miss two of the seven" leaves five; "aced 5 of the 7" is those five.
            kept = count - said if score.fraction == 0.0 else said
            scores[index] = replace(score, fraction=kept / count)
    return replace(query, given=replace(query.given, scores=tuple(scores)))


def _count_before(tokens: list[str], at: int) -> int | None:
    """Return the number counting the items named at ``at``: "two of the seven quizzes",
    "۳ تا کوییز"; None when no number is said before them."""
    found = None
    for index in range(at - 1, max(-1, at - 6), -1):
        # "یکی از سه تا": "one" as a pronoun counts too, though it names no item by number.
        number = (1, False) if tokens[index] in _ONE else read_number(tokens[index])
        if number is not None and not number[1]:
            found = number[0]  # the farthest: "two of the seven quizzes" misses two
        elif tokens[index] not in _COUNT_LINKS:
            break
    return found


_ONE = frozenset(LEX.words.ones) - {"ones"}
# Words between a number and the items it counts: "two of the quizzes", "۳ تا کوییز".
_COUNT_LINKS = frozenset({"of", "the", "تا", "از", "ta"}) | frozenset(LEX.cardinals)


def _nearest_score(
    found: Reading, at: int, spans: list[tuple[int, int]], persian: bool
) -> float | None:
    """Return the score word nearest a part in its clause, within reach; a tie goes to the
    word after the part in Persian (the verb comes last), before it in English."""
    start, end = next((s, e) for s, e in spans if s <= at < e)
    # "full marks everywhere except the project, where I get half": a score before the
    # "except" is the rest's, not the excepted part's.
    start = max([start, *(e + 1 for e in found.except_at if e < at)])
    best: tuple[int, int, float] | None = None
    for position, value in found.scores:
        distance = abs(position - at)
        if not start <= position < end or distance > _NEAR:
            continue
        after = position > at
        rank = (distance, 0 if after == persian else 1, value)
        if best is None or rank[:2] < best[:2]:
            best = rank
    return best[2] if best is not None else None


def _excepted(found: Reading, at: int, value: float | None) -> float | None:
    """Score a part named after "without"/"except"/"بدون" as none, one after "only" in
    full; a "without" reaches until the next "only" or "i.e."."""
    for position in found.only_at:
        if position < at and not any(position < e < at for e in found.except_at):
            return 1.0
    for position in found.except_at:
        if position < at and not any(position < o < at for o in found.only_at):
            return 0.0 if at - position <= 2 * _NEAR else value
    return value


def _inherited(values: list[float | None], number: int, persian: bool) -> float | None:
    """Return a clause's score, or that of the clause it continues ("CA2 and CA3")."""
    if values[number] is not None:
        return values[number]
    # Persian puts the verb last ("پروژه و فاینال رو کامل بگیرم"): the next clause's score.
    order = [number + 1, number - 1] if persian else [number - 1, number + 1]
    for other in order:
        if 0 <= other < len(values) and values[other] is not None:
            return values[other]
    return None


def _whole_first(scores: list[Score]) -> list[Score]:
    """Drop a whole part's score where its items are scored one by one ("CAs … CA1, CA2")."""
    itemised = {s.part for s in scores if s.item is not None or s.one}
    kept = [s for s in scores if s.item is not None or s.one or s.part not in itemised]
    return list(dict.fromkeys(kept))


def _compare(q: Question, found: Reading, known: tuple[str, ...]) -> Query | None:
    """Read "is the final worth more than all seven quizzes together?"."""
    split = next((i for i, t in enumerate(q.tokens) if t in _SIDES), None)
    mentions = found.mentions
    if split is not None:
        left = [m for m in mentions if m.at < split]
        right = [m for m in mentions if m.at > split]
        others_right = any(at > split for at in found.others_at)
    else:
        left, right, others_right = mentions[:1], mentions[1:], bool(found.others_at)
    if not left and right and split is not None:
        left, right = right[:1], right[1:]  # "which is more, the final or the quizzes?"
    left_parts = tuple(dict.fromkeys(m.part for m in left))
    right_parts = tuple(dict.fromkeys(m.part for m in right))
    if others_right and not right_parts:
        right_parts = tuple(p for p in known if p not in left_parts)
    if left_parts and not right_parts and set(q.tokens) & _HALF:
        # "is the project more than half the grade?": against half the total.
        return Query(
            Op.COMPARE,
            Subject(parts=left_parts, unit=any(m.unit for m in left)),
            (Attr.POINTS,),
            other=Subject(parts=(), unit=True),
            notes=(*_asked(q, split), "half"),
        )
    if not left_parts or not right_parts or set(left_parts) & set(right_parts):
        return None
    # "how many quizzes make one assignment?": one of the counted against the other.
    how_many = bool(left) and _counted_at(q.tokens, left[0].at)
    return Query(
        Op.COMPARE,
        Subject(parts=left_parts, unit=how_many or any(m.unit for m in left)),
        (Attr.POINTS,),
        other=Subject(parts=right_parts, unit=any(m.unit for m in right)),
        notes=("how_many",) if how_many else _asked(q, split),
    )


def _counted_at(tokens: list[str], at: int) -> bool:
    """Tell whether "how many" counts the part named at ``at``: "how many quizzes", "چند تا
    کوییز"."""
    before = tokens[max(0, at - 3) : at]
    return bool(set(before) & COUNT_TRIGGERS)


def _asked(q: Question, split: int | None) -> tuple[str, ...]:
    """Return ("more",) or ("less",) when the question asks whether one side is worth more
    (less) than the other, rather than which is more or by how much."""
    words = set(q.tokens)
    if split is None or q.tokens[split] not in ("than", "از") or words & _RATIO:
        return ()
    if words & _LESS:
        return ("less",)
    return ("more",) if words & _MORE else ()


def _share(q: Question, found: Reading, known: tuple[str, ...]) -> Query | None:
    """Read "what percent is everything except the final?", "how much is one quiz?"."""
    words = set(q.tokens)
    parts = tuple(dict.fromkeys(m.part for m in found.mentions))
    if found.except_at:
        parts = tuple(p for p in known if p not in parts)
    elif found.others_at:
        parts = known  # "the final and everything else"
    # "one quiz", "each phase", "CA2" worth: one item's share; a named item ("CA1") only
    # when its worth is asked outright.
    # "how much is one quiz": "much" asks a worth of one of a part's items, not of "CA2".
    one = any(m.one or (m.every and m.singular) for m in found.mentions)
    # "phase 3's deadline and how many points is the project": the whole part is named too.
    plain = any(not (m.one or m.every or m.item) for m in found.mentions)
    single = one or (any(m.item for m in found.mentions) and not plain)
    unit = single and bool(words & _WORTH or (one and words & _MUCH))
    together = bool(words & _TOGETHER) or bool(found.except_at) or bool(found.others_at)
    if not parts or (len(parts) > 1 and not together):
        return None
    if not (words & _SHARE or unit or len(parts) > 1):
        return None
    attrs = (Attr.PERCENT,) if words & _SHARE else (Attr.POINTS,)
    return Query(Op.SHARE, Subject(parts=parts, unit=unit and len(parts) == 1), attrs)
