"""The engine's word lists: typed groups checked at load, so no rule is switched off silently."""

from dataclasses import fields
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.core.lang.lexicon import LexiconFile, Mark, Patterns, Words, lexicon, merge


def test_a_renamed_word_group_is_an_error():
    """A word group the code does not know ("smalltalk" for "small_talk") fails validation."""
    with pytest.raises(ValidationError, match="smalltalk"):
        LexiconFile.model_validate({"words": {"smalltalk": ["hi"]}})


def test_a_renamed_pattern_is_an_error():
    """A pattern group the code does not know fails validation."""
    with pytest.raises(ValidationError, match="untill"):
        LexiconFile.model_validate({"patterns": {"untill": ["until"]}})


def test_every_word_group_the_rules_use_has_words():
    """Each word group is filled by the shipped files, so every rule that reads one is live."""
    words = lexicon().words
    empty = [f.name for f in fields(Words) if not getattr(words, f.name)]
    assert not empty


def test_every_mark_but_the_parsers_own_has_a_pattern():
    """Each mark a rule checks has a pattern in the shipped files, and each pattern a mark."""
    patterns = lexicon().patterns
    assert set(Patterns.model_fields) == {m.value for m in Mark} - {Mark.RANGE.value}
    assert all(getattr(patterns, name) for name in Patterns.model_fields)


def test_no_pattern_looks_for_a_backslash():
    """Patterns are regular expressions over normalised text, which has no backslashes: a
    doubled one ('\\\\b' in single quotes) is a word boundary written wrong."""
    lex = lexicon()
    groups = [*lex.patterns.model_dump().values(), *lex.unsaid.values()]
    written = [p for group in groups for p in group] + [phrase.pattern for phrase in lex.phrases]
    assert [p for p in written if "\\\\" in p] == []


def test_files_merge_by_joining_lists_and_normalising_words():
    """Two files' lists are joined and their words normalised (Arabic ي read as Persian ی)."""
    first = LexiconFile.model_validate({"words": {"thanks": ["merci"]}})
    second = LexiconFile.model_validate({"words": {"thanks": ["مرسي"]}})
    merged = merge([first, second])
    assert merged.words.thanks == ["merci", "مرسی"]


def _duplicate_keys(path):
    """List the keys a YAML file repeats in one mapping (YAML keeps the last one silently)."""
    import yaml

    found = []

    def walk(node):
        if isinstance(node, yaml.MappingNode):
            keys = [key.value for key, _ in node.value]
            found.extend(k for k in set(keys) if keys.count(k) > 1)
            for _, value in node.value:
                walk(value)
        elif isinstance(node, yaml.SequenceNode):
            for value in node.value:
                walk(value)

    walk(yaml.compose(path.read_text(encoding="utf-8")))
    return found


_LEXICON_FILES = sorted(
    (Path(__file__).parents[1] / "bot" / "core" / "lang" / "lexicon").glob("*.yaml")
)
_STRING_FILES = sorted((Path(__file__).parents[1] / "bot" / "locales").glob("*.yaml"))


def test_the_word_and_string_files_are_found():
    """The duplicate-key check below runs over the three lexicon files and every string file."""
    assert [path.name for path in _LEXICON_FILES] == ["en.yaml", "fa.yaml", "finglish.yaml"]
    assert len(_STRING_FILES) >= 6


@pytest.mark.parametrize(
    "path",
    [*_LEXICON_FILES, *_STRING_FILES],
    ids=lambda path: f"{path.parent.name}/{path.name}",
)
def test_word_and_string_files_repeat_no_key(path):
    """No lexicon or locale file gives a key twice, where the first would be lost unseen."""
    assert _duplicate_keys(path) == []
