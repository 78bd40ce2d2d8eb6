"""Text to query: the parser's corpus, and the query format as plain, round-tripping data."""

import json
from pathlib import Path

import pytest
import yaml

from bot.core.answering.parse import Parser
from bot.core.answering.query import (
    Attr,
    Filters,
    Given,
    Late,
    Op,
    Point,
    Query,
    Ref,
    Score,
    Subject,
)
from bot.core.course.loader import load_course
from bot.core.lang.calendar import parse_when

ROOT = Path(__file__).resolve().parents[1]
CORPUS = yaml.safe_load((ROOT / "tests" / "data" / "queries.yaml").read_text("utf-8"))


@pytest.fixture(scope="module")
def parser():
    return Parser(load_course(ROOT / "data" / "mlsd-spring-2023.yaml"))


@pytest.mark.parametrize("case", CORPUS, ids=[case["q"] for case in CORPUS])
def test_each_question_is_read_as_its_query(parser, case):
    """Each question of the corpus becomes exactly its typed query, nothing computed yet."""
    query = parser.parse(case["q"], parse_when(case["now"]))
    assert query.to_dict() == case["query"]


def test_the_corpus_covers_every_operation(parser):
    """The corpus reads at least one question into each operation there is."""
    ops = {case["query"]["op"] for case in CORPUS}
    assert {op.value for op in Op} - ops == set()


@pytest.mark.parametrize("case", CORPUS, ids=[case["q"] for case in CORPUS])
def test_every_query_survives_json_and_back(case):
    """A query is plain data: JSON out and back in gives the same query."""
    query = Query.from_dict(case["query"])
    assert Query.from_dict(json.loads(json.dumps(query.to_dict()))) == query


def test_a_full_query_round_trips():
    """Every field of a query, nested values and dates included, survives the round trip."""
    query = Query(
        Op.LATE,
        Subject(items=(Ref("assignment", 2),), parts=("quizzes",), unit=True),
        (Attr.POINTS, Attr.DEADLINE),
        Filters(section="modeling", ahead=True, start=parse_when("1402-01-01T00:00").date()),
        other=Subject(parts=("final",)),
        points=(Point(item=Ref("quiz", 3)), Point(day=parse_when("1402-02-01T00:00").date())),
        given=Given(scores=(Score("final", 0.5),), others=1.0, delay_hours=10.0, times=2),
        late=Late.PENALTY,
        reason="x",
        notes=("hours",),
    )
    assert Query.from_dict(json.loads(json.dumps(query.to_dict()))) == query


def test_defaults_are_left_out_of_the_plain_form():
    """Empty fields are not written: the plain form says only what the question asked."""
    assert Query(Op.COUNT, Subject(kinds=("quiz",))).to_dict() == {
        "op": "count",
        "subject": {"kinds": ["quiz"]},
    }


@pytest.mark.parametrize(
    "data",
    [
        {"op": "fly"},
        {"op": "lookup", "attrs": ["colour"]},
        {"op": "late", "late": "never"},
        {"op": "lookup", "subject": {"items": [{"kind": "quiz", "number": "three"}]}},
        {"op": "late", "given": {"delay_hours": "ten"}},
        {"op": "pick", "filters": {"order": "sideways"}},
    ],
)
def test_a_query_with_an_unknown_value_is_refused(data):
    """A plain query naming an operation, attribute or late question that does not exist, or
    holding a value of the wrong type, is an error, not a query that fails mid-answer."""
    with pytest.raises(ValueError):
        Query.from_dict(data)
