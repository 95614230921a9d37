"""Markdown to blocks, line by line, without a Markdown library.

The corpus is hand-curated Markdown (guidance extracts with headings, numbered paragraphs and
bullet lists), so a small line-based reader is enough and keeps every decision visible: what
counts as a heading, where a paragraph ends, which markers are stripped. Full CommonMark is
not the goal; producing the same plain text a reader sees is.

Decisions: YAML front matter is metadata, not content, and is dropped. ATX (``#``) and setext
(underlined) headings keep their level. List bullets are dropped but enumerators (``1.``) are
kept in the item text, because guidance paragraphs are cited by number. Nesting collapses to
two levels (0 and 1). Code fences and table rows become paragraphs. Inline markup (emphasis,
links, images, code spans, escapes, HTML tags) is reduced to the visible text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

from indexer.blocks import Block, BlockKind
from indexer.parsers.textfile import collapse_whitespace, read_text

_Replacer = Callable[[re.Match[str]], str]

_FRONT_MATTER_FENCE = "---"
_FRONT_MATTER_END = ("---", "...")
_NESTED_INDENT = 2

_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_BLOCKQUOTE = re.compile(r"^ {0,3}> ?")
_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}(?=[^`]*$)|~{3,})")  # ```x``` is a code span
_ATX_HEADING = re.compile(r"^ {0,3}(?P<hashes>#{1,6})(?:[ \t]+(?P<text>.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(?P<char>=+|-+)[ \t]*$")
_THEMATIC_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_TABLE_ROW = re.compile(r"^\s*\|")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s+\S+(?:\s+[\"'(].*[\"')])?\s*$")
_LIST_ITEM = re.compile(
    r"^(?P<indent> *)(?:(?P<bullet>[-*+])|(?P<enum>\d{1,9}[.)]))[ \t]+(?P<text>\S.*)$"
)
_TASK_BOX = re.compile(r"^\[[ xX]\][ \t]+")

_CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_ESCAPE = re.compile(r"\\([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
_IMAGE = re.compile(r"!\[[^\]]*\](?:\((?:[^()]|\([^()]*\))*\)|\[[^\]]*\])")
_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^()]*\))*\)")
_REFERENCE_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^<>\s]+)>")
_LINE_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
# Emphasis markers must hug their text; underscores and single asterisks must also sit at
# word boundaries, so snake_case, 2*3*4 and stray bullets are left alone.
_EMPHASIS = (
    re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"),
    re.compile(r"(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)"),
    re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])"),
    re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"),
    re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"),
)


def parse_markdown(path: Path) -> list[Block]:
    """Parse a Markdown file into heading, paragraph and list-item blocks."""
    text = read_text(path).replace("\r\n", "\n").replace("\r", "\n")
    lines = _HTML_COMMENT.sub("", _strip_front_matter(text)).expandtabs(4).split("\n")
    return _MarkdownReader().read(lines)


def _strip_front_matter(text: str) -> str:
    """Drop a leading ``---`` ... ``---`` YAML block; leave the text alone if it is unclosed."""
    lines = text.split("\n")
    if lines[0].rstrip() != _FRONT_MATTER_FENCE:
        return text
    for index, line in enumerate(lines[1:], start=1):
        if line.rstrip() in _FRONT_MATTER_END:
            return "\n".join(lines[index + 1 :])
    return text


class _MarkdownReader:
    """Accumulates lines of the paragraph or list item being read and emits finished blocks."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.pending: list[str] = []
        self.pending_kind: BlockKind = "paragraph"
        self.pending_level = 0

    def read(self, lines: list[str]) -> list[Block]:
        index = 0
        while index < len(lines):
            fence = _FENCE.match(lines[index])
            if fence:
                index = self._read_code_fence(lines, index, fence["fence"])
            else:
                self._read_line(_unquote(lines[index]))
                index += 1
        self._flush()
        return self.blocks

    def _read_code_fence(self, lines: list[str], start: int, fence: str) -> int:
        """Emit a fenced code block's content verbatim as one paragraph; return the next index."""
        self._flush()
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = start + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        self._emit("paragraph", collapse_whitespace(" ".join(lines[start + 1 : end])))
        return end + 1

    def _read_line(self, line: str) -> None:
        if not line.strip():
            self._flush()
        elif heading := _ATX_HEADING.match(line):
            self._flush()
            self._emit("heading", _plain(heading["text"] or ""), len(heading["hashes"]))
        elif (underline := _SETEXT_UNDERLINE.match(line)) and self._pending_paragraph():
            self.pending_kind = "heading"
            self.pending_level = 1 if underline["char"].startswith("=") else 2
            self._flush()
        elif _THEMATIC_BREAK.match(line) or _REFERENCE_DEFINITION.match(line):
            self._flush()
        elif _TABLE_ROW.match(line):
            self._flush()
            if not _TABLE_SEPARATOR.match(line):
                self._emit("paragraph", _table_row(line))
        elif item := _LIST_ITEM.match(line):
            self._flush()
            self._start_list_item(item)
        else:
            self.pending.append(_strip_hard_break(line))

    def _pending_paragraph(self) -> bool:
        return bool(self.pending) and self.pending_kind == "paragraph"

    def _start_list_item(self, item: re.Match[str]) -> None:
        text = _TASK_BOX.sub("", item["text"])
        self.pending = [f"{item['enum']} {text}" if item["enum"] else text]
        self.pending_kind = "list_item"
        self.pending_level = 1 if len(item["indent"]) >= _NESTED_INDENT else 0

    def _flush(self) -> None:
        if self.pending:
            self._emit(self.pending_kind, _plain(" ".join(self.pending)), self.pending_level)
        self.pending = []
        self.pending_kind = "paragraph"
        self.pending_level = 0

    def _emit(self, kind: BlockKind, text: str, level: int = 0) -> None:
        if text:
            self.blocks.append(Block(kind, text, level))


