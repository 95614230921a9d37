"""The grounded answerer: answers made only of the sources' own sentences and list items.

Nothing is paraphrased or generated, so nothing can be invented: each item is a verbatim
span of a retrieved passage with its citation. The work is choosing which spans answer the
question (semantic similarity of each span to the question, plus the share of the
question's words it contains) and shaping them for reading: grouped by passage, in document
order, a short best passage quoted whole, a list kept with its lead-in as a checklist, a
case study given whole when a trainer asks for a scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import quote

import numpy as np
from langchain_core.documents import Document

from assistant.index import LoadedIndex
from assistant.intent import detect_intent, has_number
from assistant.query import Query
from assistant.types import AnswerItem, Citation
from indexer.lexical import tokenize

PASSAGES_CONSIDERED = 3
PASSAGE_WEIGHTS = (1.0, 0.93, 0.88)
OVERLAP_WEIGHT = 0.3
NUMBER_WEIGHT = 0.1
SELECTION_MARGIN = 0.08
CONTINUATION_SENTENCES = 3
NUMBER_MARGIN = 0.3
WHOLE_PASSAGE_MAX = 1000
MAX_ANCHORS = 3
MAX_LIST_ITEMS = 12


@dataclass(frozen=True)
class Candidate:
    """A unit of a retrieved passage, scored against the question."""

    passage_rank: int  # 0-based rank of its passage
    unit_row: int
    start: int  # offsets inside the passage text
    end: int
    kind: str
    score: float
    paragraph: int = 0  # which paragraph of the passage the unit sits in


class GroundedAnswerer:
    """Select and order verbatim spans from ranked passages; cite each one."""

    def __init__(self, index: LoadedIndex) -> None:
        self.index = index

    def compose(self, query: Query, query_vector: np.ndarray,
                passages: list[Document]) -> tuple[list[AnswerItem], list[Citation]]:
        """Return the answer's items and their citations (empty when nothing fits)."""
        considered = passages[:PASSAGES_CONSIDERED]
        intent = detect_intent(query.question)
        if intent.block_kind == "case_study":
            scenario = self._scenario(considered)
            if scenario:
                return self._cite(scenario, considered)
        candidates = self._candidates(query, query_vector, considered, intent.wants_number)
        if not candidates:
            return [], []
        best = max(c.score for c in candidates)
        ranked = sorted(candidates, key=lambda c: -c.score)
        anchors = [c for c in ranked if c.score >= best - SELECTION_MARGIN][:MAX_ANCHORS]
        chosen = self._with_continuations(anchors, candidates)
        chosen = self._with_whole_top_passage(chosen, anchors, candidates, considered)
        if intent.wants_number:
            chosen = self._with_a_number(chosen, ranked, considered, best)
        chosen = self._with_whole_lists(chosen, considered)
        chosen.sort(key=lambda c: (c.passage_rank, c.start))
        return self._cite(chosen, considered)

    def _with_continuations(self, anchors: list[Candidate],
                            candidates: list[Candidate]) -> list[Candidate]:
        """An answering sentence brings the rest of its thought: up to
        ``CONTINUATION_SENTENCES`` following sentences of the same paragraph. Findings come
        as claim then detail ("The constabulary holds a monthly panel. The panel reviews
        approximately 30 cases each month.")."""
        chosen = {(c.passage_rank, c.start): c for c in anchors}
        for anchor in anchors:
            if anchor.kind != "sentence":
                continue
            following = [c for c in candidates if c.passage_rank == anchor.passage_rank
                         and c.start > anchor.start and c.kind == "sentence"
                         and c.paragraph == anchor.paragraph]
            for candidate in sorted(following, key=lambda c: c.start)[:CONTINUATION_SENTENCES]:
                chosen.setdefault((candidate.passage_rank, candidate.start), candidate)
        return list(chosen.values())

    def _with_whole_top_passage(self, chosen: list[Candidate], anchors: list[Candidate],
                                candidates: list[Candidate],
                                passages: list[Document]) -> list[Candidate]:
        """When the best passage answers and is short, quote all of it: a finding, its
        detail and its caveat read better together than a sentence cut out of them."""
        if not passages or len(passages[0].page_content) > WHOLE_PASSAGE_MAX:
            return chosen
        if not any(a.passage_rank == 0 for a in anchors):
            return chosen
        top = [c for c in candidates if c.passage_rank == 0]
        return list({(c.passage_rank, c.start): c for c in chosen + top}.values())

    def _with_a_number(self, chosen: list[Candidate], ranked: list[Candidate],
                       passages: list[Document], best: float) -> list[Candidate]:
        """A how-many / how-long question needs a figure: if nothing chosen has one, add
        the best-scoring sentence that does (when it is still close to the question)."""
        def text(c: Candidate) -> str:
            return passages[c.passage_rank].page_content[c.start:c.end]

        if any(has_number(text(c)) for c in chosen):
            return chosen
        numeric = next((c for c in ranked if has_number(text(c))
                        and c.score >= best - NUMBER_MARGIN), None)
        return chosen + [numeric] if numeric else chosen

    def _units_of(self, rank: int, passage: Document) -> list[Candidate]:
        chunk_start = passage.metadata["char_start"]
        rows = self.index.unit_rows_by_chunk.get(passage.metadata["chunk_id"], [])
        units, paragraph, previous_end = [], 0, 0
        for row in rows:
            start = self.index.units[row].start - chunk_start
            if "\n" in passage.page_content[previous_end:start]:
                paragraph += 1
            units.append(Candidate(rank, row, start, self.index.units[row].end - chunk_start,
                                   self.index.units[row].kind, 0.0, paragraph))
            previous_end = units[-1].end
        return units

    def _candidates(self, query: Query, query_vector: np.ndarray, passages: list[Document],
                    wants_number: bool) -> list[Candidate]:
        """Every sentence and list item of the passages, scored; headings are context only."""
        question_tokens = set(tokenize(query.retrieval_text))
        scored = []
        for rank, passage in enumerate(passages):
            for unit in self._units_of(rank, passage):
                if unit.kind == "heading":
                    continue
                similarity = float(self.index.unit_vectors[unit.unit_row] @ query_vector)
                text = passage.page_content[unit.start:unit.end]
                overlap = (len(question_tokens & set(tokenize(text))) / len(question_tokens)
                           if question_tokens else 0.0)
                number = NUMBER_WEIGHT if wants_number and has_number(text) else 0.0
                score = (similarity + OVERLAP_WEIGHT * overlap + number) * PASSAGE_WEIGHTS[rank]
                scored.append(replace(unit, score=score))
        return scored

    def _scenario(self, passages: list[Document]) -> list[Candidate]:
        """A trainer asking for a scenario gets the best-ranked case study, whole."""
        for rank, passage in enumerate(passages):
            if passage.metadata.get("block_kind") == "case_study":
                return [u for u in self._units_of(rank, passage) if u.kind != "heading"]
        return []

    def _with_whole_lists(self, chosen: list[Candidate],
                          passages: list[Document]) -> list[Candidate]:
        """A chosen list item or lead-in brings its whole list, so checklists stay whole."""
        result = {(c.passage_rank, c.start): c for c in chosen}
        for candidate in chosen:
            units = self._units_of(candidate.passage_rank, passages[candidate.passage_rank])
            position = next(i for i, u in enumerate(units) if u.start == candidate.start)
            run = _list_run(units, position)
            if run and len(run) <= MAX_LIST_ITEMS + 1:
                for unit in run:
                    result.setdefault((unit.passage_rank, unit.start), unit)
        return list(result.values())

    def _cite(self, chosen: list[Candidate],
              passages: list[Document]) -> tuple[list[AnswerItem], list[Citation]]:
        numbers: dict[int, int] = {}
        citations: list[Citation] = []
        items: list[AnswerItem] = []
        for candidate in chosen:
            passage = passages[candidate.passage_rank]
            if candidate.passage_rank not in numbers:
                numbers[candidate.passage_rank] = len(numbers) + 1
            n = numbers[candidate.passage_rank]
            span_text = passage.page_content[candidate.start:candidate.end]
            kind = candidate.kind
            if kind == "sentence" and span_text.rstrip().endswith(":"):
                kind = "lead_in"
            items.append(AnswerItem(text=span_text, citation=n, kind=kind))
            citations.append(self._citation(n, passage, candidate.start, candidate.end))
        return items, citations

    def _citation(self, n: int, passage: Document, start: int, end: int) -> Citation:
        return make_citation(n, passage, start, end)


