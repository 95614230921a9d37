"""Recording checklists: the authoring format, the shipped checklists against the real index,
and which checklist an answer offers (real model, real index, no mocked retrieval)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.checklist_eval import ChecklistResult, format_checklist_table, run_checklists
from assistant.checklists import ChecklistCatalogue, ChecklistNotFoundError
from assistant.index import LoadedIndex
from assistant.pipeline import Assistant
from assistant.settings import REPO_ROOT, index_dir
from indexer.blocks import ParseError
from indexer.build import IndexBuilder
from indexer.checklists import parse_checklists

SAMPLE_IDS = {"sample-police-protection", "sample-custody-children", "sample-missing-children",
              "sample-domestic-abuse-children", "sample-online-child-abuse"}
FRONT = "---\nsources:\n  HMICFRS 2021: hmicfrs-cambridgeshire-2021\n  CA 1989: children-act\n---\n"
GOOD = FRONT + """# Procedure

## Steps

- a bullet outside the checklist is fine

## What to record

Record these promptly.

- [ ] Time the power started (HMICFRS 2021, 'Record keeping › Case study')
- [ ] Local authority informed,
  with the reasons (CA 1989, s46(3)(a))

## After
"""


def parse(text: str, path: str = "proc.md") -> list[Any]:
    return parse_checklists(Path(path), "proc", text)


# --- the authoring format -----------------------------------------------------------------


def test_a_checklist_is_read_with_its_items_citations_and_lines() -> None:
    [checklist] = parse(GOOD)
    assert checklist.id == "proc" and checklist.line == 12 and checklist.intro == (
        "Record these promptly.")
    first, second = checklist.items
    assert (first.text, first.source, first.document_id) == (
        "Time the power started", "HMICFRS 2021", "hmicfrs-cambridgeshire-2021")
    assert (first.locator, first.locator_kind, first.line) == (
        "Record keeping › Case study", "heading", 16)
    assert second.text == "Local authority informed, with the reasons"  # continuation line
    assert (second.locator, second.locator_kind, second.document_id) == (
        "s46(3)(a)", "statute", "children-act")


def test_titled_checklists_get_their_own_ids() -> None:
    text = FRONT + ("## What to record: at the scene\n\n- [ ] A (HMICFRS 2021, 'X')\n\n"
                    "## What to record: afterwards\n\n- [ ] B (HMICFRS 2021, 'Y')\n")
    assert [c.id for c in parse(text)] == ["proc-at-the-scene", "proc-afterwards"]
    assert [c.title for c in parse(text)] == ["at the scene", "afterwards"]


@pytest.mark.parametrize(("body", "line", "reason"), [
    ("- [ ]\n", 9, "empty checklist item"),
    ("- [ ]   \n", 9, "empty checklist item"),
    ("Intro only.\n\n## Next\n", 7, "no '- [ ] ...' items"),
    ("- [ ] A (HMICFRS 2021, 'X')\n- B (HMICFRS 2021, 'X')\n", 10, "without a tick box"),
    ("- [ ] A (HMICFRS 2021, 'X')\n1. B (HMICFRS 2021, 'X')\n", 10, "without a tick box"),
    ("- [ ] A (HMICFRS 2021, 'X')\n* [ ] B\n", 10, "without its source"),
    ("- [ ] Time recorded\n", 9, "without its source"),
    ("- [ ] A (Unknown Report, 'X')\n", 9, "'Unknown Report' is not declared"),
    ("- [x] A (HMICFRS 2021, 'X')\n", 9, "starts unticked"),
    ("- [ ] A (HMICFRS 2021, 'X')\n\nA stray paragraph.\n", 11, "text after the checklist"),
    ("- [ ] (HMICFRS 2021, 'X')\n", 9, "citation but no text"),
])
def test_malformed_checklists_name_the_file_and_line(body: str, line: int, reason: str) -> None:
    text = FRONT + "\n## What to record\n\n" + body
    with pytest.raises(ParseError) as caught:
        parse(text, "corpus/documents/bad.md")
    assert caught.value.path == f"corpus/documents/bad.md:{line}"
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"corpus/documents/bad.md:{line}: ")


def test_a_malformed_procedure_fails_alone_and_the_rest_of_the_corpus_indexes(
    make_corpus: Any,
) -> None:
    broken = FRONT + "# Broken\n\n## What to record\n\n- [ ] Time recorded\n"
    good = FRONT.replace("CA 1989: children-act", "Alpha: alpha-guide") + (
        "# Good\n\n## What to record\n\n- [ ] Referral reasons (Alpha, 'Referrals')\n")
    settings = make_corpus({"alpha-guide": "# Alpha Guide\n\n## Referrals\n\nRefer the child "
                            "and record the reasons for the referral.\n",
                            "broken-procedure": broken, "good-procedure": good})
    report = IndexBuilder(settings, index_dir(settings), progress=False).build()
    assert len(report.failed) == 1
    assert "broken-procedure.md:10: checklist item without its source" in report.failed[0]
    assert sorted(report.embedded_documents) == ["alpha-guide", "good-procedure"]
    index = LoadedIndex.load(settings, index_dir(settings))
    [checklist] = ChecklistCatalogue.from_index(index).all()
    [item] = checklist.items
    assert item.source is not None and item.source.document_id == "alpha-guide"
    assert item.source.span_text == "Refer the child and record the reasons for the referral."


def test_a_citation_naming_no_passage_is_reported_not_hidden(make_corpus: Any) -> None:
    procedure = FRONT.replace("CA 1989: children-act", "Alpha: alpha-guide") + (
        "# P\n\n## What to record\n\n- [ ] Reasons (Alpha, 'No such heading')\n")
    settings = make_corpus({"alpha-guide": "# Alpha\n\n## Referrals\n\nRecord reasons.\n",
                            "p-procedure": procedure})
    IndexBuilder(settings, index_dir(settings), progress=False).build()
    catalogue = ChecklistCatalogue.from_index(LoadedIndex.load(settings, index_dir(settings)))
    assert catalogue.get("p-procedure").items[0].source is None
    assert catalogue.problems() == ["p-procedure line 10: citation (Alpha, 'No such heading') "
                                    "names no passage of 'alpha-guide' in the index"]


# --- the shipped checklists against the real index -----------------------------------------


@pytest.fixture(scope="module")
def shipped_index(built_index: dict[str, Any]) -> LoadedIndex:
    return LoadedIndex.load(built_index, index_dir(built_index))


def test_every_shipped_checklist_item_cites_a_passage_in_the_index(
    shipped_index: LoadedIndex,
) -> None:
    catalogue = ChecklistCatalogue.from_index(shipped_index)
    assert {c.id for c in catalogue.all()} == SAMPLE_IDS
    assert catalogue.problems() == []
    for checklist in catalogue.all():
        assert checklist.status == "draft" and len(checklist.items) >= 5
        assert [i.position for i in checklist.items] == list(range(1, len(checklist.items) + 1))
        for item in checklist.items:
            source = item.source
            assert source is not None, (checklist.id, item.line)
            row = shipped_index.row_of[source.chunk_id]  # the passage exists in the index
            assert shipped_index.texts[row] == source.text
            assert source.text[source.span[0]:source.span[1]] == source.span_text
            assert source.document_id in {"hmicfrs-cambridgeshire-2021",
                                          "children-act-1989-s46-s21"}
            assert source.url.startswith(f"/documents/{source.document_id}?span=")
            assert source.url.endswith(f"#{source.chunk_id}")
            assert len(item.text) <= 80, item.text  # short enough for a phone
            assert item.text in shipped_index.texts[shipped_index.row_of[item.chunk_id]]


def test_shipped_citations_land_on_the_sentence_that_supports_them(
    shipped_index: LoadedIndex,
) -> None:
    catalogue = ChecklistCatalogue.from_index(shipped_index)
    quoted = {i.text: i.source.span_text for c in catalogue.all() for i in c.items}
    assert quoted["Time police protection started"] == (
        "The time that police protection started and ended was not recorded.")
    assert quoted["Local authority informed of the steps taken and the reasons"].startswith(
        "(a) inform the local authority")
    assert quoted["Rationale to detain, and to continue to detain"].startswith(
        "a rationale for the action they have taken to detain")
    assert "return home interview" in quoted[
        "Return home interview: offered, done, and what it found"]


def test_every_sample_page_says_it_is_a_sample() -> None:
    for doc_id in SAMPLE_IDS:
        text = (REPO_ROOT / "corpus" / "documents" / f"{doc_id}.md").read_text(encoding="utf-8")
        assert "SAMPLE — replace with your force's procedure" in text, doc_id


# --- offers ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def assistant(built_index: dict[str, Any]) -> Assistant:
    return Assistant.from_settings(built_index)


def test_a_recording_question_is_offered_its_checklist(assistant: Assistant) -> None:
    answer = assistant.ask("s46 - what do I need to record?")
    assert not answer.abstained
    assert answer.offered_checklists[0].id == "sample-police-protection"
    assert answer.offered_checklists[0].status == "draft"
    assert any("SAMPLE" in notice for notice in answer.notices) or all(
        c.status != "draft" for c in answer.citations)


def test_filters_that_exclude_procedures_exclude_their_checklists(assistant: Assistant) -> None:
    answer = assistant.ask("s46 - what do I need to record?", filters={"kind": "inspection"})
    assert answer.offered_checklists == []
    with pytest.raises(ChecklistNotFoundError):
        assistant.checklists.get("no-such-checklist")


def test_checklist_question_set_offers_and_covers_every_expected_item(
    assistant: Assistant,
) -> None:
    path = REPO_ROOT / "eval" / "checklists.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    results = run_checklists(assistant, records)
    assert [r.id for r in results if not r.offered_ok] == []
    assert [(r.id, r.missing) for r in results if r.missing] == []
    assert sum(r.expected is None for r in results) >= 2  # and those got no checklist


def test_checklist_report_counts_offers_and_items_per_checklist() -> None:
    results = [
        ChecklistResult("q1", "pp", ["pp"], True, ["started", "ended"], []),
        ChecklistResult("q2", "pp", [], False, ["started"], ["rationale"]),
        ChecklistResult("q3", None, ["custody"], False, [], []),
    ]
    table = format_checklist_table(results)
    assert "offered as expected: 1 of 3" in table
    assert "q2" in table and "got nothing" in table and "got custody" in table
    [row] = [line for line in table.splitlines() if line.startswith("pp ")]
    assert row.split()[1:4] == ["2", "of", "3"] and row.endswith("missing: rationale")
