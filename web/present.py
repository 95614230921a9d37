"""The answer as the API returns it and the ask page renders it: one shape for both.

Each item carries ``ref``, the position of its own citation in ``citations`` (items can
share a citation number yet quote different spans of the passage). Each citation's ``url``
opens the reader on the passage with the quoted span highlighted:
``/documents/<id>?span=<start>-<end>#<chunk_id>`` (offsets into the document's text).
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any
from urllib.parse import quote

from assistant.types import Answer, Citation

TOPIC_SEPARATOR = " › "


def plain_text(markdown: str) -> str:
    """The fixed replies are Markdown files; the page shows them as plain lines."""
    return re.sub(r"\*\*(.+?)\*\*", r"\1", markdown).strip()


def citation_payload(citation: Citation) -> dict[str, Any]:
    start, end = citation.span
    return {
        "n": citation.n,
        "document_id": citation.document_id,
        "chunk_id": citation.chunk_id,
        "title": citation.title,
        "edition": citation.edition,
        "status": citation.status,
        "superseded_by": citation.superseded_by or None,
        "section": citation.section,
        "page": citation.page,
        "text": citation.text,
        "span": [start, end],
        "span_text": citation.span_text,
        "url": citation.url,
        "source_url": citation.source_url,
    }


def answer_payload(answer: Answer) -> dict[str, Any]:
    """Everything the client shows; ``request_id`` and ``latency_ms`` are added by the view."""
    citations = [citation_payload(c) for c in answer.citations]
    items = []
    for position, item in enumerate(answer.items):
        items.append({**asdict(item), "ref": _ref(item, position, answer.citations)})
    return {
        "question": answer.question,
        "answer": answer.text,
        "items": items,
        "abstained": answer.abstained,
        "status": answer.status,
        "confidence": answer.confidence,
        "nearest_topics": answer.nearest_topics,
        "topic_questions": [topic_question(t) for t in answer.nearest_topics],
        "notices": answer.notices,
        "urgent_reply": plain_text(answer.urgent_reply) or None,
        "personal_data": answer.personal_data,
        "citations": citations,
        "offered_checklists": [{**asdict(o), "url": f"/checklists/{quote(o.id)}"}
                               for o in answer.offered_checklists],
        "mode": answer.mode,
        "gate": answer.gate or None,
    }


def topic_question(topic: str) -> str:
    """What a nearest-topic button asks: the last part of a section path."""
    return topic.split(TOPIC_SEPARATOR)[-1].strip() or topic


def _ref(item: Any, position: int, citations: list[Citation]) -> int | None:
    """The citation quoting this item: the one at the same position, else by number and text."""
    if position < len(citations) and citations[position].n == item.citation \
            and citations[position].span_text == item.text:
        return position
    for index, citation in enumerate(citations):
        if citation.n == item.citation and citation.span_text == item.text:
            return index
    return next((i for i, c in enumerate(citations) if c.n == item.citation), None)
