"""Recording checklists: the "What to record" task lists of local procedures, every item
tied to the source passage it rests on.

The indexer parses the authoring format (:mod:`indexer.checklists`) and stores each
procedure's checklists in its document record. Here they are resolved against the loaded
index: an item's citation ("HMICFRS 2021, 'Record keeping was often poor'") becomes the
passage of the cited document, with the sentence or list item that best matches the item
highlighted, exactly as an answer's citation is. Nothing here knows about the web.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.answerer import reader_url
from assistant.index import LoadedIndex
from assistant.types import ChecklistOffer
from indexer.checklists import STATUTE_LOCATOR
from indexer.chunker import SECTION_SEPARATOR

# A question is offered a checklist when retrieval returned one of its procedure's passages,
# or when the checklist is the nearest topic at this similarity or more. A checklist's topic
# weighs what its procedure says (the mean of its passages' vectors) and what the checklist
# itself lists (the mean of its items' vectors) equally: the passages alone made a broad
# procedure (police protection) the nearest topic for questions about another one. Others
# within OFFER_MARGIN of the nearest come too. On the checklist questions
# (eval/checklists.jsonl, which also set the threshold): the expected checklist scored
# 0.45-0.76 (0.23 for one offered because retrieval returned its passage); questions needing
# no checklist scored at most 0.43.
OFFER_MIN_SIMILARITY = 0.45
OFFER_MARGIN = 0.02
OFFER_LIMIT = 2
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset("the and for with that this from are was were has have had not any its "
                  "their they them who what when why how all can may must should been into "
                  "about after before than then there which while whom whose your you".split())


class ChecklistNotFoundError(LookupError):
    """No checklist has the requested id."""


@dataclass(frozen=True)
class SourcePassage:
    """The passage an item rests on; ``span`` is ``[start, end)`` of the quoted unit in
    ``text``; ``url`` opens the reader there with the unit highlighted."""

    document_id: str
    title: str
    edition: str
    status: str
    chunk_id: str
    section: str
    text: str
    span: tuple[int, int]
    span_text: str
    url: str


@dataclass(frozen=True)
class ChecklistItem:
    position: int
    text: str
    citation: str  # as written: "HMICFRS 2021, 'Record keeping was often poor'"
    source: SourcePassage | None  # None: the citation did not resolve (see problems)
    chunk_id: str  # the procedure passage this item is indexed in
    procedure_url: str
    line: int


@dataclass(frozen=True)
class Checklist:
    id: str
    title: str
    document_id: str
    document_title: str
    edition: str
    status: str
    audiences: tuple[str, ...]
    intro: str
    items: tuple[ChecklistItem, ...]
    problems: tuple[str, ...] = ()


@dataclass
class ChecklistCatalogue:
    """Every checklist of one loaded index, resolved; build it once per index."""

    checklists: list[Checklist]
    topic_vectors: np.ndarray = field(repr=False)
    chunk_owner: dict[str, str] = field(repr=False)  # procedure chunk id -> checklist id

    @classmethod
    def from_index(cls, index: LoadedIndex) -> ChecklistCatalogue:
        rows_of: dict[str, list[int]] = {}  # one pass over the index, not one per item
        for row, meta in enumerate(index.metadatas):
            rows_of.setdefault(meta["document_id"], []).append(row)
        checklists: list[Checklist] = []
        specs: list[dict[str, Any]] = []
        procedures = {m["document_id"] for m in index.metadatas
                      if m.get("kind") == "local-procedure"}
        for document_id in sorted(procedures):
            record = index.document(document_id)
            for spec in record.get("checklists", []):
                specs.append(spec)
                checklists.append(_resolve(index, rows_of, document_id, spec))
        vectors = np.zeros((len(checklists), index.chunk_vectors.shape[1]), dtype=np.float32)
        owner: dict[str, str] = {}
        for i, (spec, checklist) in enumerate(zip(specs, checklists, strict=True)):
            rows = rows_of.get(checklist.document_id, [])
            item_vectors = np.array([_item_vector(index, item) for item in spec["items"]])
            vectors[i] = _unit(_unit(_mean(index.chunk_vectors[rows], vectors[i]))
                               + _unit(_mean(item_vectors, vectors[i])))
            for row in rows:
                owner.setdefault(index.chunk_ids[row], checklist.id)
        return cls(checklists, vectors, owner)

    def all(self) -> list[Checklist]:
        return list(self.checklists)

    def get(self, checklist_id: str) -> Checklist:
        for checklist in self.checklists:
            if checklist.id == checklist_id:
                return checklist
        raise ChecklistNotFoundError(f"no checklist with id {checklist_id!r}")

    def problems(self) -> list[str]:
        return [p for c in self.checklists for p in c.problems]

    def offer(self, query_vector: np.ndarray, passages: list[Any],
              allowed_documents: set[str] | None = None) -> list[ChecklistOffer]:
        """Checklists for an answer: those whose passages were retrieved, then the nearest
        topic if close enough (see :data:`OFFER_MIN_SIMILARITY`), at most :data:`OFFER_LIMIT`.
        ``allowed_documents``: the request's filters let only these documents through."""
        if not self.checklists:
            return []
        similarity = self.topic_vectors @ query_vector
        floor = max(OFFER_MIN_SIMILARITY, float(similarity.max()) - OFFER_MARGIN)
        retrieved = {self.chunk_owner[p.id] for p in passages if p.id in self.chunk_owner}
        offers = []
        for i, checklist in enumerate(self.checklists):
            score = float(similarity[i])
            if allowed_documents is not None and checklist.document_id not in allowed_documents:
                continue
            if checklist.id in retrieved:
                offers.append(ChecklistOffer(checklist.id, checklist.title, checklist.status,
                                             "retrieved", round(score, 4)))
            elif score >= floor:
                offers.append(ChecklistOffer(checklist.id, checklist.title, checklist.status,
                                             "topic", round(score, 4)))
        offers.sort(key=lambda o: (o.reason != "retrieved", -o.similarity))
        return offers[:OFFER_LIMIT]


