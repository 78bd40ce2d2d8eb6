"""Match free-form questions to knowledge-base entries by weighted, typo-tolerant word overlap."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.core.answering.question import kind_of
from bot.core.lang.lexicon import lexicon

STOPWORDS = frozenset(lexicon().stopwords)
# Colloquial and formal spellings that mean the same; both sides are folded to the second.
_SYNONYMS = dict(lexicon().synonyms)


def stem(token: str) -> str:
    """Reduce a token to a rough stem so plurals and tenses meet."""
    token = _SYNONYMS.get(token, token)
    if token.isascii():
        for suffix, replacement, minimum in (
            ("ies", "y", 5),
            ("sses", "ss", 5),
            ("ing", "", 6),
            ("ed", "", 5),
            ("es", "", 5),
            ("s", "", 4),
        ):
            if token.endswith(suffix) and len(token) >= minimum and not token.endswith("ss"):
                return _SYNONYMS.get(
                    token[: -len(suffix)] + replacement, token[: -len(suffix)] + replacement
                )
        return token
    for suffix in ("هایی", "های", "ها"):
        if token.endswith(suffix) and len(token) > len(suffix) + 2:
            return _SYNONYMS.get(token[: -len(suffix)], token[: -len(suffix)])
    return token


def content_terms(tokens: Iterable[str]) -> list[str]:
    """Drop stop words, fold item words to their kind and stem the rest, keeping order."""
    terms = []
    for token in tokens:
        if token in STOPWORDS or token.isdigit():
            continue
        kind = kind_of(token)
        terms.append(kind if kind else stem(token))
    return terms


ANSWER_WEIGHT = 0.7
BAG_WEIGHT = 0.75
UNKNOWN_WEIGHT = 0.4

# Possessive, plural and object endings of spoken Persian, longest first.
_PERSIAN_SUFFIXES = sorted(lexicon().endings, key=len, reverse=True)


@dataclass(frozen=True)
class Document:
    """One phrasing of one knowledge-base entry, or (``is_answer``) the text of its answer."""

    entry: str
    terms: frozenset[str]
    is_answer: bool = False


@dataclass(frozen=True)
class Match:
    """An entry with how well the question matched it (0–1) and which terms did."""

    entry: str
    score: float
    recall: float
    matched: frozenset[str]
    unknown: tuple[str, ...]


class Index:
    """An inverted index over entry phrasings with IDF weights and typo correction."""

    def __init__(self, documents: list[Document]) -> None:
        self.documents = [doc for doc in documents if doc.terms]
        # Rarity is counted over entries, not phrasings: a word every phrasing of one entry
        # repeats ("grade" in grading) is that entry's strongest signal, not a common word.
        entries_with: dict[str, set[str]] = defaultdict(set)
        self.postings: dict[str, list[int]] = defaultdict(list)
        for number, doc in enumerate(self.documents):
            for term in doc.terms:
                entries_with[term].add(doc.entry)
                self.postings[term].append(number)
        count = len({doc.entry for doc in self.documents})
        self.idf = {term: math.log(1 + count / len(e)) for term, e in entries_with.items()}
        self.max_idf = max(self.idf.values(), default=1.0)
        # A word the course never uses counts against a match, but less than a rare course
        # word would: chatty questions are full of them ("I live kinda far from campus").
        self.unknown_weight = UNKNOWN_WEIGHT * self.max_idf
        self.doc_weight = [sum(self.idf[t] for t in doc.terms) for doc in self.documents]
        self.vocabulary = sorted(self.idf)
        self._corrections: dict[str, str | None] = {}

    def correct(self, term: str) -> str | None:
        """Return the vocabulary word a misspelt term most likely meant, or None."""
        if term in self.idf:
            return term
        if term in self._corrections:
            return self._corrections[term]
        fixed = self._strip_suffix(term)
        # Persian words are short and differ by one letter ("بیاد", "یاد"): correct only
        # longer ones, where one letter is a typo rather than another word.
        if fixed is None and len(term) >= (4 if term.isascii() else 5):
            cutoff = 80 if len(term) >= 6 else 84
            found = process.extractOne(
                term, self.vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff
            )
            fixed = found[0] if found else None
        self._corrections[term] = fixed
        return fixed

    def _strip_suffix(self, term: str) -> str | None:
        """Find the vocabulary word under a colloquial Persian ending: "ایمیلش", "سوالامو"."""
        if term.isascii():
            return None
        for suffix in _PERSIAN_SUFFIXES:
            if term.endswith(suffix) and len(term) - len(suffix) >= 2:
                base = term[: -len(suffix)]
                if base in self.idf:
                    return base
                if stem(base) in self.idf:
                    return stem(base)
        return None

    def search(self, terms: list[str], limit: int = 3) -> list[Match]:
        """Rank entries for the question's content terms."""
        if not terms:
            return []
        known: dict[str, float] = {}
        unknown: list[str] = []
        for term in dict.fromkeys(terms):
            fixed = self.correct(term)
            if fixed is None:
                unknown.append(term)
            else:
                # A corrected word counts a little less than one spelt right.
                weight = self.idf[fixed] * (1.0 if fixed == term else 0.85)
                known[fixed] = max(known.get(fixed, 0.0), weight)
        query_weight = sum(known.values()) + self.unknown_weight * len(unknown)
        overlap: dict[int, float] = defaultdict(float)
        for term, weight in known.items():
            for number in self.postings[term]:
                overlap[number] += weight
        best: dict[str, Match] = {}
        covered: dict[str, set[str]] = defaultdict(set)
        for number, shared in overlap.items():
            doc = self.documents[number]
            recall = shared / query_weight
            precision = shared / self.doc_weight[number]
            if doc.is_answer:
                # Answers are long, so only how much of the question they cover counts, and
                # less than a phrasing written as a question would.
                score = ANSWER_WEIGHT * recall
            else:
                score = 2 * precision * recall / (precision + recall)
            matched = frozenset(t for t in known if t in doc.terms)
            covered[doc.entry].update(matched)
            if doc.entry not in best or score > best[doc.entry].score:
                best[doc.entry] = Match(doc.entry, score, recall, matched, tuple(unknown))
        for entry, terms_of_entry in covered.items():
            # A question may use words spread over several phrasings of one entry ("which
            # book of the references is Huyen's?"): credit the entry for all of them together.
            recall = sum(known[t] for t in terms_of_entry) / query_weight
            if BAG_WEIGHT * recall > best[entry].score:
                matched = frozenset(terms_of_entry)
                best[entry] = Match(entry, BAG_WEIGHT * recall, recall, matched, tuple(unknown))
        return sorted(best.values(), key=lambda m: -m.score)[:limit]
