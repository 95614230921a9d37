"""The chunker keeps structure: headings, lists with their lead-in, whole case studies.

Checked on blocks built by hand (every rule, at its boundary) and on the real HMICFRS report
(the rules hold across a whole document, not only on examples chosen to pass).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from indexer.blocks import Block
from indexer.chunker import (
    TARGET_CHARS,
    WHOLE_BLOCK_MAX,
    Chunk,
    ChunkedDocument,
    PlacedBlock,
    chunk_document,
)
from indexer.parsers import parse_file

HMICFRS = (
    Path(__file__).resolve().parent.parent
    / "corpus" / "documents" / "hmicfrs-cambridgeshire-2021.md"
)
_WHOLE = re.compile(r"^(case stud(y|ies)|recommendations?)\b", re.IGNORECASE)


def paragraph(n: int, chars: int) -> Block:
    """A paragraph of about ``chars`` characters, in sentences of words unique to ``n``."""
    sentences: list[str] = []
    while len(" ".join(sentences)) < chars:
        first = 10 * len(sentences)
        words = " ".join(f"word{n}x{first + i}" for i in range(10))
        sentences.append(words.capitalize() + ".")
    return Block("paragraph", " ".join(sentences)[: chars - 1].rstrip() + ".")


def heading(text: str, level: int) -> Block:
    return Block("heading", text, level)


def item(text: str, level: int = 0) -> Block:
    return Block("list_item", text, level)


# Sizes follow the chunker's limits, so the rules are tested at their boundaries whatever
# the limits are set to.
SHORT = int(TARGET_CHARS * 0.6)  # two never fit one chunk; one plus a short lead-in does
WHOLE_PART = (TARGET_CHARS + WHOLE_BLOCK_MAX) // 6  # three: over the target, under the max
LEAD_IN = "The force should do the following things without delay:"


def action_list() -> list[Block]:
    """A list long enough that, with its lead-in, it overflows a chunk holding SHORT text."""
    items = [
        item("appoint a lead for missing children who reports to the chief officer;"),
        item("audit the use of police protection powers every quarter; and"),
        item("report progress to the board.", 1),
    ]
    while sum(len(b.text) + 3 for b in items) + len(LEAD_IN) + SHORT <= TARGET_CHARS:
        items.append(item(f"publish audit result {len(items)} to the safeguarding partners;"))
    return items


def hand_blocks() -> list[Block]:
    """A small report exercising every rule."""
    return [
        heading("Inspection of a Test Force", 1),
        heading("Contents", 2),
        item("Summary — 1"),
        item("Findings — 2"),
        heading("Summary", 2),
        paragraph(1, SHORT),
        paragraph(2, SHORT),
        paragraph(3, SHORT),
        # A lead-in that would fit after paragraph 3, followed by a list that does not.
        Block("paragraph", LEAD_IN),
        *action_list(),
        paragraph(4, SHORT),
        heading("Findings", 2),
        heading("Custody is safe", 3),
        paragraph(5, SHORT),
        paragraph(6, SHORT),
        heading("Case study", 4),
        paragraph(7, WHOLE_PART),
        paragraph(8, WHOLE_PART),
        paragraph(9, WHOLE_PART),
        heading("Recommendations", 4),
        Block("paragraph", "We recommend that, within six months, the force:"),
        item("reviews its custody training;"),
        item("records the voice of the child."),
        heading("Case study", 4),  # too long to stay whole: packed like any text
        *[paragraph(20 + i, WHOLE_BLOCK_MAX // 4) for i in range(6)],
        heading("Conclusion", 2),
        Block("paragraph", "Overall the force is improving."),
    ]


# --- invariants checked on every chunked document -----------------------------------------


def blocks_in(doc: ChunkedDocument, chunk: Chunk) -> list[PlacedBlock]:
    return [b for b in doc.blocks if chunk.start <= b.start and b.end <= chunk.end]


def assert_invariants(doc: ChunkedDocument) -> None:
    """Rules that hold for every chunk of every document."""
    ids = [c.id for c in doc.chunks]
    assert len(ids) == len(set(ids)), "chunk ids must be unique"
    content_blocks = [b for b in doc.blocks if b.block.kind != "heading"]
    owners = {id(b): 0 for b in content_blocks}
    for chunk in doc.chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.content
        assert chunk.content.strip()
        inside = blocks_in(doc, chunk)
        assert inside and inside[0].start == chunk.start and inside[-1].end == chunk.end
        # Never crosses a heading: one section path, and a heading only as the opening line
        # of its own section's chunk.
        assert {b.section_path for b in inside} == {chunk.section_path}
        for position, placed in enumerate(inside):
            if placed.block.kind == "heading":
                assert position == 0 and placed.block.text == chunk.section_path[-1]
            else:
                owners[id(placed)] += 1
        for unit in chunk.units:
            assert chunk.start <= unit.start < unit.end <= chunk.end
            span = doc.text[unit.start : unit.end]
            assert span.strip() and span == span.strip()
        assert "](#" not in chunk.content
    assert set(owners.values()) == {1}, "every paragraph and list item is in exactly one chunk"


def assert_lists_keep_lead_in(doc: ChunkedDocument) -> int:
    """Each list run is in one chunk with the paragraph before it; returns the runs checked."""
    chunk_of = {}
    for chunk in doc.chunks:
        for placed in blocks_in(doc, chunk):
            chunk_of[id(placed)] = chunk.id
    checked = 0
    blocks = doc.blocks
    index = 0
    while index < len(blocks):
        if blocks[index].block.kind != "list_item":
            index += 1
            continue
        end = index
        while end + 1 < len(blocks) and blocks[end + 1].block.kind == "list_item":
            end += 1
        run = blocks[index : end + 1]
        lead = blocks[index - 1] if index else None
        has_lead = (lead is not None and lead.block.kind == "paragraph"
                    and lead.section_path == run[0].section_path)
        first = lead if has_lead else run[0]
        if run[-1].end - first.start <= WHOLE_BLOCK_MAX:
            together = {chunk_of[id(b)] for b in ([lead] if has_lead else []) + run}
            assert len(together) == 1, f"list split from its lead-in: {run[0].block.text!r}"
            checked += has_lead
        index = end + 1
    return checked


def whole_sections(doc: ChunkedDocument) -> list[tuple[PlacedBlock, list[PlacedBlock]]]:
    """Each case study / recommendation heading with the content blocks under it."""
    found = []
    for i, placed in enumerate(doc.blocks):
        if placed.block.kind == "heading" and _WHOLE.match(placed.block.text):
            content = []
            for following in doc.blocks[i + 1 :]:
                if following.block.kind == "heading":
                    break
                content.append(following)
            found.append((placed, content))
    return found


def chunks_over(doc: ChunkedDocument, start: int, end: int) -> list[Chunk]:
    return [c for c in doc.chunks if c.start < end and start < c.end]


# --- hand-built blocks --------------------------------------------------------------------


@pytest.fixture(scope="module")
def hand_doc() -> ChunkedDocument:
    return chunk_document("test-report", hand_blocks(), exclude_sections=("Contents",))


def test_hand_built_invariants(hand_doc: ChunkedDocument) -> None:
    assert_invariants(hand_doc)
    assert assert_lists_keep_lead_in(hand_doc) == 2
    assert len(hand_doc.chunks) > 6  # packing really split the long sections


def test_text_sections_are_packed_near_the_target(hand_doc: ChunkedDocument) -> None:
    summary = [c for c in hand_doc.chunks if c.section_path == ("Summary",)]

    assert len(summary) >= 3
    assert all(c.block_kind == "text" for c in summary)
    # A pack only exceeds the target when a single lead-in+list group or block does.
    for chunk in summary:
        if len(chunk.content) > TARGET_CHARS:
            assert len(blocks_in(hand_doc, chunk)) <= 2 or "- " in chunk.content


def test_lead_in_and_its_list_share_a_chunk(hand_doc: ChunkedDocument) -> None:
    chunk = next(c for c in hand_doc.chunks if "appoint a lead" in c.content)

    assert chunk.content.startswith(f"{LEAD_IN}\n\n- appoint a lead")
    # The lead-in alone would have fitted in the previous chunk; with its list it does not.
    previous = hand_doc.chunks[chunk.position - 1]
    assert previous.section_path == chunk.section_path
    assert len(previous.content) + 2 + len(LEAD_IN) <= TARGET_CHARS < chunk.end - previous.start
    assert "\n  - report progress to the board." in chunk.content  # nesting kept
    assert [u.kind for u in chunk.units] == ["sentence"] + ["list_item"] * len(action_list())


def test_short_case_study_and_recommendations_are_one_chunk(hand_doc: ChunkedDocument) -> None:
    (study, study_blocks), (recs, rec_blocks), (long_study, long_blocks) = whole_sections(hand_doc)

    short = chunks_over(hand_doc, study_blocks[0].start, study_blocks[-1].end)
    assert TARGET_CHARS < study_blocks[-1].end - study.start <= WHOLE_BLOCK_MAX
    assert len(short) == 1 and short[0].block_kind == "case_study"
    assert short[0].start <= study_blocks[0].start and short[0].end == study_blocks[-1].end

    rec_chunks = chunks_over(hand_doc, rec_blocks[0].start, rec_blocks[-1].end)
    assert len(rec_chunks) == 1 and rec_chunks[0].block_kind == "recommendation"
    assert rec_chunks[0].end == rec_blocks[-1].end

    assert long_blocks[-1].end - long_study.start > WHOLE_BLOCK_MAX
    long_chunks = chunks_over(hand_doc, long_blocks[0].start, long_blocks[-1].end)
    assert len(long_chunks) > 1
    assert {c.block_kind for c in long_chunks} == {"case_study"}


def test_excluded_section_is_not_in_any_chunk(hand_doc: ChunkedDocument) -> None:
    assert all("Contents" not in c.section_path for c in hand_doc.chunks)
    assert "Summary — 1" not in hand_doc.text
    assert all("Findings — 2" not in c.content for c in hand_doc.chunks)
    # Exclusion ends at the next heading of the same level.
    assert any(c.section_path == ("Summary",) for c in hand_doc.chunks)


def test_section_paths_and_pages() -> None:
    blocks = [
        heading("Guide", 1),
        heading("Part 1", 2),
        replace(paragraph(1, TARGET_CHARS // 4), page=2),
        replace(paragraph(2, TARGET_CHARS // 4), page=3),
        heading("Detail", 3),
        replace(paragraph(3, TARGET_CHARS // 4), page=3),
    ]

    doc = chunk_document("guide", blocks)

    assert_invariants(doc)
    assert [c.section_path for c in doc.chunks] == [("Part 1",), ("Part 1", "Detail")]
    assert [(c.page_start, c.page_end) for c in doc.chunks] == [(2, 3), (3, 3)]
    assert all(c.section_label != "Guide" for c in doc.chunks)  # the title is metadata


def test_ids_are_stable_and_unique(hand_doc: ChunkedDocument) -> None:
    again = chunk_document("test-report", hand_blocks(), exclude_sections=("Contents",))

    assert [c.id for c in again.chunks] == [c.id for c in hand_doc.chunks]
    assert all(c.id.startswith("test-report:") for c in again.chunks)
    other = chunk_document("other-report", hand_blocks(), exclude_sections=("Contents",))
    assert not {c.id for c in other.chunks} & {c.id for c in hand_doc.chunks}


def test_repeated_passage_gets_a_distinct_id() -> None:
    repeated = paragraph(1, int(TARGET_CHARS * 0.8))
    blocks = [heading("Notes", 2), paragraph(9, SHORT), repeated, repeated, repeated]

    doc = chunk_document("notes", blocks)

    assert_invariants(doc)
    contents = [c.content for c in doc.chunks]
    assert contents.count(repeated.text) >= 2  # identical passages, distinct ids


def changed_ids(before: ChunkedDocument, after: ChunkedDocument) -> set[int]:
    assert len(before.chunks) == len(after.chunks)
    return {i for i, (a, b) in enumerate(zip(before.chunks, after.chunks, strict=True))
            if a.id != b.id}


def edit_one_block(blocks: list[Block], needle: str, old: str, new: str) -> tuple[list[Block], int]:
    """Replace ``old`` by ``new`` (same length) in the one block containing ``needle``."""
    assert len(old) == len(new)
    index = next(i for i, b in enumerate(blocks) if needle in b.text)
    edited = list(blocks)
    edited[index] = replace(blocks[index], text=blocks[index].text.replace(old, new, 1))
    assert edited[index] != blocks[index]
    return edited, index


def test_editing_one_paragraph_changes_only_its_chunk(hand_doc: ChunkedDocument) -> None:
    blocks, _ = edit_one_block(hand_blocks(), "Word6x0 ", "Word6x0", "Word6y0")

    after = chunk_document("test-report", blocks, exclude_sections=("Contents",))

    changed = changed_ids(hand_doc, after)
    assert len(changed) == 1
    assert "Word6y0" in after.chunks[changed.pop()].content


def test_link_artefacts_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "links.md"
    path.write_text(
        "# Report\n\n## Contents\n\n- [Summary](#summary)\n- [Findings](#)\n\n"
        "## Summary\n\nSee [the findings](#) and [annex A](#annex-a) for detail.\n",
        encoding="utf-8",
    )

    doc = chunk_document("links", parse_file(path), exclude_sections=("Contents",))

    assert [c.content for c in doc.chunks][-1].endswith(
        "See the findings and annex A for detail."
    )
    assert "](#" not in doc.text and "[" not in doc.text


# --- the real HMICFRS report --------------------------------------------------------------


@pytest.fixture(scope="module")
def report_blocks() -> list[Block]:
    return parse_file(HMICFRS)


@pytest.fixture(scope="module")
def report(report_blocks: list[Block]) -> ChunkedDocument:
    return chunk_document("hmicfrs", report_blocks, exclude_sections=("Contents",))


def test_report_invariants(report: ChunkedDocument) -> None:
    assert len(report.chunks) > 50
    assert_invariants(report)


def test_report_lists_keep_their_lead_in(report: ChunkedDocument) -> None:
    assert assert_lists_keep_lead_in(report) >= 10


def test_report_case_studies_and_recommendations_are_whole(report: ChunkedDocument) -> None:
    sections = whole_sections(report)
    studies = [h for h, _ in sections if h.block.text.lower().startswith("case stud")]
    recommendations = [h for h, _ in sections if h.block.text.lower().startswith("recommend")]
    assert len(studies) >= 9 and len(recommendations) >= 6

    for head, content in sections:
        assert content, f"empty section under {head.block.text!r}"
        if content[-1].end - head.start > WHOLE_BLOCK_MAX:
            continue
        over = chunks_over(report, content[0].start, content[-1].end)
        assert len(over) == 1, f"{head.section_path} split into {len(over)} chunks"
        chunk = over[0]
        assert chunk.start <= content[0].start and chunk.end == content[-1].end
        assert chunk.block_kind == (
            "case_study" if head.block.text.lower().startswith("case") else "recommendation"
        )


def test_report_contents_section_is_excluded(report: ChunkedDocument) -> None:
    assert all("Contents" not in c.section_path for c in report.chunks)
    assert "Annex A – Child protection inspection methodology — 36" not in report.text
    assert not any("Foreword — i" in c.content for c in report.chunks)
    sections = {c.section_path[0] for c in report.chunks if c.section_path}
    assert {"Foreword", "Summary", "7. Investigation", "Conclusion"} <= sections


def test_report_has_no_markdown_link_artefacts(report: ChunkedDocument) -> None:
    assert not re.search(r"\]\([^)]*\)", report.text)
    assert not any("](#" in c.content or "[" in c.content and "](" in c.content
                   for c in report.chunks)


def test_report_ids_are_stable(report: ChunkedDocument, report_blocks: list[Block]) -> None:
    again = chunk_document("hmicfrs", list(report_blocks), exclude_sections=("Contents",))

    assert [c.id for c in again.chunks] == [c.id for c in report.chunks]


def test_report_edit_changes_only_the_chunk_holding_the_paragraph(
    report: ChunkedDocument, report_blocks: list[Block]
) -> None:
    blocks, index = edit_one_block(report_blocks, "using the THRIVE model", "THRIVE", "THRIVX")

    after = chunk_document("hmicfrs", blocks, exclude_sections=("Contents",))

    changed = changed_ids(report, after)
    holders = {i for i, c in enumerate(after.chunks) if "THRIVX" in c.content}
    assert changed == holders and len(holders) == 1
    assert [c.content for i, c in enumerate(after.chunks) if i not in changed] == [
        c.content for i, c in enumerate(report.chunks) if i not in changed
    ]
