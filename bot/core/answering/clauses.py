"""Split a question into the clauses that each may ask something, and tell chatter apart."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.answering.question import kind_of, reading, tokenize
from bot.core.lang.lexicon import lexicon
from bot.core.lang.text import normalize

# Where a question may hold another: sentence ends, "and", "+", "also", Persian "و", commas.
_CLAUSE_BREAK = re.compile(
    r"[?!.;؟؛\n]+(?:\s|$)|\s+(?:and|also|plus|\+|&|و|ضمنا|همچنین)\s+|\s*[,،]\s+"
)
# A clause this short, or with a pronoun, leans on the one before: "… and when is it?"
_SHORT = 3
_PRONOUNS = frozenset(lexicon().words.pronouns)
# "comes out with it", "همراهش": the item is the one the clause before named.
_OBJECT_PRONOUN = re.compile(
    "|".join(rf"(?<!\w){re.escape(p)}(?!\w)" for p in lexicon().words.leans_back) or r"(?!x)x"
)
_SELF = frozenset(lexicon().words.speaker)
_PAST = frozenset(lexicon().order.get("past", []))


def split_clauses(text: str) -> list[str]:
    """Split a question into the clauses that may each ask something, dropping empty ones.

    A one-word piece ("quiz 6 and 7", "حضور و غیاب") stays with the clause before it.
    """
    clauses: list[str] = []
    pending = ""
    for part in _CLAUSE_BREAK.split(text):
        part = f"{pending} {(part or '').strip()}".strip()
        pending = ""
        if not part:
            continue
        if _sets_aside(part):
            pending = part  # "Apart from the lead TA, how many TAs …": one question
        elif len(tokenize(part)) >= 2 and not (clauses and _opens_pair(clauses[-1])):
            clauses.append(part)
        elif clauses:
            clauses[-1] = f"{clauses[-1]} {part}"
        else:
            pending = part  # a first one-word piece joins the next: "حضور و غیاب"
    if pending:
        clauses.append(pending)
    return clauses


def _sets_aside(piece: str) -> bool:
    """Tell whether a piece only sets something aside for what follows: "Apart from X,"."""
    if "?" in piece or "؟" in piece or not _MAY_SET_ASIDE.search(piece[:40]):
        return False  # most pieces: no need to read them
    words = tokenize(piece)
    # "به جز …", "other than …": the word may come second.
    opens = bool(set(words[:2]) & _SETTING_ASIDE) or words[:2] == ["other", "than"]
    return opens and not set(words) & _ASKING


_SETTING_ASIDE = frozenset(lexicon().words.except_) - {"not", "without", "بدون"}
_ASKING = frozenset(lexicon().words.question)
_MAY_SET_ASIDE = re.compile(
    "|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in (*_SETTING_ASIDE, "other")),
    re.IGNORECASE,
)


def _opens_pair(clause: str) -> bool:
    """Tell whether a clause ends on a pair that "and" closes: "… between quiz 2 | and 3"."""
    words = tokenize(clause)
    between = set(lexicon().words.between)
    starts = [i for i, word in enumerate(words) if word in between]
    return bool(starts) and len(words) - starts[-1] <= 5


def _asks(clause: str, words: list[str]) -> bool:
    asking = set(lexicon().words.question)
    return bool(set(words[1:]) & asking) or "?" in clause or "؟" in clause


def without_chatter(clauses: list[str]) -> list[str]:
    """Drop clauses that only tell about the student ("I was sick yesterday and missed class"):
    one that starts with "I" and asks nothing, and what follows it without asking either."""
    kept: list[str] = []
    telling = False
    for clause in clauses:
        words = reading(clause).replace("'", "").split()
        if not words:
            continue
        names_item = any(kind_of(w) for w in tokenize(clause))
        asks = words[0] in lexicon().words.question or _asks(clause, words) or names_item
        opens = words[0] in _SELF or words[0] in lexicon().words.chatter
        # "… and missed class": a past-tense verb carries the story on.
        goes_on = telling and (words[0] in _PAST or words[0].endswith("ed"))
        telling = not asks and (opens or goes_on)
        if not telling:
            kept.append(clause)
    return kept


def with_antecedents(clauses: list[str]) -> list[str]:
    """Give a clause that leans on the one before ("and when is it?") that one's subject."""
    lex = lexicon()
    asking = {*lex.words.question, *lex.stopwords, *lex.words.weight}
    asking |= {*lex.words.amount, *lex.words.grade}
    named = {w for words in (*lex.kinds.values(), *lex.focus.values()) for w in words}
    result: list[str] = []
    for index, clause in enumerate(clauses):
        words = tokenize(clause)
        own_subject = bool(set(words) & named) or any(kind_of(w) for w in words)
        # "… and what hw comes out with it?": a pronoun leans back even beside a kind word,
        # unless the clause names its own item by number.
        leans = not own_subject and (bool(set(words) & _PRONOUNS) or len(words) <= _SHORT)
        numbered = any(w.isdigit() for w in words)
        leans = leans or (not numbered and _OBJECT_PRONOUN.search(normalize(clause)) is not None)
        if index and leans:
            subject = [w for w in tokenize(clauses[index - 1]) if w not in asking]
            clause = f"{clause} {' '.join(subject)}"
        result.append(clause)
    return result