def _resolve(index: LoadedIndex, rows_of: dict[str, list[int]], document_id: str,
             spec: dict[str, Any]) -> Checklist:
    meta = index.metadatas[rows_of[document_id][0]]
    items, problems = [], []
    for item in spec["items"]:
        citation = f"{item['source']}, " + (item["locator"] if item["locator_kind"] == "statute"
                                             else f"'{item['locator']}'")
        source = resolve_citation(index, rows_of.get(item["document_id"], []),
                                  item["document_id"], item["locator"],
                                  item["locator_kind"], item["text"],
                                  _item_vector(index, item))
        if source is None:
            problems.append(f"{document_id} line {item['line']}: citation ({citation}) names "
                            f"no passage of {item['document_id']!r} in the index")
        items.append(ChecklistItem(
            position=item["position"], text=item["text"], citation=citation, source=source,
            chunk_id=item["chunk_id"], line=item["line"],
            procedure_url=reader_url(document_id, item["chunk_id"],
                                     (item["char_start"], item["char_end"]))))
    audiences = tuple(a for a in ("officer", "custody", "trainer") if meta.get(f"audience_{a}"))
    return Checklist(
        id=spec["id"], title=spec["title"] or meta["title"], document_id=document_id,
        document_title=meta["title"], edition=meta["edition"], status=meta["status"],
        audiences=audiences, intro=spec.get("intro", ""), items=tuple(items),
        problems=tuple(problems))


