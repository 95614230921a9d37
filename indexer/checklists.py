"""The checklist authoring format of local procedures, read line by line.

A local procedure (Markdown) declares the sources it cites in its front matter and writes
what an officer must record as a task list under a "What to record" heading::

    ---
    sources:
      HMICFRS 2021: hmicfrs-cambridgeshire-2021
    ---
    ## What to record
    - [ ] Time police protection started (HMICFRS 2021, 'Record keeping was often poor')

Each item is short text followed by one citation in parentheses: a source named in
``sources`` and a locator, either a quoted section heading (its start is enough; ``›``
separates nested headings) or a statute reference such as ``s46(3)(a)``. Text before the
first item is an introduction; the checklist ends at the next heading. Anything else under
the heading is an error naming the file and line, so a force sees exactly what to fix.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from indexer.blocks import ParseError
from indexer.chunker import ChunkedDocument
from indexer.parsers.markdown import plain_inline as _plain
from indexer.parsers.textfile import read_text

CHECKLIST_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+What to record\b(?::[ \t]*(?P<title>.*?))?"
                               r"[ \t#]*$", re.IGNORECASE)
ANY_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]")
TASK = re.compile(r"^(?P<indent> {0,3})[-*+][ \t]+\[(?P<box>[^\]]?)\](?P<rest>.*)$")
OTHER_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
CITATION = re.compile(r"\((?P<source>[^(),]+),[ \t]*(?P<locator>'.+'|\"[^\"]+\"|"
                      r"s\d+[A-Z]?(?:\([0-9A-Za-z]+\))*)\)\.?$")
STATUTE_LOCATOR = re.compile(r"^s(?P<section>\d+[A-Z]?)(?P<parts>(?:\([0-9A-Za-z]+\))*)$")
HEADING_SEPARATOR = re.compile(r"[ \t]*(?:›|>)[ \t]*")


@dataclass(frozen=True)
class ItemSpec:
    """One checklist line as written: its text, the cited source and where in it."""

    text: str  # without the citation
    source: str  # the short name used in the citation
    document_id: str  # what the short name stands for (front matter ``sources``)
    locator: str  # a heading path ("A › B") or a statute reference ("s46(3)(a)")
    locator_kind: str  # "heading" | "statute"
    line: int
    indexed_text: str  # the list item's plain text as the indexer sees it


@dataclass(frozen=True)
class ChecklistSpec:
    """One "What to record" section of a procedure."""

    id: str
    title: str
    line: int
    intro: str
    items: tuple[ItemSpec, ...]

    def to_record(self) -> dict[str, Any]:
        return {**asdict(self), "items": [asdict(i) for i in self.items]}


def parse_checklists(path: Path, document_id: str, text: str) -> list[ChecklistSpec]:
    """Every checklist in a procedure's Markdown ``text``; ParseError names ``path:line``."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    sources, body_start = _front_matter_sources(path, lines)
    checklists: list[ChecklistSpec] = []
    index = body_start
    while index < len(lines):
        heading = CHECKLIST_HEADING.match(lines[index])
        if heading:
            checklist, index = _read_checklist(path, document_id, lines, index, heading,
                                               sources)
            if any(c.id == checklist.id for c in checklists):
                raise ParseError(f"{path}:{checklist.line}",
                                 f"a second checklist with id {checklist.id!r}: give each "
                                 "'What to record: <title>' heading its own title")
            checklists.append(checklist)
        else:
            index += 1
    return checklists


def _front_matter_sources(path: Path, lines: list[str]) -> tuple[dict[str, str], int]:
    if not lines or lines[0].rstrip() != "---":
        return {}, 0
    for end, line in enumerate(lines[1:], start=1):
        if line.rstrip() in ("---", "..."):
            try:
                meta = yaml.safe_load("\n".join(lines[1:end])) or {}
            except yaml.YAMLError as exc:
                raise ParseError(f"{path}:1", f"front matter is not valid YAML: {exc}") from None
            sources = meta.get("sources", {}) if isinstance(meta, dict) else {}
            if not isinstance(sources, dict):
                raise ParseError(f"{path}:1", "front matter 'sources' must map a short name "
                                              "to a document id")
            return {str(k).strip(): str(v).strip() for k, v in sources.items()}, end + 1
    return {}, 0


