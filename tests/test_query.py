"""Question cleaning, typo correction and glossary expansion (no model needed)."""

from __future__ import annotations

import pytest

from assistant.query import QueryUnderstanding, QuestionError, clean_question, load_glossary

VOCABULARY = {"custody", "police", "protection", "record", "juvenile", "detention", "missing"}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("x" * 1001, "1001 characters long; the limit is 1000"),
        ("abc\x00def", "binary data"),
        ("?!? ... --", "no words"),
        (42, "must be text"),
    ],
)
def test_bad_questions_are_refused_with_a_reason(raw: object, reason: str) -> None:
    with pytest.raises(QuestionError, match=reason):
        clean_question(raw, max_chars=1000)


def test_hidden_and_control_characters_are_removed() -> None:
    tagged = "what\u200b do I\u202e record\U000e0041\U000e0042 in\tcustody?\x07"
    assert clean_question(tagged, max_chars=1000) == "what do I record in custody?"


def test_a_question_at_the_limit_is_accepted() -> None:
    assert len(clean_question("a" * 1000, max_chars=1000)) == 1000


def test_typos_are_corrected_against_the_corpus_vocabulary() -> None:
    understanding = QueryUnderstanding(VOCABULARY)
    query = understanding.prepare("juvinile in custdy")
    assert query.corrected == "juvenile in custody"
    assert ("custdy", "custody") in query.corrections


def test_short_words_and_numbers_are_not_corrected() -> None:
    query = QueryUnderstanding(VOCABULARY).prepare("s46 101 cat")
    assert query.corrected == "s46 101 cat"


def test_glossary_expands_abbreviations_for_retrieval() -> None:
    query = QueryUnderstanding(VOCABULARY).prepare("s46 what do I record")
    assert any("police protection" in e for e in query.expansions)
    assert "police protection" in query.retrieval_text


def test_jargon_the_corpus_never_uses_is_spelled_out_for_the_dense_model() -> None:
    query = QueryUnderstanding(VOCABULARY).prepare("s46 what do I record")
    assert query.dense_text.startswith("police protection")
    assert "s46" not in query.dense_text.split()
    # A phrase made of corpus words stays as written.
    kept = QueryUnderstanding(VOCABULARY).prepare("police protection record")
    assert kept.dense_text == "police protection record"


def test_every_glossary_entry_is_well_formed() -> None:
    glossary = load_glossary()
    assert len(glossary) > 30
    for entry in glossary:
        assert entry.canonical and entry.label and entry.aliases
        assert all(alias == alias.lower() for alias in entry.aliases)
