"""Structure-aware chunking: blocks in, citable passages out.

Rules, in order of importance:
- a chunk never crosses a heading, so its section path is exact;
- a list is never split from the paragraph that leads into it;
- a case study or recommendation block is kept whole while it fits ``WHOLE_BLOCK_MAX``;
- the first passage under a heading starts with that heading: in inspection reports the
  headings are the findings ("Appropriate adult provision is timely");
- otherwise paragraphs are packed up to ``TARGET_CHARS`` (a passage an officer can read on a
  phone, and short enough for retrieval to be precise).

Every chunk carries character offsets into the document's canonical text (the blocks joined
as light Markdown), its pages, and its quotable units (sentences and list items) with offsets,
so a citation can deep-link to and highlight the exact span.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from indexer.blocks import Block
from indexer.sentences import split_sentences

# Bump whenever chunking or what is embedded changes (indexer.build.context_text,
# unit_embed_text) or what a document record holds (6: checklists): collection names carry
# it, so old vectors are never mixed with new.
CHUNKER_VERSION = 6
TARGET_CHARS = 400
WHOLE_BLOCK_MAX = 2000
CONTINUATION_LABEL_MAX = 60
_WHOLE_HEADINGS = re.compile(r"^(case stud(y|ies)|recommendations?)\b", re.IGNORECASE)
SECTION_SEPARATOR = " › "


@dataclass(frozen=True)
class Unit:
    """A quotable span: one sentence of a paragraph or one list item."""

    start: int
    end: int
    kind: str  # "sentence" | "list_item" | "heading"
    # For a list item, the span of the sentence that leads into its list: "- 7 inadequate"
    # means nothing alone, so it is embedded together with its lead-in.
    context: tuple[int, int] | None = None


@dataclass(frozen=True)
class PlacedBlock:
    """A block with its place in the canonical text and its heading path."""

    block: Block
    start: int
    end: int
    section_path: tuple[str, ...]


@dataclass
class Chunk:
    """A passage: contiguous text under one heading path."""

    id: str
    position: int
    section_path: tuple[str, ...]
    start: int
    end: int
    content: str
    page_start: int | None
    page_end: int | None
    block_kind: str  # "text" | "case_study" | "recommendation"
    units: list[Unit] = field(default_factory=list)

    @property
    def section_label(self) -> str:
        return SECTION_SEPARATOR.join(self.section_path)


@dataclass
class ChunkedDocument:
    text: str
    blocks: list[PlacedBlock]
    chunks: list[Chunk]


def layout(blocks: list[Block], exclude_sections: tuple[str, ...] = ()) -> list[PlacedBlock]:
    """Place blocks in canonical text order, tracking heading paths; drop excluded sections.

    The document title (a level-1 heading) is not part of section paths: the title is in the
    document's metadata already.
    """
    placed: list[PlacedBlock] = []
    headings: list[tuple[int, str]] = []
    offset = 0
    excluded_level: int | None = None
    previous: Block | None = None
    for block in blocks:
        if block.kind == "heading":
            if excluded_level is not None and block.level <= excluded_level:
                excluded_level = None
            if excluded_level is None and block.text in exclude_sections:
                excluded_level = block.level
            headings = [(lvl, txt) for lvl, txt in headings if lvl < block.level]
            if block.level > 1:
                headings.append((block.level, block.text))
        if excluded_level is not None:
            continue
        offset += _separator(previous, block) if placed else 0
        prefix = _prefix(block)
        start = offset + len(prefix)
        end = start + len(block.text)
        placed.append(PlacedBlock(block, start, end, tuple(t for _, t in headings)))
        offset = end
        previous = block
    return placed


def canonical_text(placed: list[PlacedBlock]) -> str:
    """Render placed blocks to the text their offsets point into."""
    parts: list[str] = []
    cursor = 0
    for item in placed:
        prefix = _prefix(item.block)
        gap = item.start - len(prefix) - cursor
        parts.append(("\n" * gap) + prefix + item.block.text)
        cursor = item.end
    return "".join(parts)


def chunk_document(document_id: str, blocks: list[Block],
                   exclude_sections: tuple[str, ...] = ()) -> ChunkedDocument:
    """Split a parsed document into passages with stable ids and quotable units."""
    placed = layout(blocks, exclude_sections)
    text = canonical_text(placed)
    chunks: list[Chunk] = []
    for section_path, groups in _sections(placed):
        kind = _whole_kind(section_path)
        total = sum(_group_chars(g) for g in groups)
        if kind != "text" and total <= WHOLE_BLOCK_MAX:
            packs = [[b for g in groups for b in g]]
        else:
            packs = _pack(groups)
        for pack in packs:
            chunks.append(_make_chunk(document_id, len(chunks), section_path, pack, text, kind))
    _deduplicate_ids(chunks)
    return ChunkedDocument(text=text, blocks=placed, chunks=chunks)


def _prefix(block: Block) -> str:
    if block.kind == "list_item":
        return "  " * block.level + "- "
    return ""


def _separator(previous: Block | None, block: Block) -> int:
    """Newlines between blocks: one inside a list, a blank line elsewhere."""
    if previous is not None and previous.kind == block.kind == "list_item":
        return 1
    return 2


def _sections(placed: list[PlacedBlock]) -> list[tuple[tuple[str, ...], list[list[PlacedBlock]]]]:
    """Group blocks by heading path into lead-in+list groups; a heading joins the first group."""
    sections: list[tuple[tuple[str, ...], list[list[PlacedBlock]]]] = []
    pending_heading: PlacedBlock | None = None
    for item in placed:
        if item.block.kind == "heading":
            pending_heading = item if item.block.level > 1 else None
            sections.append((item.section_path, []))
            continue
        if not sections or sections[-1][0] != item.section_path:
            sections.append((item.section_path, []))
        groups = sections[-1][1]
        if groups and (item.block.kind == "list_item" or _continues_list(item, groups[-1])):
            groups[-1].append(item)
        elif pending_heading is not None and pending_heading.section_path == item.section_path:
            groups.append([pending_heading, item])
        else:
            groups.append([item])
        pending_heading = None
    return [(path, groups) for path, groups in sections if groups]


def _continues_list(item: PlacedBlock, group: list[PlacedBlock]) -> bool:
    """A short label such as "Common themes include:" right after a list belongs with it.

    Such a lead-in names no topic of its own; split from the list before it, its list
    would lose its subject ("Cases assessed involving missing children: 3 good...").
    """
    text = item.block.text
    return (item.block.kind == "paragraph" and group[-1].block.kind == "list_item"
            and text.endswith(":") and len(text) <= CONTINUATION_LABEL_MAX)


def _whole_kind(section_path: tuple[str, ...]) -> str:
    if not section_path:
        return "text"
    match = _WHOLE_HEADINGS.match(section_path[-1])
    if not match:
        return "text"
    return "case_study" if match.group(1).lower().startswith("case") else "recommendation"


def _group_chars(group: list[PlacedBlock]) -> int:
    return group[-1].end - group[0].start


def _pack(groups: list[list[PlacedBlock]]) -> list[list[PlacedBlock]]:
    """Greedy packing of whole groups up to TARGET_CHARS; oversized groups split by block."""
    packs: list[list[PlacedBlock]] = []
    current: list[PlacedBlock] = []
    for group in groups:
        pieces = [group] if _group_chars(group) <= WHOLE_BLOCK_MAX else [[b] for b in group]
        for piece in pieces:
            size = piece[-1].end - (current[0].start if current else piece[0].start)
            if current and size > TARGET_CHARS:
                packs.append(current)
                current = []
            current = current + piece
    if current:
        packs.append(current)
    return packs


def _deduplicate_ids(chunks: list[Chunk]) -> None:
    """Identical text under the same heading twice in one document: suffix the repeats."""
    seen: dict[str, int] = {}
    for chunk in chunks:
        count = seen.get(chunk.id, 0)
        seen[chunk.id] = count + 1
        if count:
            chunk.id = f"{chunk.id}-{count + 1}"


def _make_chunk(document_id: str, position: int, section_path: tuple[str, ...],
                blocks: list[PlacedBlock], text: str, kind: str) -> Chunk:
    start, end = blocks[0].start, blocks[-1].end
    content = text[start:end]
    pages = [b.block.page for b in blocks if b.block.page is not None]
    digest = hashlib.sha256(
        (SECTION_SEPARATOR.join(section_path) + "\n" + content).encode()
    ).hexdigest()[:12]
    units: list[Unit] = []
    lead_in: tuple[int, int] | None = None
    for item in blocks:
        if item.block.kind == "list_item":
            units.append(Unit(item.start, item.end, "list_item", lead_in))
            continue
        if item.block.kind == "heading":
            units.append(Unit(item.start, item.end, "heading"))
            lead_in = (item.start, item.end)
            continue
        for s, e in split_sentences(item.block.text):
            units.append(Unit(item.start + s, item.start + e, "sentence"))
            lead_in = (item.start + s, item.start + e)
    return Chunk(
        id=f"{document_id}:{digest}",
        position=position,
        section_path=section_path,
        start=start,
        end=end,
        content=content,
        page_start=min(pages) if pages else None,
        page_end=max(pages) if pages else None,
        block_kind=kind,
        units=units,
    )
