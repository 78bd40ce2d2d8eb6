"""Read a grade question's words as mentions of its parts, "the rest", "except" and scores."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from bot.core.answering.parse.vocabulary import Vocabulary
from bot.core.answering.parse.words import HALF_WORDS, MUCH_WORDS, ONLY_WORDS
from bot.core.answering.question import Question, kind_of, read_number, tokenize, under_ending
from bot.core.lang.lexicon import lexicon
from bot.core.lang.text import normalize

LEX = lexicon()
_W = LEX.words
PART_OF_KIND = {"quiz": "quizzes", "assignment": "assignments", "project": "project"}
_PART_WORDS = {word: part for part, words in LEX.grading.items() for word in words}
_FINAL_WORDS = frozenset(LEX.order.get("final", []))
_GRADE_NOUNS = frozenset(_W.grade_nouns)
_ZERO = frozenset(_W.score_zero)
_FULL = frozenset(_W.score_full)
_OTHERS = frozenset(_W.others)
_EXCEPT = frozenset(_W.except_)
TOGETHER = frozenset(_W.together) | {"plus", "+"}
# "one quiz", "a phase": a single item, as opposed to "every quiz".
_SINGLE = frozenset(_W.single)
_EVERY = frozenset(_W.every)
# Where one clause of a what-if ends: "skip the final | but get full marks on the rest".
_CLAUSE_BREAKS = frozenset(_W.clause_breaks)
# Words that speak of the grade: what a share, a comparison or a what-if is about.
GRADE_WORDS = frozenset(
    [
        *(*_W.grade, *_W.weight, *_W.most, *_W.share, *_W.lose_points, *_W.ratio),
        *("total", "points", "point", "worth", "carry", "count", "counts"),
        *("نمره", "نمرم", "نمرش", "بارم", "ارزش", "میشم"),
    ]
)
# Persian grade words under a possessive or plural ending: "ارزششون", "نمره‌هاشون".
_GRADE_STEMS = ("ارزش", "نمره", "نمرا", "درصد", "بارم")
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


@dataclass(frozen=True)
class Scale:
    """A grading part's size: how many items it has and how many points it is worth."""

    items: int
    points: float


def part_scales(vocab: Vocabulary) -> dict[str, Scale]:
    """Return each grading part's number of items and points, from the course."""
    kinds = {part: kind for kind, part in PART_OF_KIND.items()}
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


def written_numbers(q: Question) -> Numbers:
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
        if following in UNIT_AFTER or (following and following[0] in NOT_POINTS):
            continue
        # The part just before ("project 7", "project ro 7"), or just after ("7 on the project").
        linked = index > 1 and tokens[index - 1] in _POINT_LINKS
        on = bool(following) and following[0] in POINTS_ON
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


def read_mentions(
    q: Question, known: tuple[str, ...], total: str, scales: dict[str, Scale] | None = None
) -> Reading:
    """List the grading parts, "the rest", "except" and the scores the words name."""
    found = Reading()
    tokens = q.tokens
    numbers = written_numbers(q)
    # A written score's or a decimal's digits are no item's number: "CAs 1.5 out of 2".
    written = numbers.scored | set(numbers.decimals) | {at + 1 for at in numbers.decimals}
    skip: set[int] = set()
    for index, token in enumerate(tokens):
        if index in skip:
            continue
        part = part_at(tokens, index)
        if part is not None and part in known:
            mention = Mention(part, index)
            _unit(tokens, index, mention, skip, (scales or {}).get(part), written)
            if not _same_as_last(found, mention):
                found.mentions.append(mention)
        elif token in _OTHERS and _means_the_rest(tokens, index):
            found.others_at.append(index)
        elif token in _EXCEPT or (token == "other" and tokens[index + 1 : index + 2] == ["than"]):
            found.except_at.append(index)
        elif token in ONLY_WORDS:
            found.only_at.append(index)
        score = _score(token)
        if score is not None:
            found.scores.append((index, score))
        # "out of 21" speaks of the grade; "21 days" does not.
        of_total = token == total and tokens[index + 1 : index + 2] not in UNIT_AFTER
        if token in GRADE_WORDS or of_total or token.startswith(_GRADE_STEMS):
            found.about_grade = True
        if token in MUCH_WORDS or token in TOGETHER:
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
POINTS_ON = frozenset(_W.points_on)
# After a number that counts or times, not scores: "3 quizzes", "2 days".
NOT_POINTS = frozenset(_W.not_points)


def part_at(tokens: list[str], index: int) -> str | None:
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
    part = under_ending(token, _PART_WORDS)  # "فاینالو", "امتحانه"
    if part is not None:
        return part
    kind = kind_of(token)
    return PART_OF_KIND.get(kind) if kind else None


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
        bool(then)
        and then[0] in POINTS_ON
        and any(part_at(then, j) for j in (1, 2) if j < len(then))
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
    if following and part_at(tokens, index + 1) is not None:
        return False
    if tokens[index] == "other":
        return following in _PIECES
    return following not in _NOT_PIECES


# What "the other …" may be followed by when it means the rest of the grade.
_PIECES = frozenset(_W.pieces)
UNIT_AFTER = [[u] for u in (*_W.day_units, *_W.hour_units, *_W.week_units)]
_NOT_PIECES = frozenset(_W.not_pieces)


def _score(token: str) -> float | None:
    if token in _ZERO or token == "0":  # "got 0 on the other two"
        return 0.0
    if token in _FULL:
        return 1.0
    if token in HALF_WORDS:
        return 0.5
    return None


def clause_spans(q: Question) -> list[tuple[int, int]]:
    """Return the [start, end) token spans of a question's clauses."""
    breaks = [i for i, t in enumerate(q.tokens) if t in _CLAUSE_BREAKS]
    edges = [0, *breaks, len(q.tokens)]
    return [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]
