"""PDF to blocks with pypdf, keeping the 1-based page number on every block.

pypdf returns each page as plain text, one line per visual line, with no markup. Structure is
recovered from the lines themselves:

* running headers and footers (a line in the top or bottom three lines of more than half the
  pages, for documents of three pages or more) and bare page numbers are dropped;
* a line ending in terminal punctuation (``. : ; ? !``) ends its paragraph, and so does a
  short line (well under the page's usual line length) when the next line starts a sentence,
  since only a paragraph's last line stops short of the margin;
* a short line without terminal punctuation that is numbered (``3.``, ``3.1``), Title Case or
  ALL CAPS is a heading: level 2 for a single number, else 3;
* bullet lines (``•``, ``-``, ``–``, ``▪``, symbol-font glyphs, ``(a)``) are list items;
* a word hyphenated across a line break is joined (``safe-`` + ``guarding``), keeping the
  hyphen only for compound prefixes such as ``multi-agency``.

Failures say what is wrong with the file: encrypted, corrupt or truncated, or a scan with no
text layer to extract.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError

from indexer.blocks import Block, BlockKind, ParseError
from indexer.parsers.textfile import collapse_whitespace, read_bytes

_HEADER_WINDOW = 1024
_EDGE_LINES = 3
_MIN_PAGES_FOR_RUNNING_LINES = 3
_MAX_HEADING_CHARS = 80
_SHORT_LINE_RATIO = 0.6
_WIDTH_PERCENTILE = 0.8
_MAX_REASON_CHARS = 160

_TERMINAL = re.compile(r"[.:;?!][\"'”’)\]]*$")
_PAGE_NUMBER = r"(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?"
_BARE_PAGE_NUMBER = re.compile(rf"^[-–—\s]*{_PAGE_NUMBER}[-–—\s]*$", re.IGNORECASE)
_PAGE_NUMBER_AFFIX = re.compile(
    rf"^{_PAGE_NUMBER}\s*[|·•–—-]?\s+|\s+[|·•–—-]?\s*{_PAGE_NUMBER}$", re.IGNORECASE
)
# Bullet glyphs, including the control and private-use characters symbol fonts extract as.
_GLYPHS = "•●◦▪■□‣►➢✓·\x00-\x1f\x7f\ue000-\uf8ff"
# A glyph bullet, a dash bullet followed by a space, or a lettered/bracketed enumerator.
_BULLET = re.compile(
    rf"^(?:[{_GLYPHS}]\s*|[-–*]\s+)(?P<text>\S.*)$"
    r"|^(?P<enum>\((?:[a-z]{1,4}|\d{1,2})\)|[a-z]\))\s+(?P<rest>\S.*)$"
)
# A bullet extracted on a line of its own, its text on the next line.
_LONE_BULLET = re.compile(rf"^(?:[{_GLYPHS}]|[-–*])$")
_NUMBERED_HEADING = re.compile(r"^(?P<number>\d{1,3}(?:\.\d{1,3})*)\.?\s+[A-Z]")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_MINOR_WORDS = frozenset("a an and as at but by for from in into of on or the to with".split())
_LINE_BREAK_HYPHENS = ("-", "‐", "\u00ad")
_COMPOUND_PREFIXES = frozenset("anti child cross multi non self well".split())


def parse_pdf(path: Path) -> list[Block]:
    """Parse a PDF into heading, paragraph and list-item blocks, each with its page number."""
    pages = [_clean_lines(text) for text in _page_texts(path)]
    if not any(line for lines in pages for line in lines):
        raise ParseError(path, "no extractable text (scanned PDF? run OCR first)")
    pages = _drop_running_lines(pages)
    blocks: list[Block] = []
    for number, lines in enumerate(pages, start=1):
        blocks.extend(_PageReader(lines, number).read())
    return _join_page_breaks(blocks)


def _page_texts(path: Path) -> list[str]:
    """Open the PDF and return the text of each page, or raise a :class:`ParseError`."""
    data = read_bytes(path)
    if not data:
        raise ParseError(path, "empty file")
    if b"%PDF-" not in data[:_HEADER_WINDOW]:
        raise ParseError(path, "corrupt or unreadable PDF: not a PDF file (no %PDF- header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        _decrypt(path, reader)
        texts = [page.extract_text() or "" for page in reader.pages]
    except ParseError:
        raise
    except Exception as exc:  # pypdf raises many built-in types on malformed input
        raise ParseError(path, f"corrupt or unreadable PDF: {_reason(exc, data)}") from exc
    if not texts:
        raise ParseError(path, "corrupt or unreadable PDF: the document has no pages")
    return texts


def _decrypt(path: Path, reader: PdfReader) -> None:
    """Open an encrypted PDF that has an empty user password; refuse any other."""
    if not reader.is_encrypted:
        return
    try:
        opened = reader.decrypt("")
    except DependencyError as exc:
        raise ParseError(
            path, "encrypted PDF: AES encryption needs the 'cryptography' package to open"
        ) from exc
    if opened == PasswordType.NOT_DECRYPTED:
        raise ParseError(
            path, "encrypted PDF: it needs a password to open; save an unprotected copy"
        )


def _reason(exc: Exception, data: bytes) -> str:
    if b"%%EOF" not in data[-_HEADER_WINDOW:]:
        return "the file is truncated (no %%EOF marker at the end)"
    reason = str(exc) or type(exc).__name__
    return reason[:_MAX_REASON_CHARS]


def _clean_lines(text: str) -> list[str]:
    """Split page text into lines with whitespace collapsed; blank lines become ''."""
    return [collapse_whitespace(line) for line in text.splitlines()]


def _drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Remove bare page numbers and repeated headers/footers from the edges of each page."""
    running: set[str] = set()
    if len(pages) >= _MIN_PAGES_FOR_RUNNING_LINES:
        counts = Counter(
            key for lines in pages for key in {_running_key(lines[i]) for i in _edges(lines)}
        )
        running = {key for key, count in counts.items() if count > len(pages) / 2}
    return [_strip_edges(lines, running) for lines in pages]


