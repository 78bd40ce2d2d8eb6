"""An answer as the engine gives it, and the answered parts it is made of."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.answering.dialogue import Context
from bot.core.answering.query import Query
from bot.core.answering.results import Result

# Declines that are answers in themselves, or ask the student to say which one: the staff
# have nothing to add.
_ON_PRINCIPLE = frozenset(
    {
        "other-course",
        "other-term",
        "other-person",
        "personal",
        "solutions",
        "campus",
        "no-phone",
        "no-such-item",
        "which-one",
        "date-out-of-range",
    }
)


@dataclass(frozen=True)
class Answer:
    """An answer in plain text, whether the engine was confident, and the KB entries it used."""

    answered: bool
    text: str
    lang: str
    used: tuple[str, ...] = ()
    # Why a question was declined on principle ("other-course", "solutions", …), if it was.
    declined: str | None = None
    # Built from the whole question at once ("days between quiz 2 and quiz 3"): not split.
    whole: bool = False
    # What the engine understood: one query per part of the question it answered.
    queries: tuple[Query, ...] = ()
    # What the next message from the same student may lean on ("and quiz 4?").
    context: Context | None = None

    @property
    def unknown(self) -> bool:
        """Tell whether the engine did not know: not answered, declined for no reason, and
        drawn from no entry (the fallback), as opposed to a decline that itself answers."""
        return not self.answered and self.declined is None and not self.used

    @property
    def for_staff(self) -> bool:
        """Tell whether the course staff could answer what the engine did not: the fallback,
        or something the syllabus does not say, but not a decline on principle (another
        course, someone's grades, solving the homework) or a question to say again."""
        return not self.answered and self.declined not in _ON_PRINCIPLE


@dataclass(frozen=True)
class Part:
    """One clause's query with its result and words."""

    query: Query
    result: Result
    text: str

    @property
    def answered(self) -> bool:
        """Tell whether the part was answered."""
        return self.result.answered

    @property
    def used(self) -> tuple[str, ...]:
        """Return the entries the part drew on."""
        return self.result.used

    @property
    def declined(self) -> str | None:
        """Return why the part was declined, if it was."""
        return self.result.declined
