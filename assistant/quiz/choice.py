"""Multiple-choice items: the correct option is the report's own words, the distractors are
the report's words from elsewhere: plausible, but not what the report says here.

Two shapes:
- finding: the evidence under a finding heading is the stem, the heading is the answer, and
  the distractors are findings of other chapters;
- list: a lead-in ("Authorising officers often don't record:") is the stem, one of its list
  items is the answer, and the distractors are items of lists in other sections.
Distractors are ranked by similarity to the answer (plausible) and any near-duplicate of
the answer, of a sibling list item or of another distractor is refused (never right).
Options are shuffled with a random generator seeded by the quiz seed and the item id.
"""

from __future__ import annotations

import random
import re

import numpy as np

from assistant.quiz.ids import item_id
from assistant.quiz.model import Item, Option
from assistant.quiz.passages import SourceBook, Span
from assistant.quiz.similarity import near_duplicate

DISTRACTORS = 3
MIN_DISTRACTORS = 2
EVIDENCE_MAX_CHARS = 360
STEM_FIT_MARGIN = 0.05  # a distractor fits the stem at least this much less than the answer
FINDING_QUESTION = "Which finding of the inspection does this evidence support?"
LIST_QUESTION = "Which of these completes the statement, according to the report?"
_LIST_TAIL = re.compile(r"[\s;,.]*(\b(and/or|and|or|but)\b)?[\s;,.]*$")


def choice_items(book: SourceBook, rows: list[int], seed: int) -> list[Item]:
    items: list[Item] = []
    wanted = set(rows)
    for finding in book.findings:
        if finding.row in wanted:
            items.extend(_finding_item(book, finding, seed))
    for row in rows:
        for lead_in, members in book.lists(row):
            items.extend(_list_item(book, lead_in, members, seed))
    order = {row: n for n, row in enumerate(rows)}
    return sorted(items, key=lambda i: order[_row_of(book, i)])


def _row_of(book: SourceBook, item: Item) -> int:
    return book.index.row_of[item.sources[0].chunk_id]


def _finding_item(book: SourceBook, finding: Span, seed: int) -> list[Item]:
    evidence = _evidence(book, finding)
    if not evidence:
        return []
    chapter = book.meta(finding.row)["section_top"]
    pool = [f for f in book.findings if book.meta(f.row)["section_top"] != chapter]
    anchor = np.mean([book.vector(s) for s in evidence], axis=0)
    distractors = _distractors(book, finding, [finding], pool, anchor)
    if len(distractors) < MIN_DISTRACTORS:
        return []
    stem = " ".join(s.text for s in evidence)
    ident = item_id("multiple_choice", book.meta(finding.row)["chunk_id"], finding.start)
    return [_item(book, ident, stem, FINDING_QUESTION, finding, finding.text, distractors,
                  [finding, *evidence], seed)]


def _evidence(book: SourceBook, finding: Span) -> list[Span]:
    """The first sentences under the finding heading, up to EVIDENCE_MAX_CHARS."""
    chosen: list[Span] = []
    for span in book.spans[finding.row]:
        if span.start <= finding.start or span.kind != "sentence" or span.text.endswith(":"):
            continue
        if chosen and sum(len(s.text) for s in chosen) + len(span.text) > EVIDENCE_MAX_CHARS:
            break
        chosen.append(span)
    return chosen


def _list_item(book: SourceBook, lead_in: Span, members: list[Span], seed: int) -> list[Item]:
    ident = item_id("multiple_choice", book.meta(lead_in.row)["chunk_id"], lead_in.start)
    answer = random.Random(f"{seed}:{ident}:answer").choice(members)
    section = book.meta(lead_in.row)["section"]
    pool = [m for row, lead, items in book.all_lists if book.meta(row)["section"] != section
            for m in items]
    distractors = _distractors(book, answer, members, pool, book.vector(lead_in))
    if len(distractors) < MIN_DISTRACTORS:
        return []
    context = book.list_context(lead_in)
    stem = "\n\n".join(s.text for s in (*context, lead_in))
    return [_item(book, ident, stem, LIST_QUESTION, answer, option_text(answer.text),
                  distractors, [*context, lead_in, answer], seed)]


def option_text(text: str) -> str:
    """A list item as an option: without the list's trailing '; and' (still a verbatim slice)."""
    return _LIST_TAIL.sub("", text)


def _distractors(book: SourceBook, answer: Span, siblings: list[Span], pool: list[Span],
                 anchor: np.ndarray) -> list[Span]:
    """The pool's spans most similar to the answer that are not the answer in other words,
    and that fit the stem (``anchor``, its vector) clearly less well than the answer does:
    "The constabulary prioritises staff welfare" is no distractor for evidence about staff
    wellbeing even if the report says it of another team."""
    target = book.vector(answer)
    anchor = anchor / (float(np.linalg.norm(anchor)) or 1.0)
    ceiling = float(target @ anchor) - STEM_FIT_MARGIN
    ranked = sorted(pool, key=lambda s: (-float(book.vector(s) @ target), s.unit))
    chosen: list[Span] = []
    for candidate in ranked:
        if float(book.vector(candidate) @ anchor) >= ceiling:
            continue
        text = option_text(candidate.text)
        refused = [*siblings, *chosen]
        if any(near_duplicate(text, option_text(r.text), book.vector(candidate), book.vector(r))
               for r in refused):
            continue
        chosen.append(candidate)
        if len(chosen) == DISTRACTORS:
            break
    return chosen


def _item(book: SourceBook, ident: str, stem: str, question: str, answer: Span,
          answer_text: str, distractors: list[Span], quoted: list[Span], seed: int) -> Item:
    options = [Option(answer_text, True)] + [
        Option(option_text(d.text), False,
               feedback=f"The report says this elsewhere ({book.meta(d.row)['section_top']}).")
        for d in distractors]
    random.Random(f"{seed}:{ident}").shuffle(options)
    return Item(id=ident, kind="multiple_choice", stem=stem, question=question,
                options=tuple(options), answer=answer_text,
                feedback=f"From the report: {book.meta(answer.row)['section']}.",
                sources=tuple(book.source(s) for s in quoted),
                section=book.meta(answer.row)["section_top"])
