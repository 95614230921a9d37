"""The reader's render model: a document's blocks grouped into its chunks, lists nested.

Input is the index's reader record (:meth:`assistant.index.LoadedIndex.document`): the
canonical ``text``, ``blocks`` and ``chunks`` with character offsets. Output is plain data
the template walks; every piece of document text stays a string for Jinja to escape, and a
highlighted span is a segment flagged ``marked`` (rendered as ``<mark>``), never markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_SPAN = re.compile(r"^(\d{1,9})-(\d{1,9})$")


@dataclass
class Segment:
    text: str
    marked: bool = False


@dataclass
class BlockView:
    kind: str  # heading | paragraph | list | page (a page-number marker)
    tag: str  # h2..h6 | p | ul
    segments: list[Segment] = field(default_factory=list)
    items: list[ListItemView] = field(default_factory=list)  # kind == "list"
    page: int | None = None


@dataclass
class ListItemView:
    segments: list[Segment]
    children: list[ListItemView] = field(default_factory=list)


@dataclass
class ChunkView:
    id: str | None  # None for text outside any chunk (the title, excluded sections)
    section: str
    blocks: list[BlockView]
    has_span: bool = False


def parse_span(raw: str | None, length: int) -> tuple[int, int] | None:
    """``"START-END"`` as offsets clamped to the text, or None when absent or malformed."""
    match = _SPAN.match(raw or "")
    if not match:
        return None
    start, end = min(int(match[1]), length), min(int(match[2]), length)
    return (start, end) if start < end else None


def build_view(record: dict[str, Any], span: tuple[int, int] | None) -> list[ChunkView]:
    """Group the document's blocks by the chunk containing them, in reading order."""
    text = record["text"]
    chunks = sorted(record["chunks"], key=lambda c: c["start"])
    groups: list[tuple[dict[str, Any] | None, list[dict[str, Any]]]] = []
    for block in sorted(record["blocks"], key=lambda b: b["start"]):
        chunk = next((c for c in chunks if c["start"] <= block["start"] < c["end"]), None)
        if groups and groups[-1][0] is chunk:
            groups[-1][1].append(block)
        else:
            groups.append((chunk, [block]))
    views = []
    pages: list[int | None] = [None]  # the last page seen, shared across chunks
    for chunk, blocks in groups:
        views.append(ChunkView(
            id=chunk["id"] if chunk else None,
            section=chunk["section"] if chunk else "",
            blocks=_blocks(text, blocks, span, pages),
            has_span=bool(span and chunk and span[0] < chunk["end"] and chunk["start"] < span[1]),
        ))
    return views


def _blocks(text: str, blocks: list[dict[str, Any]], span: tuple[int, int] | None,
            pages: list[int | None]) -> list[BlockView]:
    result: list[BlockView] = []
    stack: list[list[ListItemView]] = []  # open list levels, outermost first
    for block in blocks:
        page = block.get("page")
        if page is not None and page != pages[0]:
            pages[0] = page
            result.append(BlockView("page", "p", [Segment(f"Page {page}")], page=page))
        segments = _segments(text, block["start"], block["end"], span)
        if block["kind"] == "list_item":
            if not result or result[-1].kind != "list":
                result.append(BlockView("list", "ul", page=block.get("page")))
                stack = [result[-1].items]
            depth = max(0, int(block.get("level") or 0))
            while len(stack) > depth + 1:
                stack.pop()
            while len(stack) < depth + 1:
                parent = stack[-1]
                if not parent:
                    parent.append(ListItemView([]))
                stack.append(parent[-1].children)
            stack[-1].append(ListItemView(segments))
            continue
        if block["kind"] == "heading":
            level = min(6, max(2, int(block.get("level") or 1) + 1))
            result.append(BlockView("heading", f"h{level}", segments, page=block.get("page")))
        else:
            result.append(BlockView("paragraph", "p", segments, page=block.get("page")))
    return result


def _segments(text: str, start: int, end: int,
              span: tuple[int, int] | None) -> list[Segment]:
    if not span or span[1] <= start or end <= span[0]:
        return [Segment(text[start:end])]
    low, high = max(start, span[0]), min(end, span[1])
    parts = [Segment(text[start:low]), Segment(text[low:high], True), Segment(text[high:end])]
    return [p for p in parts if p.text]