def _strip_edges(lines: list[str], running: set[str]) -> list[str]:
    """Peel running lines and page numbers off the top and bottom, stopping at body text."""
    filled = [index for index, line in enumerate(lines) if line]
    dropped: set[int] = set()
    for side in (filled[:_EDGE_LINES], filled[::-1][:_EDGE_LINES]):
        for index in side:
            line = lines[index]
            if not (_BARE_PAGE_NUMBER.match(line) or _running_key(line) in running):
                break
            dropped.add(index)
    return [line for index, line in enumerate(lines) if index not in dropped]


def _edges(lines: list[str]) -> set[int]:
    """Indexes of the first and last few non-blank lines of a page."""
    filled = [index for index, line in enumerate(lines) if line]
    return set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:])


def _running_key(line: str) -> str:
    """A header/footer line with any page number removed, so 'Title 3' matches 'Title 4'."""
    return _PAGE_NUMBER_AFFIX.sub("", line).casefold()


def _heading_level(line: str) -> int | None:
    """The heading level of a short, unpunctuated, numbered/Title Case/ALL CAPS line."""
    if len(line) >= _MAX_HEADING_CHARS or _TERMINAL.search(line) or line.endswith(","):
        return None
    words = _WORD.findall(line)
    if not words:
        return None
    numbered = _NUMBERED_HEADING.match(line)
    if numbered:
        return 2 if "." not in numbered["number"] else 3
    major = [word for word in words if word.lower() not in _MINOR_WORDS]
    if major and all(word[0].isupper() for word in major):
        return 3
    return None


def _join_line(text: str, line: str) -> str:
    """Append a line to a block's text, mending a word hyphenated across the break."""
    if text.endswith(_LINE_BREAK_HYPHENS) and line[:1].islower():
        prefix = _WORD.findall(text[:-1])
        if text[-1] != "\u00ad" and prefix and prefix[-1].lower() in _COMPOUND_PREFIXES:
            return text + line
        return text[:-1] + line
    return f"{text} {line}"


def _join_page_breaks(blocks: list[Block]) -> list[Block]:
    """Rejoin a paragraph or list item cut in two by a page break; it keeps its first page."""
    joined: list[Block] = []
    for block in blocks:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and previous.page != block.page
            and previous.kind != "heading"
            and not _TERMINAL.search(previous.text)
            and block.kind == "paragraph"
            and block.text[:1].islower()
        ):
            joined[-1] = replace(previous, text=_join_line(previous.text, block.text))
        else:
            joined.append(block)
    return joined


class _PageReader:
    """Groups the lines of one page into blocks."""

    def __init__(self, lines: list[str], page: int) -> None:
        self.lines = lines
        self.page = page
        lengths = sorted(len(line) for line in lines if line)
        width = lengths[int(_WIDTH_PERCENTILE * (len(lengths) - 1))] if lengths else 0
        self.short = width * _SHORT_LINE_RATIO
        self.blocks: list[Block] = []
        self.text = ""
        self.kind: BlockKind = "paragraph"
        self.level = 0
        self.last_line = ""
        self.lone_bullet = False

    def read(self) -> list[Block]:
        for line in self.lines:
            self._read_line(line)
        self._flush()
        return self.blocks

    def _read_line(self, line: str) -> None:
        if not line:
            self._flush()
            return
        if _LONE_BULLET.match(line):
            self._flush()
            self.lone_bullet = True
            return
        bullet = _BULLET.match(line)
        if bullet or self.lone_bullet:
            self._flush()
            text = (
                line if bullet is None else bullet["text"] or f"{bullet['enum']} {bullet['rest']}"
            )
            self._start("list_item", text, 0)
            self.lone_bullet = False
        elif self.text and (line[:1].islower() or len(self.last_line) >= self.short):
            self.text = _join_line(self.text, line)
        else:
            self._flush()
            level = _heading_level(line)
            self._start("heading" if level else "paragraph", line, level or 0)
        self.last_line = line
        if self.kind == "heading" or _TERMINAL.search(line):
            self._flush()

    def _start(self, kind: BlockKind, text: str, level: int) -> None:
        self.kind, self.text, self.level = kind, text, level

    def _flush(self) -> None:
        if self.text:
            self.blocks.append(Block(self.kind, self.text, self.level, self.page))
        self.text = ""
        self.kind = "paragraph"
        self.level = 0
