"""Build a draft quiz from the indexed documents, offline and deterministically.

Passages are chosen by topic (the hybrid retriever's top passages for "missing children",
plus the case studies and the finding heading of their sections) or by section path (every
passage of "8. Decision making" and its subsections). From those passages come scenario,
multiple-choice, true/false and number items, each quoting its sources verbatim. The same
index, topics, sections and seed always give the same quiz; nothing is approved yet.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from langchain_core.retrievers import BaseRetriever

from assistant.embeddings import load_embeddings
from assistant.index import LoadedIndex
from assistant.query import QueryUnderstanding
from assistant.quiz.choice import choice_items
from assistant.quiz.facts import fact_items
from assistant.quiz.model import ITEM_KINDS, Item, Quiz, QuizError
from assistant.quiz.passages import SourceBook
from assistant.quiz.scenario import scenario_items
from assistant.quiz.validate import validate_quiz
from assistant.retrieval import HybridRetriever, QueryVectors
from assistant.settings import index_dir, load_settings

TOPIC_PASSAGES = 8
STEM_CHARS = 5
RELATIVE_SCORE = 0.8  # of the best passage's fused score, for a passage to be quizzed


class QuizGenerator:
    """Drafts quizzes from one loaded index; ``retriever`` is needed for topics only."""

    def __init__(self, index: LoadedIndex, retriever: BaseRetriever | None = None) -> None:
        self.index = index
        self.book = SourceBook(index)
        self.retriever = retriever

    @classmethod
    def from_settings(cls, overrides: dict | None = None) -> QuizGenerator:
        settings = load_settings(overrides)
        index = LoadedIndex.load(settings, Path(index_dir(settings)))
        return cls.for_index(index, QueryVectors(load_embeddings(settings["embedding_model"])))

    @classmethod
    def for_index(cls, index: LoadedIndex, vectors: QueryVectors) -> QuizGenerator:
        """A generator over an index already loaded (the web app's), with the same topic
        retriever as the CLI, so a quiz built on the web equals the CLI's for the same seed."""
        retriever = HybridRetriever(index=index, vectors=vectors, top_k=TOPIC_PASSAGES,
                                    understanding=QueryUnderstanding(index.vocabulary))
        return cls(index, retriever)

    def build(self, topics: Sequence[str] = (), sections: Sequence[str] = (), seed: int = 0,
              title: str = "", kinds: Sequence[str] = ITEM_KINDS,
              max_per_kind: int | None = None) -> Quiz:
        """A draft quiz; raises :class:`QuizError` for no topic/section or an unknown one."""
        if not topics and not sections:
            raise QuizError("choose at least one topic or section", field="topics")
        unknown = sorted(set(kinds) - set(ITEM_KINDS))
        if unknown:
            raise QuizError(f"unknown item kind {unknown[0]!r}", field="kinds")
        rows = self.passages(topics, sections)
        items = self.items(rows, seed)
        chosen: list[Item] = []
        for kind in kinds:
            of_kind = [i for i in items if i.kind == kind]
            chosen.extend(of_kind[:max_per_kind] if max_per_kind is not None else of_kind)
        position = {item.id: n for n, item in enumerate(items)}
        chosen.sort(key=lambda i: position[i.id])
        title = title or "Quiz: " + ", ".join([*topics, *sections])
        return validate_quiz(Quiz(title=title, topics=tuple(topics), sections=tuple(sections),
                                  seed=seed, items=tuple(chosen)))

    def items(self, rows: list[int], seed: int) -> list[Item]:
        """Every item the passages support, in the passages' order, one per id."""
        order = {row: n for n, row in enumerate(rows)}
        found = (scenario_items(self.book, rows) + choice_items(self.book, rows, seed)
                 + fact_items(self.book, rows, seed))
        kind_order = {kind: n for n, kind in enumerate(ITEM_KINDS)}
        found.sort(key=lambda i: (order[self.index.row_of[i.sources[0].chunk_id]],
                                  kind_order[i.kind]))
        unique: dict[str, Item] = {}
        for item in found:
            unique.setdefault(item.id, item)
        return list(unique.values())

    def passages(self, topics: Sequence[str], sections: Sequence[str]) -> list[int]:
        """Rows of the passages to quiz, most relevant first, without repeats."""
        rows: list[int] = []
        for section in sections:
            found = self.book.rows_in_section(section)
            if not found:
                raise QuizError(f"no indexed section {section!r}", field="sections")
            rows.extend(found)
        for topic in topics:
            rows.extend(self._topic_rows(topic))
        return [r for r in dict.fromkeys(rows) if self.book.usable(r)]

    def _topic_rows(self, topic: str) -> list[int]:
        if self.retriever is None:
            raise QuizError("topics need a retriever (QuizGenerator(index, retriever))",
                            field="topics")
        if not topic.strip():
            raise QuizError("a topic is empty", field="topics")
        rows = []
        passages = self.retriever.invoke(topic)
        best = max((p.metadata.get("score", 0.0) for p in passages), default=0.0)
        for passage in passages:
            if passage.metadata.get("score", best) < RELATIVE_SCORE * best:
                continue  # a passage that only brushes the topic brings off-topic items
            row = self.index.row_of[passage.metadata["chunk_id"]]
            rows.extend([row, *self._companions(row)])
        for passage in self.retriever.invoke(f"case study: {topic}"):
            row = self.index.row_of[passage.metadata["chunk_id"]]
            if passage.metadata["block_kind"] == "case_study" and _mentions(
                    self.index.texts[row], topic):
                rows.append(row)
        return rows

    def _companions(self, row: int) -> list[int]:
        """The passages that complete a retrieved one as quiz material: the start of its
        section when it states a finding (the heading and its evidence) and the case studies
        under it."""
        section_rows = self.book.rows_in_section(self.index.metadatas[row]["section"])
        cases = [r for r in section_rows if self.index.metadatas[r]["block_kind"] == "case_study"]
        heading = [section_rows[0]] if section_rows[0] in self.book.finding_rows else []
        return [*heading, *cases]


def _mentions(text: str, topic: str) -> bool:
    """Whether a passage names every word of the topic (by its first letters, so "children"
    matches "child"): a case study found for "domestic abuse" must be about domestic abuse."""
    words = [w for w in re.findall(r"[a-z]+", topic.lower()) if len(w) > 3]
    lowered = text.lower()
    return bool(words) and all(w[:STEM_CHARS] in lowered for w in words)
