"""Word (.docx) to blocks with python-docx, in document order.

Word documents carry their structure in paragraph styles, so the mapping is direct: "Title"
is a level-1 heading, "Heading N" a level N+1 heading (so a document title stays above its
sections), list styles and paragraphs with Word numbering (``w:numPr``) are list items, and
everything else is a paragraph. Tables become one paragraph per row so that they stay where
they sit in the text. Content controls (``w:sdt``, used by many templates) are read through.
Headers, footers, comments and text boxes are not body text and are left out.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import docx
from docx.document import Document
from docx.opc.exceptions import OpcError
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml.etree import XMLSyntaxError

from indexer.blocks import Block, ParseError
from indexer.parsers.textfile import collapse_whitespace

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # legacy binary .doc (and encrypted .docx) files
_HEADING_STYLE = re.compile(r"^Heading (\d)$")
_LIST_STYLE = re.compile(r"^List (?:Bullet|Number|Paragraph|Continue)(?: (\d))?$")
_TITLE_STYLE = "Title"


def parse_docx(path: Path) -> list[Block]:
    """Parse a .docx file into heading, paragraph and list-item blocks in document order."""
    document = _open(path)
    blocks: list[Block] = []
    for item in _body_items(document.element.body, document):
        if isinstance(item, Table):
            blocks.extend(_table_blocks(item))
        else:
            block = _paragraph_block(item)
            if block is not None:
                blocks.append(block)
    return blocks


def _open(path: Path) -> Document:
    try:
        return docx.Document(str(path))
    except (OpcError, zipfile.BadZipFile, zlib.error, KeyError, ValueError, XMLSyntaxError) as exc:
        raise ParseError(path, f"corrupt or unreadable DOCX: {_reason(path, exc)}") from exc


def _reason(path: Path, exc: Exception) -> str:
    try:
        with path.open("rb") as handle:
            signature = handle.read(len(_OLE_SIGNATURE))
    except OSError as error:
        return f"cannot read file: {error.strerror or error}"
    if not signature:
        return "empty file"
    if signature == _OLE_SIGNATURE:
        return "this is a legacy .doc or password-protected file; save it as an unprotected .docx"
    if not zipfile.is_zipfile(path):
        return "not a valid ZIP package (truncated, or not really a .docx file?)"
    return str(exc.args[0]) if exc.args else type(exc).__name__


def _body_items(element: BaseOxmlElement, document: Document) -> Iterator[Paragraph | Table]:
    """Yield the body's paragraphs and tables in order, descending into content controls."""
    for child in element.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, document)
        elif child.tag == qn("w:tbl"):
            yield Table(child, document)
        elif child.tag == qn("w:sdt"):
            for content in child.iterchildren(qn("w:sdtContent")):
                yield from _body_items(content, document)


def _paragraph_block(paragraph: Paragraph) -> Block | None:
    text = collapse_whitespace(paragraph.text)
    if not text:
        return None
    style = (paragraph.style.name if paragraph.style is not None else None) or ""
    numbering = _numbering_level(paragraph)
    if style == _TITLE_STYLE:
        return Block("heading", text, 1)
    if heading := _HEADING_STYLE.match(style):
        return Block("heading", text, int(heading[1]) + 1)
    if listed := _LIST_STYLE.match(style):
        level = numbering if numbering is not None else int(listed[1] or 1) - 1
        return Block("list_item", text, level)
    if numbering is not None:
        return Block("list_item", text, numbering)
    return Block("paragraph", text)


def _numbering_level(paragraph: Paragraph) -> int | None:
    """The list level from direct Word numbering (``w:numPr``), or None if not numbered."""
    properties = paragraph._p.pPr
    if properties is None or properties.numPr is None:
        return None
    ilvl = properties.numPr.ilvl
    return ilvl.val if ilvl is not None and ilvl.val is not None else 0


def _table_blocks(table: Table) -> list[Block]:
    """One paragraph per row, cells joined with ' | '; merged cells are counted once."""
    blocks = []
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if not cells or cell._tc is not cells[-1]._tc:
                cells.append(cell)
        text = " | ".join(collapse_whitespace(cell.text) for cell in cells)
        if text.replace("|", "").strip():
            blocks.append(Block("paragraph", text))
    return blocks
