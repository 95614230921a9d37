"""The answering pipeline end to end: real model, real Chroma index of the shipped corpus.

These tests check behaviour a user relies on (grounded, cited, abstaining), not wording.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable

from assistant.abstention import choose_threshold
from assistant.pipeline import Assistant
from assistant.query import QuestionError
from assistant.types import ABSTENTION_TEXT


@pytest.fixture(scope="session")
def assistant(built_index: dict[str, Any]) -> Assistant:
    return Assistant.from_settings(built_index)


def assert_grounded(answer: Any) -> None:
    """Every item is a verbatim span of its cited passage, and the span offsets are exact."""
    assert answer.items and answer.citations
    numbers = {c.n for c in answer.citations}
    for item in answer.items:
        assert item.citation in numbers
    for citation in answer.citations:
        start, end = citation.span
        assert citation.text[start:end] == citation.span_text
        assert citation.span_text.strip()
    spans = {c.span_text for c in answer.citations}
    for item in answer.items:
        assert item.text in spans


def test_police_protection_recording_question_is_answered_with_citations(assistant):
    answer = assistant.ask("What must officers record when they use police protection powers?")
    assert not answer.abstained and answer.status == "answered"
    assert_grounded(answer)
    assert any("8. Decision making" in c.section for c in answer.citations)
    assert all(f"[{item.citation}]" in answer.text for item in answer.items)


def test_custody_question_is_answered_about_appropriate_adults(assistant):
    answer = assistant.ask("what did inspectors find about appropriate adults for children "
                           "in custody?")
    assert not answer.abstained
    assert_grounded(answer)
    assert "appropriate adult" in answer.text.lower()
    assert any(p.metadata["section"].startswith("11. Police detention")
               for p in answer.passages)


def test_statute_question_reaches_the_children_act(assistant):
    answer = assistant.ask("under the Children Act, when may a constable remove a child to "
                           "suitable accommodation?")
    assert not answer.abstained
    assert any(c.document_id == "children-act-1989-s46-s21" for c in answer.citations)


@pytest.mark.parametrize("question", [
    "How do I renew my passport?",
    "what is the best recipe for lasagne",
    "which football team won the premier league in 2019?",
])
def test_out_of_scope_questions_abstain_and_offer_nearest_topics(assistant, question):
    answer = assistant.ask(question)
    assert answer.abstained and answer.status == "abstained"
    assert answer.text == ABSTENTION_TEXT
    assert answer.items == [] and answer.citations == []
    assert answer.nearest_topics


def test_answers_are_deterministic(assistant):
    first = assistant.ask("How long did online abuse referrals wait before reaching social care?")
    second = assistant.ask("How long did online abuse referrals wait before reaching social care?")
    assert first.text == second.text
    assert [c.chunk_id for c in first.citations] == [c.chunk_id for c in second.citations]


def test_scenario_requests_get_a_whole_case_study(assistant):
    answer = assistant.ask("give me a case study about police protection for training")
    assert not answer.abstained
    cited = {c.chunk_id for c in answer.citations}
    assert len(cited) == 1
    passage = next(p for p in answer.passages if p.metadata["chunk_id"] in cited)
    assert passage.metadata["block_kind"] == "case_study"


def test_a_list_answer_keeps_its_lead_in_and_items(assistant):
    answer = assistant.ask("what did the inspectors see as areas for improvement?")
    kinds = [item.kind for item in answer.items]
    assert "list_item" in kinds
    first_item = kinds.index("list_item")
    assert first_item > 0, "a checklist starts with its lead-in sentence"


def test_follow_up_uses_the_conversation(assistant):
    history = [{"question": "what should custody staff record when a child is detained?"}]
    alone = assistant.ask("what about reviews?")
    answer = assistant.ask("what about reviews?", history=history)
    assert not answer.abstained
    assert "custody" in answer.passages[0].page_content.lower()
    assert [p.id for p in answer.passages] != [p.id for p in alone.passages]


def test_filters_restrict_the_passages(assistant):
    answer = assistant.ask("police protection", filters={"kind": "statutory"})
    assert answer.passages
    assert {p.metadata["kind"] for p in answer.passages} == {"statutory"}
    with pytest.raises(ValueError, match="unknown filter"):
        assistant.ask("police protection", filters={"colour": "blue"})


@pytest.mark.parametrize("bad", ["", "   ", "x" * 1001, "a\x00b"])
def test_bad_questions_raise_question_error(assistant, bad):
    with pytest.raises(QuestionError):
        assistant.ask(bad)


def test_the_chain_is_a_langchain_runnable_with_swappable_parts(assistant):
    assert isinstance(assistant.chain, Runnable)
    assert isinstance(assistant.retriever, BaseRetriever)
    documents = assistant.retriever.invoke("appropriate adult in custody")
    assert documents and all(isinstance(d, Document) for d in documents)
    assert {"document_id", "section", "chunk_id", "score", "edition"} <= set(
        documents[0].metadata)


class _RetrieverSpy(BaseCallbackHandler):
    def __init__(self) -> None:
        self.retrieved: list[int] = []

    def on_retriever_end(self, documents, **kwargs) -> None:  # noqa: ANN001
        self.retrieved.append(len(documents))


def test_a_tracer_sees_retrieval_through_runnable_config(assistant):
    spy = _RetrieverSpy()
    assistant.ask("custody reviews in person", config={"callbacks": [spy]})
    assert spy.retrieved and spy.retrieved[0] == assistant.retriever.top_k


def test_passages_are_short_enough_to_read(assistant):
    answer = assistant.ask("what did the inspection find about missing children?")
    assert sum(len(p.page_content) for p in answer.passages) < 5000
    assert len(answer.passages) == assistant.retriever.top_k


def test_threshold_choice_abstains_on_unanswerable_and_keeps_answerable():
    threshold = choose_threshold([1.4, 1.6, 1.8], [0.5, 0.9])
    assert 0.9 < threshold < 1.4
    lenient = choose_threshold([1.0, 1.6, 1.8], [0.5, 1.2], max_false_abstentions=1)
    assert 1.2 < lenient < 1.6
