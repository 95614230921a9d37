"""The loaded index seen as a trainer's source book: passages, their sentences, sections.

Everything a quiz quotes comes through here, so every quote is a verbatim slice of an
indexed passage and every :class:`Source` links to the reader with the quote highlighted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from assistant.answerer import reader_url
from assistant.index import LoadedIndex
from assistant.quiz.model import Source
from indexer.chunker import SECTION_SEPARATOR

LIST_ITEM_MIN_WORDS = 4  # shorter items ("7 inadequate") mean nothing as options
LABEL_MAX_CHARS = 60  # a lead-in this short ("Common themes include:") needs its context
_FINDING_VERB = re.compile(
    r"\b(is|are|was|were|has|have|had|does|do|don't|doesn't|isn't|aren't|should|needs|"
    r"works|receive|understand|show|prioriti[sz]es|scrutinises)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Span:
    """A sentence, list item or heading of one passage; offsets are in the passage text."""

    unit: int  # row in the index's units (and unit vectors)
    row: int  # row of the passage
    kind: str
    start: int
    end: int
    text: str
    paragraph: int  # paragraphs of the passage counted from 0 (blank-line separated)


class SourceBook:
    """Read-only views of a :class:`LoadedIndex` that quiz building needs."""

    def __init__(self, index: LoadedIndex) -> None:
        self.index = index

    @cached_property
    def spans(self) -> dict[int, list[Span]]:
        """Per passage row, its units in reading order."""
        by_row: dict[int, list[Span]] = {}
        for unit_row, (unit, row) in enumerate(zip(self.index.units, self.index.unit_chunk_rows,
                                                   strict=True)):
            row = int(row)
            text = self.index.texts[row]
            offset = self.index.metadatas[row]["char_start"]
            start, end = unit.start - offset, unit.end - offset
            by_row.setdefault(row, []).append(Span(
                unit=unit_row, row=row, kind=unit.kind, start=start, end=end,
                text=text[start:end], paragraph=text.count("\n\n", 0, start)))
        for spans in by_row.values():
            spans.sort(key=lambda s: s.start)
        return by_row

    def meta(self, row: int) -> dict:
        return self.index.metadatas[row]

    def section_path(self, row: int) -> tuple[str, ...]:
        return tuple(self.meta(row)["section"].split(SECTION_SEPARATOR))

    def vector(self, span: Span) -> np.ndarray:
        return self.index.unit_vectors[span.unit]

    def usable(self, row: int) -> bool:
        """Only current guidance is quizzed: a superseded edition may teach the wrong rule."""
        return self.meta(row)["status"] == "current"

    def rows_in_section(self, section: str) -> list[int]:
        """Passages of a section and its subsections, in document order."""
        prefix = section + SECTION_SEPARATOR
        return [row for row, meta in enumerate(self.index.metadatas)
                if meta["section"] == section or meta["section"].startswith(prefix)]

    def source(self, span: Span) -> Source:
        return self.quote(span.row, span.start, span.end)

    def quote(self, row: int, start: int, end: int) -> Source:
        meta = self.meta(row)
        return Source(
            document_id=meta["document_id"], chunk_id=meta["chunk_id"], section=meta["section"],
            quote=self.index.texts[row][start:end],
            url=reader_url(meta["document_id"], meta["chunk_id"],
                           (meta["char_start"] + start, meta["char_start"] + end)),
            title=meta["title"], edition=meta["edition"])

    @cached_property
    def findings(self) -> list[Span]:
        """Headings that state a finding: a sub-heading of a report chapter, with a verb.

        In an inspection report the headings under a chapter are its findings ("Appropriate
        adult provision is timely"); case-study and recommendation headings are not.
        """
        result = []
        for row, spans in self.spans.items():
            path = self.section_path(row)
            if len(path) < 2 or self.meta(row)["block_kind"] != "text" or not self.usable(row):
                continue
            for span in spans:
                if (span.kind == "heading" and span.text == path[-1]
                        and _FINDING_VERB.search(span.text)):
                    result.append(span)
        return sorted(result, key=lambda s: s.row)

    def lists(self, row: int) -> list[tuple[Span, list[Span]]]:
        """(lead-in, items) of each list in a passage led in by a sentence ending with ':'."""
        result = []
        spans = self.spans.get(row, [])
        for n, span in enumerate(spans):
            if span.kind != "sentence" or not span.text.endswith(":"):
                continue
            members = []
            for follower in spans[n + 1:]:
                if follower.kind != "list_item":
                    break
                members.append(follower)
            if len(members) >= 2 and all(
                    len(re.findall(r"[A-Za-z]+", m.text)) >= LIST_ITEM_MIN_WORDS for m in members):
                result.append((span, members))
        return result

    @cached_property
    def all_lists(self) -> list[tuple[int, Span, list[Span]]]:
        return [(row, lead, items) for row in sorted(self.spans) if self.usable(row)
                for lead, items in self.lists(row)]

    def list_context(self, lead_in: Span) -> list[Span]:
        """For a short label of a lead-in, the sentence before it that says what it is about
        ("Cases assessed involving missing children" before "Common themes include:")."""
        if len(lead_in.text) > LABEL_MAX_CHARS:
            return []
        before = [s for s in self.spans[lead_in.row] if s.start < lead_in.start]
        for span in reversed(before):
            if span.kind != "list_item":
                return [] if span.text.endswith(":") else [span]
        return []

    @cached_property
    def finding_rows(self) -> set[int]:
        return {span.row for span in self.findings}
