"""True/false and number items from the report's facts: counts, time limits, percentages.

The numerical item blanks the number out of the sentence. The true/false item states the
sentence as written (true) or with its number changed (false: a different, plausible value);
either way its feedback is the source sentence, verbatim. Which statements come out false is
decided by the quiz seed, so one seed always gives the same quiz.
"""

from __future__ import annotations

import random

from assistant.quiz.ids import item_id
from assistant.quiz.model import Item
from assistant.quiz.numbers import fact_number, false_value, replace
from assistant.quiz.passages import SourceBook

BLANK = "_____"
NUMBER_QUESTION = "What number is missing?"
TRUE_FALSE_QUESTION = "True or false, according to the report?"
FACT_MIN_CHARS = 40
FACT_MAX_CHARS = 320


def fact_items(book: SourceBook, rows: list[int], seed: int) -> list[Item]:
    items = []
    for row in rows:
        meta = book.meta(row)
        for span in book.spans.get(row, []):
            if span.kind == "heading" or not FACT_MIN_CHARS <= len(span.text) <= FACT_MAX_CHARS:
                continue
            token = fact_number(span.text)
            if token is None:
                continue
            source = (book.source(span),)
            base = (meta["chunk_id"], span.start)
            value = token.value
            answer = str(int(value)) if value.is_integer() else str(value)
            items.append(Item(
                id=item_id("numerical", *base), kind="numerical",
                stem=replace(span.text, token, BLANK), question=NUMBER_QUESTION, answer=answer,
                feedback=span.text, sources=source, section=meta["section_top"]))
            ident = item_id("true_false", *base)
            rng = random.Random(f"{seed}:{ident}")
            true = rng.random() < 0.5
            stem = span.text if true else replace(span.text, token,
                                                  token.render(false_value(token, rng)))
            items.append(Item(
                id=ident, kind="true_false", stem=stem, question=TRUE_FALSE_QUESTION,
                answer="true" if true else "false", feedback=span.text, sources=source,
                section=meta["section_top"]))
    return items