def make_citation(n: int, passage: Document, start: int, end: int) -> Citation:
    """Citation ``[n]`` of ``passage``, quoting ``passage.page_content[start:end]``."""
    meta = passage.metadata
    page = meta.get("page_start", -1)
    return Citation(
        n=n, chunk_id=meta["chunk_id"], document_id=meta["document_id"],
        title=meta["title"], edition=meta["edition"], status=meta["status"],
        superseded_by=meta.get("superseded_by", ""), section=meta["section"],
        page=page if page and page > 0 else None, text=passage.page_content,
        span=(start, end), span_text=passage.page_content[start:end],
        char_start=meta["char_start"], char_end=meta["char_end"],
        url=reader_url(meta["document_id"], meta["chunk_id"],
                       (meta["char_start"] + start, meta["char_start"] + end)),
        source_url=meta.get("source_url", ""),
    )


def reader_url(document_id: str, chunk_id: str, span: tuple[int, int] | None = None) -> str:
    """Where the reader shows a passage: ``/documents/<id>?span=S-E#<chunk_id>``, the span
    in offsets of the document's text, so the quoted words are highlighted."""
    query = f"?span={span[0]}-{span[1]}" if span else ""
    return f"/documents/{quote(document_id)}{query}#{quote(chunk_id, safe=':')}"


def _list_run(units: list[Candidate], position: int) -> list[Candidate]:
    """The lead-in and items of the list that ``units[position]`` belongs to or leads into."""
    if units[position].kind == "list_item":
        first = position
        while first > 0 and units[first - 1].kind == "list_item":
            first -= 1
        lead = first - 1 if first > 0 else first
    elif position + 1 < len(units) and units[position + 1].kind == "list_item":
        lead = position
    else:
        return []
    last = lead + 1
    while last + 1 < len(units) and units[last + 1].kind == "list_item":
        last += 1
    return units[lead:last + 1]


def answer_text(items: list[AnswerItem]) -> str:
    """Plain-text rendering: list items as a checklist under their lead-in, each cited."""
    lines = []
    for item in items:
        marker = "- " if item.kind == "list_item" else ""
        lines.append(f"{marker}{item.text} [{item.citation}]")
    return "\n".join(lines)
