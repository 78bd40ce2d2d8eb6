"""Read what-ifs about the grade: scores given part by part, "the rest", a total aimed for."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.core.answering import grounding
from bot.core.answering.parse.mentions import (
    GRADE_WORDS,
    NOT_POINTS,
    PART_OF_KIND,
    POINTS_ON,
    TOGETHER,
    UNIT_AFTER,
    Reading,
    clause_spans,
    part_at,
    written_numbers,
)
from bot.core.answering.parse.vocabulary import Vocabulary
from bot.core.answering.parse.words import (
    ASKS_NUMBER_WORDS,
    ONLY_WORDS,
    RECEIVED_WORDS,
    SHARE_WORDS,
    WHEN_DATED_WORDS,
)
from bot.core.answering.query import Attr, Given, Op, Query, Score, Subject
from bot.core.answering.question import Question, read_number, reading
from bot.core.lang.lexicon import lexicon

LEX = lexicon()
_W = LEX.words
_WORTH_WORDS = frozenset(_W.weight)
# How far a score word may stand from the part it scores: "skip the final", "فاینال رو ندم".
_NEAR = 5
_OUT_OF = re.compile(r"\b(\d+(?:\.\d+)?) (?:of|از|out of) (\d+(?:\.\d+)?)\b")


def points_listed(vocab: Vocabulary, q: Question, known: tuple[str, ...]) -> Query | None:
    """Read points given part by part: "project 11, assignments 3, quizzes 2, final 3.5 ->
    total?", "پروژه ۱۰ تمرین ۳ کوییز ۲ فاینال ۲ گرفتم، جمعش چند میشه"."""
    points = {part.id: part.points for part in vocab.course.data.grading.parts}
    scores: dict[str, float] = {}
    for match in _PART_POINTS.finditer(reading(q.text)):
        part = part_at([match.group(1)], 0)
        value = float(match.group(2))
        if part in known and part not in scores and value <= points[part]:
            scores[part] = value / points[part]
    words = set(q.tokens)
    # "CA2 and phase 2": items; three parts with numbers, or two with "got", are points.
    if len(scores) < 2 or (
        len(scores) == 2 and not words & (RECEIVED_WORDS | GRADE_WORDS | _WORTH_WORDS)
    ):
        return None
    if not words & (ASKS_NUMBER_WORDS | TOGETHER | GRADE_WORDS) or words & WHEN_DATED_WORDS:
        return None  # "when are quiz 2 and CA3?": items, not points
    given = Given(scores=tuple(Score(part, fraction) for part, fraction in scores.items()))
    return Query(Op.WHAT_IF, Subject(parts=tuple(scores)), (Attr.POINTS,), given=given)


# A part's name and the points given for it: "project 11", "فاینال: ۳.۵".
_PART_POINTS = re.compile(r"([^\W\d_]+)\s*[:=]?\s*(\d+(?:\.\d+)?)(?![\d/])")


def share_of_total(vocab: Vocabulary, q: Question) -> Query | None:
    """Read a total the question gives as a share of the grade: "18 out of 21 as a percent?"."""
    grading = vocab.course.data.grading
    for match in _OUT_OF.finditer(" ".join(q.tokens)):
        earned, whole = float(match.group(1)), float(match.group(2))
        if whole == grading.total and earned <= whole and set(q.tokens) & SHARE_WORDS:
            known = {part.id for part in grading.parts}
            if any(p in known for p in grounding.grading_parts(q)):
                return None  # "10 of 21 on the project": a part's score
            given = Given(others=earned / whole)
            return Query(Op.WHAT_IF, Subject(), (Attr.PERCENT,), given=given, notes=("total",))
    return None


def score_needed(
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
    scored = listed or (what_if_scores(q, rest, known) if rest.mentions or rest.others_at else None)
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
    numbers = written_numbers(q)
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
        if following in UNIT_AFTER or (following and following[0] in NOT_POINTS):
            continue
        if following and following[0] in POINTS_ON and parts_at & {next_at + 1, next_at + 2}:
            continue  # "7 on the project"
        value = numbers.decimals.get(index, float(token))
        if 0 < value <= total:
            candidates.append(value)
    return candidates[-1] if candidates else None


_NEEDED = frozenset(_W.needed)


def what_if_scores(q: Question, found: Reading, known: tuple[str, ...]) -> Query | None:
    """Read "if I skip the final but get full marks on the rest, what's the most I can get?":
    each part (or "the rest") takes the score word nearest it in its clause; a part named
    with none takes the score of the clause it is listed with ("CA2 and CA3")."""
    if not found.scores and not found.except_at and not found.bound:
        return None
    spans = clause_spans(q)
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
    if others is None and set(q.tokens) & ONLY_WORDS:
        others = 0.0  # "only the project and the final in full"
    named = tuple(dict.fromkeys(s.part for s in scores)) or known
    return Query(
        Op.WHAT_IF,
        Subject(parts=named),
        (Attr.POINTS,),
        given=Given(scores=tuple(_whole_first(scores)), others=others),
    )


def some_missed(
    vocab: Vocabulary, q: Question, found: Reading, query: Query | None
) -> Query | None:
    """Score a part "missed" by a number of its items as the share of them left: "if I miss
    two of the seven quizzes" is 5/7 of the quizzes, "۳ تا کوییز رو از دست بدم" 4/7."""
    if query is None:
        return None
    scores = list(query.given.scores)
    for index, score in enumerate(scores):
        kind = next((k for k, p in PART_OF_KIND.items() if p == score.part), None)
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