def resolve_citation(index: LoadedIndex, rows: list[int], document_id: str, locator: str,
                     locator_kind: str, item_text: str,
                     item_vector: np.ndarray) -> SourcePassage | None:
    """The unit of ``document_id`` a citation points at, or None when nothing matches.

    A heading locator ("A › B") selects the passages under a heading starting with A with,
    somewhere below it, one starting with B (subsections included) and, among their
    sentences and list items, the one sharing most words with the item (the item's own
    vector in the index, ``item_vector``, breaks ties). A statute locator ("s46(3)(a)")
    selects the section's paragraph "(3)" and then the first "(a)" after it. ``rows`` are the
    index rows of ``document_id`` (found once for the whole catalogue).
    """
    if locator_kind == "statute":
        unit = _statute_unit(index, rows, locator)
    else:
        parts = [p.strip().lower() for p in locator.split(SECTION_SEPARATOR.strip())]
        matching = [r for r in rows if _under(index.metadatas[r]["section"], parts)]
        unit = _best_unit(index, matching, item_vector, item_text)
    if unit is None:
        return None
    row = index.unit_chunk_rows[unit]
    meta = index.metadatas[row]
    record = index.units[unit]
    start, end = record.start - meta["char_start"], record.end - meta["char_start"]
    text = index.texts[row]
    return SourcePassage(
        document_id=document_id, title=meta["title"], edition=meta["edition"],
        status=meta["status"], chunk_id=meta["chunk_id"], section=meta["section"], text=text,
        span=(start, end), span_text=text[start:end],
        url=reader_url(document_id, meta["chunk_id"], (record.start, record.end)))


def _item_vector(index: LoadedIndex, item: dict[str, Any]) -> np.ndarray:
    """The vector the indexer gave the item's own list item (no embedding at load time)."""
    for unit in index.unit_rows_by_chunk.get(item["chunk_id"], []):
        if index.units[unit].start == item["char_start"]:
            return index.unit_vectors[unit]
    return np.zeros(index.unit_vectors.shape[1], dtype=index.unit_vectors.dtype)


def _mean(vectors: np.ndarray, empty: np.ndarray) -> np.ndarray:
    return vectors.mean(axis=0) if len(vectors) else empty


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / (np.linalg.norm(vector) or 1.0)


def _under(section: str, parts: list[str]) -> bool:
    """Each part starts a heading of the path, in order (headings may lie between)."""
    path = iter(h.strip().lower() for h in section.split(SECTION_SEPARATOR))
    return all(any(heading.startswith(part) for heading in path) for part in parts)


def _unit_rows(index: LoadedIndex, rows: list[int]) -> list[int]:
    units = [u for r in rows for u in index.unit_rows_by_chunk.get(index.chunk_ids[r], [])]
    return sorted(units, key=lambda u: index.units[u].start)


def _best_unit(index: LoadedIndex, rows: list[int], item_vector: np.ndarray,
               item_text: str) -> int | None:
    units = [u for u in _unit_rows(index, rows) if index.units[u].kind != "heading"]
    if not units:
        return None
    wanted = _stems(item_text)
    similarity = index.unit_vectors[units] @ item_vector

    def closeness(i: int) -> tuple[float, int, int]:
        return (len(wanted & _stems(index.unit_texts[units[i]])), float(similarity[i]), -i)

    return units[max(range(len(units)), key=closeness)]


def _statute_unit(index: LoadedIndex, rows: list[int], locator: str) -> int | None:
    match = STATUTE_LOCATOR.match(locator)
    if match is None:
        return None
    heading = re.compile(rf"^section {re.escape(match['section'].lower())}\b")
    units = _unit_rows(index, [r for r in rows if any(
        heading.match(h.strip().lower()) for h in index.metadatas[r]["section"].split(
            SECTION_SEPARATOR))])
    found: int | None = None
    position = 0
    for part in re.findall(r"\([0-9A-Za-z]+\)", match["parts"]):
        found = next((u for u in units[position:] if index.unit_texts[u].startswith(part)),
                     None)
        if found is None:
            return None
        position = units.index(found) + 1
    return found if found is not None else (units[0] if units else None)


def _stems(text: str) -> set[str]:
    return {w[:5] for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in _STOP}
