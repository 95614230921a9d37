"""Scenario items: a case study of the report as the stem, the report's verdict as the answer.

A case study narrates what officers did and then judges it ("However, the rationale for the
powers being authorised was not recorded"). The narrative is the stem; the judging sentences,
the finding the case illustrates (its section heading) and the closest recommendation of the
chapter are the model answer. A case the report only praises becomes "what should have
happened next?": its first paragraph is the stem and the rest is what good practice was.
A case with praised actions also gives "what went well?".
"""

from __future__ import annotations

import re

import numpy as np

from assistant.quiz.ids import item_id
from assistant.quiz.model import Item
from assistant.quiz.passages import SourceBook, Span

RECORD_QUESTION = "What should the officers have recorded?"
BETTER_QUESTION = "What should have been done better?"
NEXT_QUESTION = "What should have happened next?"
WELL_QUESTION = "What went well?"
RECOMMENDATION_MIN_COSINE = 0.45
_SHORTCOMING = re.compile(
    r"^however\b|\b(not recorded|no record|(did|do|does) not record|made no record|"
    r"not good enough|no detail|(doesn't|don't|didn't|weren't|wasn't) always|nor was)\b",
    re.IGNORECASE)
_PRAISE = re.compile(
    r"\b(good practice|good judge?ment|good consideration|good evidence|effectively|"
    r"child-sensitive|captured (his|her|their) voice|captured well|quickly|promptly|"
    r"timely|positive action)\b", re.IGNORECASE)


def scenario_items(book: SourceBook, rows: list[int]) -> list[Item]:
    items = []
    for row in rows:
        if book.meta(row)["block_kind"] == "case_study":
            items.extend(i for i in (_scenario(book, row), _went_well(book, row)) if i)
    return items


def _went_well(book: SourceBook, row: int) -> Item | None:
    """"What went well?": the case without its shortcomings; the answer is the sentences the
    report praises ("which is good practice", "captured his voice"). Spotting them in the
    narrative is the exercise, so they stay in the stem."""
    sentences = [s for s in book.spans.get(row, []) if s.kind != "heading"]
    narrative = [s for s in sentences if not _SHORTCOMING.search(s.text)]
    praised = [s for s in narrative if _PRAISE.search(s.text)]
    if not praised or len(praised) == len(narrative):
        return None
    return _item(book, row, WELL_QUESTION, narrative, praised)


def _scenario(book: SourceBook, row: int) -> Item | None:
    sentences = [s for s in book.spans.get(row, []) if s.kind != "heading"]
    shortcomings = [s for s in sentences if _SHORTCOMING.search(s.text)]
    if shortcomings:
        stem_spans = [s for s in sentences if s not in shortcomings]
        answer_spans = shortcomings + _finding(book, row) + _recommendation(book, row, shortcomings)
        recorded = any("record" in s.text.lower() for s in shortcomings)
        question = RECORD_QUESTION if recorded else BETTER_QUESTION
    else:
        first = sentences[0].paragraph if sentences else 0
        stem_spans = [s for s in sentences if s.paragraph == first]
        answer_spans = [s for s in sentences if s.paragraph != first] + _finding(book, row)
        question = NEXT_QUESTION
    if not stem_spans or not answer_spans:
        return None
    return _item(book, row, question, stem_spans, answer_spans)


def _item(book: SourceBook, row: int, question: str, stem_spans: list[Span],
          answer_spans: list[Span]) -> Item:
    body = [s for s in book.spans[row] if s.kind != "heading"]
    case_source = book.quote(row, body[0].start, body[-1].end)
    meta = book.meta(row)
    return Item(
        id=item_id("scenario", meta["chunk_id"], question),
        kind="scenario", stem=_paragraphs(stem_spans), question=question,
        answer="\n".join(s.text for s in answer_spans),
        sources=(case_source, *[book.source(s) for s in answer_spans if s.row != row]),
        section=meta["section_top"])


def _paragraphs(spans: list[Span]) -> str:
    paragraphs: dict[int, list[str]] = {}
    for span in spans:
        paragraphs.setdefault(span.paragraph, []).append(span.text)
    return "\n\n".join(" ".join(texts) for texts in paragraphs.values())


def _finding(book: SourceBook, row: int) -> list[Span]:
    """The heading of the section the case study sits in, when that heading is a finding."""
    parent = book.section_path(row)[:-1]
    return [f for f in book.findings if book.section_path(f.row) == parent]


def _recommendation(book: SourceBook, row: int, shortcomings: list[Span]) -> list[Span]:
    """The chapter's recommendation closest to what went wrong, if it is close enough."""
    top = book.meta(row)["section_top"]
    candidates = [s for r, spans in book.spans.items()
                  if book.meta(r)["block_kind"] == "recommendation"
                  and book.meta(r)["section_top"] == top and book.usable(r)
                  for s in spans if s.kind != "heading" and not s.text.endswith(":")]
    if not candidates:
        return []
    target = np.mean([book.vector(s) for s in shortcomings], axis=0)
    scores = [float(book.vector(c) @ target) / (float(np.linalg.norm(target)) or 1.0)
              for c in candidates]
    best = int(np.argmax(scores))
    return [candidates[best]] if scores[best] >= RECOMMENDATION_MIN_COSINE else []
