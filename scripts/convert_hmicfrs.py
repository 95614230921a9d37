"""Convert the HMICFRS Cambridgeshire child protection report from extracted text to Markdown.

Why this exists: the report is published as a PDF, and the text we hold
(``hmicfrs-cambridgeshire-2021.txt``) was extracted from it. That text has no reliable
structure: headings are bare lines, paragraphs are split across page breaks, and links
survive only as ``[text](#)`` artefacts. The indexer's Markdown parser needs headings,
paragraphs and list items it can trust, so this script makes the structure explicit once,
deterministically, and the Markdown it writes is committed to ``corpus/documents/``. The
product never reads the extracted text at run time.

The conversion is faithful: it never drops, rewords or adds a sentence of the report's
body. It only
- replaces the title page with a level-1 title and drops the back-cover footer;
- rejoins paragraphs that a page break split (a line without terminal punctuation,
  then a blank line, then a line starting in lower case);
- turns the report's parts into ``##`` headings, other bare heading lines into ``###``,
  and "Case study" / "Recommendation(s)" into ``####``;
- turns the contents page into a list, the one tab-separated table into a Markdown table,
  and link and HTML artefacts into plain text or emphasis.

A bare line that directly introduces a list ("Total 79 cases assessed by us") is kept as a
paragraph: it is the list's lead-in, not a heading.

Usage: python scripts/convert_hmicfrs.py SOURCE [--out PATH]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

TITLE = "National Child Protection Inspection — Cambridgeshire Constabulary, 5–16 July 2021"

# The report's top-level parts, in order, exactly as the report words and numbers them. A bare
# line becomes a ``##`` heading only when it is the next part expected, so the "Conclusion"
# sub-heading inside the Summary stays a ``###`` and the final "Conclusion" part is ``##``.
PARTS: tuple[str, ...] = (
    "Foreword",
    "Contents",
    "Summary",
    "1. Introduction",
    "2. Leadership, management and governance",
    "3. Context for the constabulary",
    "4. Case file analysis",
    "5. Initial contact",
    "6. Assessment and help",
    "7. Investigation",
    "8. Decision making",
    "9. Trusted adult",
    "10. Managing those posing a risk to children",
    "11. Police detention",
    "Conclusion",
    "Next steps",
    "Annex A – Child protection inspection methodology",
)

# Bare lines that head a block of their own kind rather than a topic.
BLOCK_LABELS = frozenset({"Case study", "Recommendation", "Recommendations"})

# Back-cover lines printed after the last page of the annex; not part of the report's body.
FOOTER = re.compile(r"^(December 2021 \| © HMICFRS 2021|www\.justiceinspectorates\.gov\.uk/\S*)$")

LINK = re.compile(r"\[([^\]]*)\]\(#\)")
ITALIC_TAG = re.compile(r"<i>(.*?)</i>")
LIST_ITEM = re.compile(r"^( ?)- (.*)$")
CONTENTS_ENTRY = re.compile(r"^([^\t]+)\t([ivx]+|\d+)$")
ORDERED_MARKER = re.compile(r"^(\d+)\.")
PAGE_BREAK_CONTINUATION = re.compile(r"^[a-z]")
# Sentence-ending punctuation, optionally followed by closing brackets or quotes.
TERMINAL = re.compile(r"[.:;!?,][)\"'”’]*$")

Block = list[str]


def clean_inline(line: str) -> str:
    """Turn link and HTML artefacts into plain Markdown text."""
    line = LINK.sub(lambda m: m.group(1).replace("\\(", "(").replace("\\)", ")"), line)
    return ITALIC_TAG.sub(r"*\1*", line)


def split_blocks(text: str) -> list[Block]:
    """Split the text into runs of non-blank lines, trailing whitespace removed."""
    blocks: list[Block] = []
    current: Block = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if line:
            current.append(clean_inline(line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def is_list(block: Block) -> bool:
    return all(LIST_ITEM.match(line) for line in block)


def is_bare_line(block: Block) -> bool:
    """A single line with no terminal punctuation: a heading or a list's lead-in."""
    return len(block) == 1 and not is_list(block) and not TERMINAL.search(block[0])


