"""Parsers from file formats to :class:`indexer.blocks.Block` lists.

:func:`parse_file` is the only entry point the rest of the indexer needs: it picks the parser
from the file's suffix and guarantees that what comes back has some text in it, so every
failure (unsupported format, unreadable or empty file) surfaces as one :class:`ParseError`
naming the file and the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from indexer.blocks import Block, ParseError
from indexer.parsers.docx import parse_docx
from indexer.parsers.html import parse_html
from indexer.parsers.markdown import parse_markdown
from indexer.parsers.pdf import parse_pdf
from indexer.parsers.textfile import parse_text

_PARSERS: dict[str, Callable[[Path], list[Block]]] = {
    ".md": parse_markdown,
    ".markdown": parse_markdown,
    ".txt": parse_text,
    ".html": parse_html,
    ".htm": parse_html,
    ".pdf": parse_pdf,
    ".docx": parse_docx,
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(_PARSERS)

__all__ = ["SUPPORTED_SUFFIXES", "parse_file"]


def parse_file(path: Path) -> list[Block]:
    """Parse ``path`` into blocks, choosing the parser by its (case-insensitive) suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    parser = _PARSERS.get(suffix)
    if parser is None:
        shown = f"'{suffix}'" if suffix else "(no file extension)"
        raise ParseError(
            path, f"unsupported format {shown} (supported: {', '.join(SUPPORTED_SUFFIXES)})"
        )
    if not path.is_file():
        raise ParseError(path, "file not found" if not path.exists() else "not a regular file")
    blocks = parser(path)
    if not any(block.text.strip() for block in blocks):
        raise ParseError(path, "no text found (empty file?)")
    return blocks