def _read_checklist(path: Path, document_id: str, lines: list[str], start: int,
                    heading: re.Match[str], sources: dict[str, str]
                    ) -> tuple[ChecklistSpec, int]:
    title = (heading["title"] or "").strip()
    checklist_id = document_id + (f"-{_slug(title)}" if title else "")
    intro: list[str] = []
    raw_items: list[tuple[int, str]] = []  # (line number, text with continuation lines)
    index = start + 1
    while index < len(lines) and not ANY_HEADING.match(lines[index]):
        line, number = lines[index], index + 1
        task = TASK.match(line)
        if task:
            if task["box"] != " ":
                raise ParseError(f"{path}:{number}", "a checklist item starts unticked: "
                                                     "write '- [ ] text (source, locator)'")
            raw_items.append((number, task["rest"].strip()))
        elif OTHER_LIST_ITEM.match(line):
            raise ParseError(f"{path}:{number}", "a list item without a tick box under "
                                                 "'What to record': every item must be "
                                                 "'- [ ] text (source, locator)'")
        elif line.strip() and raw_items and line.startswith((" ", "\t")):
            raw_items[-1] = (raw_items[-1][0], f"{raw_items[-1][1]} {line.strip()}")
        elif line.strip() and raw_items:
            raise ParseError(f"{path}:{number}", "text after the checklist items: put notes "
                                                 "before the first item or under a new heading")
        elif line.strip():
            intro.append(line.strip())
        index += 1
    if not raw_items:
        raise ParseError(f"{path}:{start + 1}", "'What to record' heading with no "
                                                "'- [ ] ...' items under it")
    items = tuple(_item(path, number, text, sources) for number, text in raw_items)
    return ChecklistSpec(checklist_id, title, start + 1, _plain(" ".join(intro)), items), index


def _item(path: Path, number: int, text: str, sources: dict[str, str]) -> ItemSpec:
    where = f"{path}:{number}"
    if not text:
        raise ParseError(where, "an empty checklist item ('- [ ]' with no text)")
    citation = CITATION.search(text)
    if citation is None:
        raise ParseError(where, "checklist item without its source: end it with "
                                "'(source, 'Section heading')' or '(source, s46(3)(a))'")
    item_text = _plain(text[:citation.start()].rstrip(" \t—–-:"))
    if not item_text:
        raise ParseError(where, "a checklist item with a citation but no text")
    source = citation["source"].strip()
    if source not in sources:
        declared = ", ".join(sorted(sources)) or "none"
        raise ParseError(where, f"source {source!r} is not declared in the front matter's "
                                f"'sources' (declared: {declared})")
    locator = citation["locator"]
    kind = "statute" if STATUTE_LOCATOR.match(locator) else "heading"
    if kind == "heading":
        locator = " › ".join(p for p in HEADING_SEPARATOR.split(locator[1:-1].strip()) if p)
    return ItemSpec(item_text, source, sources[source], locator, kind, number, _plain(text))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def is_procedure_markdown(kind: str, path: Path) -> bool:
    """Checklists are read from local procedures written in Markdown."""
    return kind == "local-procedure" and path.suffix.lower() in (".md", ".markdown")


def read_checklists(path: Path, document_id: str, chunked: ChunkedDocument
                    ) -> list[dict[str, Any]]:
    """The procedure's checklists, each item tied to the passage it is indexed in.

    Returns records for the document's reader record (``checklists``): the checklist's
    fields plus, per item, ``position`` (1-based), ``chunk_id`` and ``char_start``/``char_end``
    of the list item in the document's canonical text.
    """
    specs = parse_checklists(path, document_id, read_text(path))
    units = [(chunk.id, unit) for chunk in chunked.chunks for unit in chunk.units
             if unit.kind == "list_item"]
    records, used = [], set()
    for spec in specs:
        record = spec.to_record()
        for position, (item, item_record) in enumerate(
                zip(spec.items, record["items"], strict=True), start=1):
            found = next(((cid, u) for cid, u in units if u.start not in used
                          and chunked.text[u.start:u.end] == item.indexed_text), None)
            if found is None:
                raise ParseError(f"{path}:{item.line}", "checklist item not found among the "
                                 "indexed list items (is its section excluded?)")
            used.add(found[1].start)
            item_record.update(position=position, chunk_id=found[0],
                               char_start=found[1].start, char_end=found[1].end)
        records.append(record)
    return records
