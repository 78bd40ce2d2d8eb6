"""Readings of questions about the grade: the weight of its parts, their shares, comparisons
between them, and what-ifs ("if I skip the final and get full marks on the rest?").

The words are read as a list of mentions (a grading part, one of its items, "the rest",
"except …") and score words ("skip", "full marks", "half", "75%"), clause by clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.core.answering import grounding
from bot.core.answering.parse.vocabulary import Vocabulary
from bot.core.answering.parse.words import COUNT_TRIGGERS
from bot.core.answering.query import Attr, Given, Op, Query, Score, Subject
from bot.core.answering.understand import Question, kind_of, read_number, reading, tokenize
from bot.core.lexicon import Mark, lexicon
from bot.core.text import normalize

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
    [*_W.weight, *_W.share, "worth", "carry", "carries", "ارزش", "بارم", "نمره", "نمرش", "نمرست"]
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


def arithmetic(vocab: Vocabulary, q: Question, now: datetime) -> Query | None:
    """Read a what-if, a comparison or a share of the grade."""
    if Mark.COUNT in q.marks and set(q.tokens) & _PARTS_COUNTED:
        return None  # "how many parts is the grade made of?": a count
    if _SPLIT.search(reading(q.text)) and not set(q.tokens) & _EQUAL:
        return None  # "how are the project's points split?": the syllabus doesn't say
    total = _of_the_total(vocab, q)
    if total is not None:
        return total
    listed = _points_listed(vocab, q, tuple(p.id for p in vocab.course.data.grading.parts))
    if listed is not None:
        return listed
    grading = vocab.course.data.grading
    known = tuple(part.id for part in grading.parts)
    # "out of 21": the total, written as students write it, speaks of the grade too.
    found = _read(q, known, f"{grading.total:g}")
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


def _read(q: Question, known: tuple[str, ...], total: str) -> Reading:
    """List the grading parts, "the rest", "except" and the scores the words name."""
    found = Reading()
    tokens = q.tokens
    skip: set[int] = set()
    for index, token in enumerate(tokens):
        if index in skip:
            continue
        part = _part(tokens, index)
        if part is not None and part in known:
            mention = Mention(part, index)
            _unit(tokens, index, mention, skip)
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
    # "10 of 12", "۲ از ۴", "2 out of 4": a part of that part's points.
    for match in _OUT_OF.finditer(joined):
        whole = float(match.group(2))
        if whole > 0 and float(match.group(1)) <= whole:
            position = len(joined[: match.start()].split())
            found.scores.append((position, float(match.group(1)) / whole))
    return found


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
    if token in _PART_WORDS:
        return _PART_WORDS[token]
    # "فاینالو", "امتحانه": a part's name under a Persian ending.
    for ending in _ENDINGS:
        base = token.removesuffix(ending)
        if base != token and base in _PART_WORDS and not token.isascii():
            return _PART_WORDS[base]
    kind = kind_of(token)
    return _PART_OF_KIND.get(kind) if kind else None


def _unit(tokens: list[str], index: int, mention: Mention, skip: set[int]) -> None:
    """Mark a mention as one item ("CA2", "phase 3", "a quiz") or every item ("each quiz")."""
    token = tokens[index]
    after = tokens[index + 1] if index + 1 < len(tokens) else ""
    said = read_number(after) if after else None
    # "CA 2", "phase three", "فاز سه": the item of that number.
    if said is not None and 0 < said[0] <= 10 and (after.isdigit() or after in LEX.cardinals):
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


def _what_if(q: Question, found: Reading, known: tuple[str, ...]) -> Query | None:
    """Read "if I skip the final but get full marks on the rest, what's the most I can get?":
    each part (or "the rest") takes the score word nearest it in its clause; a part named
    with none takes the score of the clause it is listed with ("CA2 and CA3")."""
    if not found.scores and not found.except_at:
        return None
    spans = _clauses(q)
    persian = any("\u0600" <= ch <= "\u06ff" for ch in q.text)
    targets = [(m.at, m) for m in found.mentions] + [(at, None) for at in found.others_at]
    own: dict[int, float] = {}
    for at, _ in targets:
        value = _nearest_score(found, at, spans, persian)
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
    single = any(m.one or (m.every and m.singular) or m.item for m in found.mentions)
    # "how much is one quiz": "much" asks a worth of one of a part's items, not of "CA2".
    one = any(m.one or (m.every and m.singular) for m in found.mentions)
    unit = single and bool(words & _WORTH or (one and words & _MUCH))
    together = bool(words & _TOGETHER) or bool(found.except_at) or bool(found.others_at)
    if not parts or (len(parts) > 1 and not together):
        return None
    if not (words & _SHARE or unit or len(parts) > 1):
        return None
    attrs = (Attr.PERCENT,) if words & _SHARE else (Attr.POINTS,)
    return Query(Op.SHARE, Subject(parts=parts, unit=unit and len(parts) == 1), attrs)