def _unquote(line: str) -> str:
    """Remove any number of leading blockquote markers (``>``)."""
    while match := _BLOCKQUOTE.match(line):
        line = line[match.end() :]
    return line


def _strip_hard_break(line: str) -> str:
    """A trailing backslash is a Markdown hard line break, not text."""
    stripped = line.rstrip()
    if stripped.endswith("\\") and not stripped.endswith("\\\\"):
        return stripped[:-1]
    return stripped


def _table_row(line: str) -> str:
    row = line.strip().removeprefix("|")
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return " | ".join(_plain(cell) for cell in _CELL_SPLIT.split(row))


def _plain(text: str) -> str:
    """Reduce a run of inline Markdown to the text a reader would see, whitespace collapsed.

    Code spans and backslash escapes are set aside first so that nothing inside them is taken
    for markup, then restored literally at the end.
    """
    protected: list[str] = []
    text = _CODE_SPAN.sub(_protect(protected, lambda m: m[2].strip()), text)
    text = _ESCAPE.sub(_protect(protected, lambda m: m[1]), text)
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _REFERENCE_LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _LINE_BREAK_TAG.sub(" ", text)
    text = _HTML_TAG.sub("", text)
    for pattern in _EMPHASIS:
        text = pattern.sub(r"\1", text)
    text = _ENTITY.sub(lambda m: html.unescape(m[0]), text)
    text = _PLACEHOLDER.sub(lambda m: protected[int(m[1])], text)
    return collapse_whitespace(text)


def plain_inline(text: str) -> str:
    """The visible text of inline Markdown (for readers of the same files, e.g. checklists)."""
    return _plain(text)


def _protect(store: list[str], literal: _Replacer) -> _Replacer:
    """Return a ``re.sub`` callback that stores the literal text and leaves a placeholder."""

    def replace(match: re.Match[str]) -> str:
        store.append(literal(match))
        return f"\x00{len(store) - 1}\x00"

    return replace
