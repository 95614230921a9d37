"""The structural units every parser produces and the chunker consumes.

Parsers know file formats; the chunker knows nothing of formats. A :class:`Block` is the
contract between them: a heading, a paragraph or one list item, with the page it sits on
when the format has pages (PDF).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

BlockKind = Literal["heading", "paragraph", "list_item"]


@dataclass(frozen=True)
class Block:
    """One structural unit of a parsed document.

    ``level`` is the heading level (1 = title) for headings and the nesting depth
    (0 = top level) for list items; it is 0 for paragraphs. ``text`` is plain text:
    no Markdown markers, no list bullets, whitespace collapsed.
    """

    kind: BlockKind
    text: str
    level: int = 0
    page: int | None = None


class ParseError(Exception):
    """A document could not be parsed; the message names the file and the reason."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason
