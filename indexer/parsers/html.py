"""HTML to blocks with BeautifulSoup's built-in ``html.parser``.

Saved guidance web pages (GOV.UK, force intranets) wrap the content in navigation, cookie
banners and footers. Those are removed, and when the page marks its content with ``<main>``
or ``<article>`` only that is read. The walk then turns headings, paragraphs, list items and
table rows into blocks, and keeps any loose text sitting directly in a ``<div>`` or
``<section>`` as a paragraph so that nothing visible is lost.

Bytes are decoded by :mod:`indexer.parsers.textfile`, so binary, empty and mis-encoded files
fail with the same messages as other text formats, except that a non-UTF-8 ``<meta charset>``
is honoured. A ``<header>`` inside the chosen ``<main>``/``<article>`` is kept: there it
usually holds the document title rather than site chrome.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PreformattedString, Tag

from indexer.blocks import Block, BlockKind, ParseError
from indexer.parsers.textfile import collapse_whitespace, decode_text, read_bytes

_NOISE_TAGS = ("script", "style", "noscript", "nav", "footer", "aside", "template", "head")
# ASP.NET-style pages wrap the whole page in one <form>: such a form is content, not chrome.
_CONTENT_MARKERS = ("main", "article", "h1")
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_PARAGRAPHS = frozenset({"p", "blockquote", "pre", "dt", "dd", "figcaption"})
_LISTS = frozenset({"ul", "ol"})
# Elements that break the flow of text: their content never runs into a neighbour's.
_CONTAINERS = frozenset(
    "address article body center details dialog div dl fieldset figure header hr html li main"
    " section summary".split()
)
_BLOCK_TAGS = _CONTAINERS | _PARAGRAPHS | _LISTS | frozenset(_HEADINGS)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_SNIFF_BYTES = 4096
# As browsers do (WHATWG Encoding): a declared UTF-16 means UTF-8, since a real UTF-16 file
# starts with a BOM, and Latin-1/ASCII mean Windows-1252, which old pages rely on for quotes.
_CODEC_SUBSTITUTES = {
    "utf-16": "utf-8",
    "utf-16-le": "utf-8",
    "utf-16-be": "utf-8",
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
}


def parse_html(path: Path) -> list[Block]:
    """Parse an HTML file into heading, paragraph and list-item blocks."""
    soup = BeautifulSoup(_read_html(path), "html.parser")
    walker = _Walker()
    for root in _content_roots(soup):
        walker.walk(root)
        walker.flush()
    return walker.blocks


def _read_html(path: Path) -> str:
    """Decode as UTF-8 unless a ``<meta charset>`` near the top declares something else."""
    data = read_bytes(path)
    declared = _META_CHARSET.search(data[:_SNIFF_BYTES])
    if declared is None or data.startswith(codecs.BOM_UTF8):
        return decode_text(path, data)
    label = declared[1].decode("ascii").lower()
    try:
        codec = codecs.lookup(label).name
    except LookupError as exc:
        raise ParseError(path, f"unknown charset '{label}' declared in <meta charset>") from exc
    codec = _CODEC_SUBSTITUTES.get(codec, codec)
    if codec == "utf-8" or _is_utf8(data):
        return decode_text(path, data)
    return decode_text(path, data, codec)


def _is_utf8(data: bytes) -> bool:
    """Whether the bytes hold non-ASCII text that is valid UTF-8.

    Such bytes win over a stale ``<meta charset>`` (a page re-saved as UTF-8, say), since
    Latin-1 or Windows-1252 text is practically never valid UTF-8 by chance.
    """
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not data.isascii()


def _content_roots(soup: BeautifulSoup) -> list[Tag]:
    """Strip page chrome and return the element(s) holding the document's content."""
    for element in soup.find_all([*_NOISE_TAGS, "form"]):
        if element.name != "form" or element.find(_CONTENT_MARKERS) is None:
            element.decompose()
    for element in soup.find_all(attrs={"role": "navigation"}):
        element.decompose()
    main = soup.find("main")
    roots = [main] if isinstance(main, Tag) else _outermost_articles(soup)
    kept = {id(header) for root in roots for header in root.find_all("header")}
    for header in soup.find_all("header"):
        if id(header) not in kept:
            header.decompose()
    return roots or [soup]


def _outermost_articles(soup: BeautifulSoup) -> list[Tag]:
    return [
        article
        for article in soup.find_all("article")
        if isinstance(article, Tag) and article.find_parent("article") is None
    ]


class _Walker:
    """Depth-first walk collecting inline text into the block currently being written."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.text: list[str] = []
        self.kind: BlockKind = "paragraph"
        self.level = 0
        self.list_depth = 0

    def walk(self, element: Tag) -> None:
        for child in element.children:
            if isinstance(child, Tag):
                self._visit(child)
            elif isinstance(child, NavigableString) and not isinstance(child, PreformattedString):
                self.text.append(str(child))

    def flush(self) -> None:
        text = collapse_whitespace("".join(self.text))
        if text:
            self.blocks.append(Block(self.kind, text, self.level))
        self.text = []

    def _visit(self, tag: Tag) -> None:
        name = tag.name
        if name == "br":
            self.text.append(" ")
        elif name == "table":
            self.flush()
            self._table(tag)
        elif name in _BLOCK_TAGS:
            self._block(tag, name)
        else:
            self.walk(tag)

    def _block(self, tag: Tag, name: str) -> None:
        """Flush the text before ``tag``, read it in its own context, flush, then restore."""
        self.flush()
        saved = (self.kind, self.level, self.list_depth)
        if name in _HEADINGS:
            self.kind, self.level = "heading", _HEADINGS[name]
        elif name in _LISTS:
            self.list_depth += 1
        elif name == "li":
            self.kind, self.level = "list_item", max(self.list_depth - 1, 0)
        elif self.kind != "list_item":  # a <p> inside an <li> still belongs to the item
            self.kind, self.level = "paragraph", 0
        self.walk(tag)
        self.flush()
        self.kind, self.level, self.list_depth = saved

    def _table(self, table: Tag) -> None:
        """The caption, then one paragraph per row of this table (not of nested tables)."""
        caption = table.find("caption", recursive=False)
        if caption is not None:
            self.text.append(caption.get_text(" "))
            self.flush()
        for row in table.find_all("tr"):
            if row.find_parent("table") is not table:
                continue
            cells = row.find_all(["td", "th"], recursive=False)
            text = " | ".join(collapse_whitespace(cell.get_text(" ")) for cell in cells)
            if text.replace("|", "").strip():
                self.blocks.append(Block("paragraph", text))
