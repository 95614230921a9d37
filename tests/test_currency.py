"""Document currency: superseded editions are down-weighted and flagged; withdrawn ones vanish."""

from __future__ import annotations

from assistant.pipeline import Assistant
from assistant.settings import index_dir
from indexer.build import IndexBuilder

OLD = """# Missing Children Procedure 2018

## Return home interviews

Officers must request a return home interview within 72 hours of a missing child's return.
"""
NEW = """# Missing Children Procedure 2023

## Return home interviews

Officers must request a return home interview within 48 hours of a missing child's return.
"""
ONLY_OLD = OLD + """
## Trigger plans

A trigger plan is agreed with the family for every child who has gone missing three times.
"""


def build(make_corpus, documents, overrides):
    settings = make_corpus(documents, overrides)
    report = IndexBuilder(settings, index_dir(settings), progress=False).build()
    assert not report.failed, report.summary()
    return Assistant.from_settings(settings)


def test_current_edition_outranks_the_superseded_one(make_corpus):
    assistant = build(make_corpus, {"missing-2018": OLD, "missing-2023": NEW}, {
        "missing-2018": {"status": "superseded", "superseded_by": "missing-2023"},
    })
    answer = assistant.ask("when must officers request a return home interview?")
    assert answer.passages[0].metadata["document_id"] == "missing-2023"
    flags = {p.metadata["document_id"]: p.metadata["superseded"] for p in answer.passages}
    assert flags == {"missing-2023": False, "missing-2018": True}


def test_an_answer_from_a_superseded_edition_says_so(make_corpus):
    assistant = build(make_corpus, {"missing-2018": ONLY_OLD, "missing-2023": NEW}, {
        "missing-2018": {"status": "superseded", "superseded_by": "missing-2023"},
    })
    answer = assistant.ask("when is a trigger plan agreed for a missing child?")
    assert not answer.abstained
    assert answer.citations[0].document_id == "missing-2018"
    assert answer.citations[0].status == "superseded"
    assert any("superseded" in notice and "missing-2023" in notice for notice in answer.notices)


def test_a_withdrawn_document_never_answers(make_corpus):
    assistant = build(make_corpus, {"missing-2018": ONLY_OLD, "missing-2023": NEW}, {
        "missing-2018": {"status": "withdrawn"},
    })
    answer = assistant.ask("when is a trigger plan agreed for a missing child?")
    assert all(p.metadata["document_id"] != "missing-2018" for p in answer.passages)
