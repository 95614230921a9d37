"""Reading text files safely, and parsing plain ``.txt`` documents.

Every text-based parser (plain text, Markdown, HTML) reads its file through :func:`read_bytes`
and :func:`decode_text`, so a binary file, a wrong encoding or an empty file is reported the
same way whatever the format: with the file name and a reason a user can act on (for a bad
encoding, the byte offset and line of the first bad byte and "save the file as UTF-8").

Plain text has no markup, so :func:`parse_text` recovers what structure it can: paragraphs are
separated by blank lines, and lines that start with a bullet (``-``, ``*``, ``•``) or an
enumerator (``1.``, ``(a)``) are list items. Bullets are dropped; enumerators are kept in the
item text because guidance cites them ("paragraph 4(a)").
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from indexer.blocks import Block, BlockKind, ParseError

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

# A bullet glyph, or an enumerator such as "1." "2)" "(a)" "a)" "(iv)" "(3)", then whitespace.
_LIST_LINE = re.compile(
    r"^(?P<indent>[ \t]*)"
    r"(?:(?P<bullet>[-*•‣◦▪●–])|(?P<enum>\d{1,3}[.)]|\([a-z]{1,4}\)|[a-z]\)|\(\d{1,3}\)))"
    r"[ \t]+(?P<text>\S.*)$"
)
_NESTED_INDENT = 2


def read_bytes(path: Path) -> bytes:
    """Return the raw bytes of ``path``, turning an OS error into a :class:`ParseError`."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ParseError(path, f"cannot read file: {exc.strerror or exc}") from exc


def decode_text(path: Path, data: bytes, encoding: str | None = None) -> str:
    """Decode the bytes of a text file, rejecting binary, mis-encoded and empty content.

    With no ``encoding`` the text must be UTF-8 (a BOM is stripped) or UTF-16 with a BOM.
    ``encoding`` names another codec, e.g. one an HTML file declares in ``<meta charset>``.
    """
    if not data:
        raise ParseError(path, "empty file")
    if data.startswith(_UTF16_BOMS):
        text = _decode(path, data, "utf-16", "UTF-16")
    else:
        _reject_binary(path, data)
        text = _decode(path, data, encoding or "utf-8-sig", encoding or "UTF-8")
    if not text.strip():
        raise ParseError(path, "empty file (only whitespace)")
    return text


def read_text(path: Path) -> str:
    """Return the text of a UTF-8 (or BOM-marked UTF-16) file; see :func:`decode_text`."""
    return decode_text(path, read_bytes(path))


def _reject_binary(path: Path, data: bytes) -> None:
    offset = data.find(b"\x00")
    if offset != -1:
        raise ParseError(
            path,
            f"binary content in a text file (NUL byte at offset {offset}); "
            "is this really a text document?",
        )


def _decode(path: Path, data: bytes, codec: str, label: str) -> str:
    try:
        return data.decode(codec)
    except LookupError as exc:
        raise ParseError(path, f"unknown text encoding '{codec}'") from exc
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ParseError(
            path,
            f"not valid {label}: byte 0x{data[exc.start]:02X} at offset {exc.start} "
            f"(line {line}); save the file as UTF-8",
        ) from exc


def collapse_whitespace(text: str) -> str:
    """Join all runs of whitespace (including newlines) into single spaces, trimmed."""
    return " ".join(text.split())


def parse_text(path: Path) -> list[Block]:
    """Parse a plain-text file into paragraph and list-item blocks."""
    text = read_text(path).replace("\r\n", "\n").replace("\r", "\n")
    blocks: list[Block] = []
    for chunk in re.split(r"\n[ \t]*\n", text):
        blocks.extend(_chunk_blocks(chunk.expandtabs(4).split("\n")))
    return blocks


def _chunk_blocks(lines: list[str]) -> list[Block]:
    """Split one blank-line-separated chunk into a paragraph and/or list items.

    A list item continues on following lines that are indented; an unindented line that is
    not a list item starts a new paragraph.
    """
    parts: list[tuple[BlockKind, int, list[str]]] = []  # (kind, level, lines)
    for line in lines:
        if not line.strip():
            continue
        match = _LIST_LINE.match(line)
        if match:
            level = 1 if len(match["indent"]) >= _NESTED_INDENT else 0
            item = match["text"] if match["bullet"] else f"{match['enum']} {match['text']}"
            parts.append(("list_item", level, [item]))
        elif parts and (parts[-1][0] == "paragraph" or line[:1].isspace()):
            parts[-1][2].append(line)
        else:
            parts.append(("paragraph", 0, [line]))
    return [Block(kind, collapse_whitespace(" ".join(body)), level) for kind, level, body in parts]
