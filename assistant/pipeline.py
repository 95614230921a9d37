"""The answer chain: understand the question, retrieve, compose a grounded answer or abstain.

It is a LangChain Runnable end to end (``Assistant.chain``) so a deployment can swap the
retriever, attach a tracer through ``config={"callbacks": [...]}``, or put a chat model
behind the grounding gate (``llm_provider``; :mod:`assistant.generative`): its step comes
after the extractive answer, which stays the fallback. With no provider the chain is
understand → retrieve → compose, as before.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda

from assistant.abstention import AbstentionPolicy, Evidence, coverage
from assistant.answerer import GroundedAnswerer, answer_text
from assistant.checklists import ChecklistCatalogue
from assistant.embeddings import load_embeddings
from assistant.generative.chain import GenerativeStep
from assistant.generative.gate import GroundingGate
from assistant.generative.provider import chat_model
from assistant.index import LoadedIndex
from assistant.personal_data import detect
from assistant.query import Query, QueryUnderstanding, clean_question
from assistant.retrieval import HybridRetriever, QueryVectors, filter_mask
from assistant.settings import index_dir, load_settings
from assistant.types import ABSTENTION_TEXT, Answer
from assistant.urgent import is_immediate_risk, urgent_reply

_FOLLOW_UP = re.compile(
    r"^(and|what about|how about|what if|also|then|so|but|same for|does that|is that|"
    r"do they|do we|what else)\b", re.IGNORECASE)
FOLLOW_UP_MAX_WORDS = 3  # "and reviews?": too short to stand alone


class Assistant:
    """Answers questions from one loaded index. Build it once; call :meth:`ask` per request."""

    def __init__(self, index: LoadedIndex, vectors: QueryVectors, settings: Mapping[str, Any],
                 policy: AbstentionPolicy | None = None,
                 retriever: BaseRetriever | None = None,
                 model: Runnable | None = None) -> None:
        self.index = index
        self.vectors = vectors
        self.settings = settings
        self.policy = policy or AbstentionPolicy.load()
        self.understanding = QueryUnderstanding(index.vocabulary)
        self.retriever: BaseRetriever = retriever or HybridRetriever(
            index=index, vectors=vectors, understanding=self.understanding,
            top_k=int(settings["top_k"]),
        )
        self.answerer = GroundedAnswerer(index)
        self.checklists = ChecklistCatalogue.from_index(index)
        self.chain: Runnable = (
            RunnableLambda(self._understand, name="understand")
            | RunnableLambda(self._retrieve, name="retrieve")
            | RunnableLambda(self._compose, name="compose")
        )
        self.generative: GenerativeStep | None = None
        if model is not None:
            gate = GroundingGate(vectors.embeddings.embed_array)
            self.generative = GenerativeStep(
                model, gate, model_label=str(settings.get("llm_model", "")),
                system_role=bool(settings.get("llm_system_role", True)))
            self.chain = self.chain | self.generative.runnable

    @classmethod
    def from_settings(cls, overrides: Mapping[str, Any] | None = None) -> Assistant:
        settings = load_settings(overrides)
        model = chat_model(settings)  # bad model settings fail before the index loads
        index = LoadedIndex.load(settings, Path(index_dir(settings)))
        vectors = QueryVectors(load_embeddings(settings["embedding_model"]))
        return cls(index, vectors, settings, model=model)

    def ask(self, question: object, history: Sequence[Any] | None = None,
            filters: Mapping[str, Any] | None = None,
            config: RunnableConfig | None = None) -> Answer:
        """Answer one question; raises :class:`assistant.query.QuestionError` on bad input.

        A child in danger now gets the fixed "act now" reply above the guidance; personal
        data in the question is reported by kind (never by value) so the page can warn.
        """
        started = time.perf_counter()
        text = clean_question(question, int(self.settings["max_question_chars"]))
        state = {"question": text, "history": list(history or []), "filters": filters,
                 "timings": {}}
        answer: Answer = self.chain.invoke(state, config=config)
        if is_immediate_risk(text):
            answer.urgent_reply = urgent_reply()
        answer.personal_data = sorted({finding.kind for finding in detect(text)})
        answer.timings["total_ms"] = (time.perf_counter() - started) * 1000
        return answer

    def _understand(self, state: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        previous = _previous_question(state["history"])
        search_text = state["question"]
        if previous and _is_follow_up(state["question"]):
            search_text = f"{previous} {state['question']}"
        state["search_text"] = search_text
        state["query"] = self.understanding.prepare(search_text)
        state["timings"]["understand_ms"] = (time.perf_counter() - started) * 1000
        return state

    def _retrieve(self, state: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        retriever = self.retriever
        if state["filters"] and hasattr(retriever, "with_filters"):
            retriever = retriever.with_filters(state["filters"])
        state["passages"] = retriever.invoke(state["search_text"])
        state["timings"]["retrieve_ms"] = (time.perf_counter() - started) * 1000
        return state

    def _compose(self, state: dict[str, Any]) -> Answer:
        started = time.perf_counter()
        query: Query = state["query"]
        passages = state["passages"]
        evidence = Evidence(
            relevance=passages[0].metadata.get("score", 0.0) if passages else 0.0,
            coverage=coverage(query.corrected, self.understanding.known),
        )
        answer = Answer(question=state["question"], text=ABSTENTION_TEXT, items=[],
                        citations=[], abstained=True, status="abstained",
                        confidence=round(evidence.strength, 4), passages=passages)
        if passages and not self.policy.should_abstain(evidence):
            vector = self.vectors.vector(query.dense_text)
            items, citations = self.answerer.compose(query, vector, passages)
            if items:
                answer.items, answer.citations = items, citations
                answer.text = answer_text(items)
                answer.abstained, answer.status = False, "answered"
                answer.notices = _notices(citations)
                answer.offered_checklists = self.checklists.offer(
                    vector, passages, self._allowed_documents(state["filters"]))
        if answer.abstained:
            answer.nearest_topics = _nearest_topics(passages)
        state["timings"]["compose_ms"] = (time.perf_counter() - started) * 1000
        answer.timings = state["timings"]
        return answer

    def _allowed_documents(self, filters: Mapping[str, Any] | None) -> set[str] | None:
        """The documents a request's filters let through (None: no filters)."""
        if not filters:
            return None
        mask = filter_mask(self.index, filters)
        return {m["document_id"] for m, keep in zip(self.index.metadatas, mask, strict=True)
                if keep}


def _previous_question(history: Sequence[Any]) -> str | None:
    """The last question the user asked, from ``[{"question": ...}]`` or plain strings."""
    for turn in reversed(history):
        text = turn.get("question") if isinstance(turn, Mapping) else turn
        if isinstance(text, str) and text.strip():
            return text.strip()[:500]
    return None


def _is_follow_up(question: str) -> bool:
    return bool(_FOLLOW_UP.match(question)) or len(question.split()) <= FOLLOW_UP_MAX_WORDS


def _notices(citations: list[Any]) -> list[str]:
    notices = []
    for citation in {c.document_id: c for c in citations}.values():
        if citation.status == "superseded":
            notices.append(f"{citation.title} ({citation.edition}) is superseded"
                           + (f" by {citation.superseded_by}" if citation.superseded_by else "")
                           + ": check the current edition.")
        elif citation.status == "draft":
            notices.append(f"{citation.title} is a draft or SAMPLE document, not force policy.")
    return notices


def _nearest_topics(passages: list[Any]) -> list[str]:
    topics: list[str] = []
    for passage in passages:
        section = passage.metadata.get("section") or passage.metadata.get("title")
        if section and section not in topics:
            topics.append(section)
    return topics[:3]