def strip_title_page_and_footer(blocks: list[Block]) -> list[Block]:
    """Drop everything before the Foreword (the title page, replaced by TITLE) and the footer."""
    try:
        start = blocks.index([PARTS[0]])
    except ValueError:
        sys.exit(f"error: no '{PARTS[0]}' line found; is this the HMICFRS report?")
    body = blocks[start:]
    return [block for block in body if not (len(block) == 1 and FOOTER.match(block[0]))]


def join_page_breaks(blocks: list[Block]) -> tuple[list[Block], int]:
    """Rejoin paragraphs split by a page break; return the blocks and the number of joins."""
    joined: list[Block] = []
    count = 0
    for block in blocks:
        if (
            joined
            and is_bare_line(joined[-1])
            and not is_list(block)
            and PAGE_BREAK_CONTINUATION.match(block[0])
        ):
            joined[-1] = [f"{joined[-1][0]} {block[0]}", *block[1:]]
            count += 1
        else:
            joined.append(block)
    return joined, count


def render_list(block: Block) -> str:
    lines = []
    for line in block:
        match = LIST_ITEM.match(line)
        assert match is not None  # is_list() checked every line
        indent = "  " if match.group(1) else ""
        lines.append(f"{indent}- {match.group(2)}")
    return "\n".join(lines)


def render_contents(block: Block) -> str:
    """One list item per entry; "1." is escaped, as "- 1. Introduction" would nest a list."""
    items = []
    for line in block:
        match = CONTENTS_ENTRY.match(line)
        assert match is not None  # convert() checked every line
        title = ORDERED_MARKER.sub(r"\1\\.", match.group(1))
        items.append(f"- {title} — {match.group(2)}")
    return "\n".join(items)


def render_table(block: Block) -> str:
    rows = [line.split("\t") for line in block]
    widths = {len(row) for row in rows}
    if len(widths) != 1:
        sys.exit(f"error: table rows have differing numbers of cells: {block}")
    header, *body = rows
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def convert(text: str) -> tuple[str, int]:
    """Return the Markdown for the report text and the number of page-break joins made."""
    blocks, joins = join_page_breaks(strip_title_page_and_footer(split_blocks(text)))
    out = [f"# {TITLE}"]
    next_part = 0
    for i, block in enumerate(blocks):
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        if next_part < len(PARTS) and block == [PARTS[next_part]]:
            out.append(f"## {block[0]}")
            next_part += 1
        elif is_list(block):
            out.append(render_list(block))
        elif all(CONTENTS_ENTRY.match(line) for line in block):
            out.append(render_contents(block))
        elif any("\t" in line for line in block):
            out.append(render_table(block))
        elif len(block) == 1 and block[0] in BLOCK_LABELS:
            out.append(f"#### {block[0]}")
        elif is_bare_line(block) and not (following is not None and is_list(following)):
            out.append(f"### {block[0]}")
        else:
            out.append(" ".join(block))
    if next_part != len(PARTS):
        sys.exit(f"error: part '{PARTS[next_part]}' not found in order")
    return "\n\n".join(out) + "\n", joins


def main(argv: list[str] | None = None) -> None:
    repo = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", metavar="SOURCE", type=Path, help="the extracted report text")
    parser.add_argument(
        "--out",
        metavar="PATH",
        type=Path,
        default=repo / "corpus" / "documents" / "hmicfrs-cambridgeshire-2021.md",
        help="where to write the Markdown (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        text = args.source.read_text(encoding="utf-8")
    except OSError as exc:
        sys.exit(f"error: cannot read {args.source}: {exc.strerror}")
    markdown, _joins = convert(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown, encoding="utf-8")


if __name__ == "__main__":
    main()
