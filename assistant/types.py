"""Typed results of the core: what the web app, the API and the eval harness consume."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ABSTENTION_TEXT = "I can't find this in the indexed guidance."


@dataclass(frozen=True)
class Citation:
    """Where one answer item comes from, precise enough to highlight it in the reader.

    ``text`` is the whole passage; ``span`` is ``[start, end)`` of the quoted item inside
    ``text`` (so ``text[span[0]:span[1]] == span_text``); ``char_start``/``char_end`` place
    the passage in its document's canonical text.
    """

    n: int
    chunk_id: str
    document_id: str
    title: str
    edition: str
    status: str
    superseded_by: str
    section: str
    page: int | None
    text: str
    span: tuple[int, int]
    span_text: str
    char_start: int
    char_end: int
    url: str
    source_url: str


@dataclass(frozen=True)
class AnswerItem:
    """One line of an answer: a verbatim sentence or list item and its citation number."""

    text: str
    citation: int
    kind: str  # "sentence" | "list_item" | "lead_in" | "generated" (a model's, gate-checked)


@dataclass(frozen=True)
class ChecklistOffer:
    """A recording checklist offered with an answer, and why: ``retrieved`` (one of its
    procedure's passages was retrieved) or ``topic`` (the question is close to its topic).
    ``status`` is its procedure's (``draft`` for the SAMPLE procedures)."""

    id: str
    title: str
    status: str
    reason: str
    similarity: float


@dataclass
class Answer:
    """A grounded answer, or an abstention with the nearest topics to try instead."""

    question: str
    text: str
    items: list[AnswerItem]
    citations: list[Citation]
    abstained: bool
    status: str  # "answered" | "abstained"
    confidence: float = 0.0
    urgent_reply: str = ""  # "act now" text, shown above everything, for immediate risk
    personal_data: list[str] = field(default_factory=list)  # kinds found in the question
    nearest_topics: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    offered_checklists: list[ChecklistOffer] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    passages: list[Any] = field(default_factory=list)  # ranked LangChain Documents
    mode: str = "extractive"  # "extractive" | "generative" (a model's sentences, gate-checked)
    gate: dict[str, Any] = field(default_factory=dict)  # gate stats when a model was asked