@dataclass(frozen=True)
class Core:
    """The part of a message that asks, and the telling just before it ("I missed class
    yesterday. … What are they?": the question is the last sentence)."""

    asking: str
    context: str


# Sentence ends, an ellipsis included: "My laptop died last week… can you tell me …".
_SENTENCE = re.compile(r"(?<=[.!?؟…\n])\s+|(?<=…)(?=\S)")
# "my brother asked what this course is about": the question after the reporting verb.
_REPORTED = re.compile(
    r"\b(?:asked|asks|asking|wondered|wonders|wondering|wants to know|wanted to know"
    r"|want to know)\b\s+(?:me\s+|us\s+)?(?=(?:what|when|where|who|how|which|why|if|whether)\b)"
    r"|(?:پرسید|میپرسه|می پرسه|پرسیده|میخواد بدونه|می‌خواد بدونه)\s+(?:که\s+)?",
    re.IGNORECASE,
)


# "… anyway, my question is: …": what says the question follows the telling.
_ASKS_NOW = re.compile(
    r"(?<!\w)(?:"
    + "|".join(re.escape(p) for p in sorted(lexicon().words.asks_now, key=len, reverse=True))
    + r")(?!\w)(?:[^.?!:؟\n]{0,40}:)?"
)
# Telling long enough that a question announced after it is the message's point.
_TOLD_WORDS = 6


def announced(text: str) -> Core | None:
    """Return the question a long message announces after its telling ("I've been reading
    … My question is boring logistics though: which room?"), or None."""
    folded = normalize(text)
    found = [
        m for m in _ASKS_NOW.finditer(folded) if len(folded[: m.start()].split()) >= _TOLD_WORDS
    ]
    if not found:
        return None
    last = found[-1]
    asking = folded[last.end() :].strip(" .,:،")
    if len(tokenize(asking)) < 2:
        return None
    return Core(asking, folded[: last.start()].strip())


def core_of(text: str) -> Core | None:
    """Return the asking part of a message that also tells something, or None when the
    message is all question (or all telling)."""
    reported = _REPORTED.search(text)
    if reported is not None and reported.end() < len(text):
        return Core(text[reported.end() :].strip(), text[: reported.start()].strip())
    sentences = [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]
    if len(sentences) < 2:
        return None
    asking = [i for i, sentence in enumerate(sentences) if _asks_sentence(sentence)]
    if not asking or len(asking) == len(sentences):
        return None
    first = asking[0]
    telling = [s for s in sentences[:first] if not _only_greeting(s)]
    if not telling:
        return None
    # The telling just before the question is what a "they" or "it" in it points at.
    return Core(" ".join(sentences[i] for i in asking), telling[-1])


def _asks_sentence(sentence: str) -> bool:
    """Tell whether a sentence asks: a question mark, or a question or request word first."""
    if "?" in sentence or "؟" in sentence:
        return True
    words = reading(sentence).replace("'", "").split()
    return bool(words) and words[0] in _OPENERS


_OPENERS = frozenset(lexicon().words.question) | frozenset(lexicon().words.ask_verbs)


def _only_greeting(sentence: str) -> bool:
    greetings = set(lexicon().words.greetings) | set(lexicon().words.chatter)
    words = tokenize(sentence)
    return all(word in greetings for word in words)
