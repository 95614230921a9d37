"""Quiz generation on the real corpus (real model, real index, real retriever), the review
operations, and the exports parsed back (GIFT with an independent parser, CSV with csv)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from typing import Any

import pytest
from rapidfuzz import fuzz

from assistant.quiz import Option, Quiz, QuizError, QuizGenerator
from assistant.quiz.__main__ import main
from assistant.quiz.edit import (
    add_item,
    approve_all,
    approve_item,
    delete_item,
    edit_item,
    move_item,
    rename,
    reorder,
)
from assistant.quiz.export_csv import export_csv
from assistant.quiz.export_gift import escape, export_gift
from assistant.quiz.export_html import export_html
from assistant.quiz.measure import THEMES, grounded, major_sections
from assistant.quiz.model import Item, Source
from assistant.quiz.numbers import fact_number
from assistant.quiz.scenario import RECORD_QUESTION
from assistant.quiz.similarity import normalise
from tests.gift_parser import parse_gift

REPORT_CHAPTERS = ("2. Leadership", "5. Initial contact", "6. Assessment and help",
                   "7. Investigation", "8. Decision making", "9. Trusted adult",
                   "10. Managing those", "11. Police detention")


@pytest.fixture(scope="module")
def generator(built_index: dict[str, Any]) -> QuizGenerator:
    return QuizGenerator.from_settings(built_index)


@pytest.fixture(scope="module")
def whole_report(generator: QuizGenerator) -> Quiz:
    """Every major section of the report in one quiz, seed 1."""
    return generator.build(sections=major_sections(generator.index), seed=1,
                           title="Whole report")


def _items(quiz: Quiz, kind: str) -> list[Item]:
    return [i for i in quiz.items if i.kind == kind]


# --- generation on the real corpus ----------------------------------------------------------

def test_every_major_section_yields_items_grounded_in_their_sources(generator):
    sections = major_sections(generator.index)
    for chapter in REPORT_CHAPTERS:
        assert any(s.startswith(chapter) for s in sections), (chapter, sections)
    for section in sections:
        quiz = generator.build(sections=[section], seed=1)
        assert quiz.items, section
        assert {i.section for i in quiz.items} == {section}
        for item in quiz.items:
            assert grounded(item, generator.index), (section, item)
            for source in item.sources:
                assert source.url.startswith(f"/documents/{source.document_id}?span=")
                assert source.section.startswith(section)


def test_each_theme_gives_a_quiz_about_it(generator):
    words = {"missing children": "missing", "police protection": "protection",
             "children in custody": "custody", "domestic abuse": "domestic",
             "online child abuse": "online"}
    for theme in THEMES:
        quiz = generator.build(topics=[theme], seed=1)
        assert len(quiz.items) >= 2, theme
        about = [i for i in quiz.items
                 if any(words[theme] in (s.quote + s.section).lower() for s in i.sources)]
        assert len(about) >= len(quiz.items) // 2, (theme, [i.stem for i in quiz.items])
        assert all(grounded(i, generator.index) for i in quiz.items)


def test_the_missing_fourteen_year_old_is_a_scenario_about_what_was_not_recorded(generator):
    quiz = generator.build(topics=["missing children"], seed=1)
    case = next(i for i in _items(quiz, "scenario") if "seventh time" in i.stem)
    assert "12-hour delay" in case.stem
    assert case.question == RECORD_QUESTION
    assert "officers made no record of any interaction" in case.answer
    for line in case.answer.split("\n"):
        assert line not in case.stem  # the stem never gives the answer away
    assert case.sources[0].quote.startswith("A 14-year-old boy on a full care order")


def test_police_protection_case_without_rationale_asks_what_should_be_recorded(generator):
    quiz = generator.build(sections=["8. Decision making"], seed=1)
    case = next(i for i in _items(quiz, "scenario") if "three-year-old" in i.stem)
    assert case.question == RECORD_QUESTION
    assert "the rationale for the powers being authorised was not recorded" in case.answer
    assert "Record keeping was often poor and not always good enough" in case.answer
    praised = [i for i in _items(quiz, "scenario") if "13-year-old" in i.stem]
    assert [i.question for i in praised] == ["What should have happened next?",
                                             "What went well?"]
    assert "police protection powers effectively" in praised[0].answer
    assert "police protection powers effectively" not in praised[0].stem
    assert "which is good practice" in praised[1].answer
    assert "not recorded" not in case.stem


def test_distractors_are_never_the_answer_nor_a_rewording_of_it(whole_report):
    choices = _items(whole_report, "multiple_choice")
    assert len(choices) >= 30
    for item in choices:
        assert sum(o.correct for o in item.options) == 1
        assert item.correct_option.text == item.answer
        for option in item.options:
            if option.correct:
                continue
            assert normalise(option.text) != normalise(item.answer), item.id
            assert fuzz.ratio(normalise(option.text), normalise(item.answer)) < 80, item.id
            assert normalise(option.text) not in normalise(item.answer)
        assert len({normalise(o.text) for o in item.options}) == len(item.options)


def test_a_list_item_question_never_offers_another_item_of_the_same_list(whole_report):
    item = next(i for i in _items(whole_report, "multiple_choice")
                if i.stem == "Authorising officers often don't record:")
    siblings = ["when and in what circumstances the powers to remove a child from harm ended",
                "the rationale or management by designated officers",
                "details of the long-term protective plan"]
    wrong = [normalise(o.text) for o in item.options if not o.correct]
    assert normalise(item.answer) in map(normalise, siblings)
    assert not set(wrong) & set(map(normalise, siblings))


def test_false_statements_change_the_number_and_quote_the_true_sentence(whole_report):
    facts = _items(whole_report, "true_false")
    false = [i for i in facts if i.answer == "false"]
    assert false and len(false) < len(facts)
    for item in false:
        assert item.stem != item.feedback
        assert item.feedback in item.sources[0].quote
        assert item.stem not in item.sources[0].quote
    numbers = _items(whole_report, "numerical")
    assert any(i.answer == "72" for i in numbers) or any("97" == i.answer for i in numbers)


def test_same_seed_same_quiz_and_another_seed_shuffles_the_options(generator):
    first = generator.build(sections=["8. Decision making", "5. Initial contact"], seed=1)
    again = generator.build(sections=["8. Decision making", "5. Initial contact"], seed=1)
    other = generator.build(sections=["8. Decision making", "5. Initial contact"], seed=2)
    assert first == again
    assert [i.id for i in first.items] == [i.id for i in other.items]
    orders = [([o.text for o in a.options], [o.text for o in b.options])
              for a, b in zip(_items(first, "multiple_choice"), _items(other, "multiple_choice"),
                              strict=True)]
    assert any(a != b and sorted(a) == sorted(b) for a, b in orders)


def test_bad_requests_are_quiz_errors(generator, built_index):
    with pytest.raises(QuizError, match="no indexed section"):
        generator.build(sections=["99. Nowhere"])
    with pytest.raises(QuizError, match="at least one topic"):
        generator.build()
    with pytest.raises(QuizError, match="unknown item kind"):
        generator.build(sections=["8. Decision making"], kinds=["essay"])
    only = generator.build(sections=["8. Decision making"], kinds=["scenario", "numerical"],
                           max_per_kind=1)
    assert [i.kind for i in only.items] == ["scenario", "numerical"]
    offline = QuizGenerator(generator.index)
    with pytest.raises(QuizError, match="need a retriever"):
        offline.build(topics=["custody"])
    assert offline.build(sections=["11. Police detention"]).items  # sections need none


# --- the review workflow -----------------------------------------------------------------

def _small_quiz() -> Quiz:
    source = Source("doc", "doc:abc", "A › B", "Quoted: {x}", "/documents/doc#doc:abc")
    return Quiz(title="Small", seed=3, items=(
        Item(id="mc-1", kind="multiple_choice", stem="Pick one", answer="right",
             options=(Option("wrong", False), Option("right", True)), sources=(source,)),
        Item(id="tf-1", kind="true_false", stem="Sky is blue", answer="true", feedback="yes"),
        Item(id="nu-1", kind="numerical", stem="_____ hours", answer="72", feedback="72 hours"),
    ))


def test_review_operations_return_new_quizzes_and_keep_the_rules():
    quiz = _small_quiz()
    approved = approve_item(quiz, "mc-1")
    assert approved.item("mc-1").approved and not quiz.item("mc-1").approved
    edited = edit_item(approved, "mc-1", stem="Pick the right one")
    assert edited.item("mc-1").stem == "Pick the right one"
    assert not edited.item("mc-1").approved  # the reviewed text changed
    switched = edit_item(quiz, "mc-1", options=[{"text": "now right", "correct": True},
                                                {"text": "now wrong", "correct": False}])
    assert switched.item("mc-1").answer == "now right"
    assert [i.id for i in move_item(quiz, "nu-1", 0).items] == ["nu-1", "mc-1", "tf-1"]
    assert [i.id for i in reorder(quiz, ["tf-1", "nu-1", "mc-1"]).items] == [
        "tf-1", "nu-1", "mc-1"]
    assert [i.id for i in delete_item(quiz, "tf-1").items] == ["mc-1", "nu-1"]
    own = add_item(quiz, "scenario", "A child is found at 2am.", question="What next?",
                   answer="Call children's social care.", position=0)
    assert own.items[0].origin == "trainer" and own.items[0].id.startswith("own-")
    assert all(i.approved for i in approve_all(own).items)


@pytest.mark.parametrize("change, field", [
    ({"stem": "  "}, "stem"),
    ({"options": [Option("a", False), Option("b", False)]}, "options"),
    ({"options": [Option("a", True), Option("b", True)]}, "options"),
    ({"options": [Option("a", True)]}, "options"),
    ({"options": [Option("a", True), Option("A", False)]}, "options"),
    ({"kind": "essay"}, "kind"),
])
def test_an_invalid_edit_names_the_field_and_changes_nothing(change, field):
    quiz = _small_quiz()
    with pytest.raises(QuizError) as caught:
        edit_item(quiz, "mc-1", **change)
    assert caught.value.field == field and caught.value.item_id == "mc-1"
    assert quiz == _small_quiz()


def test_other_rule_breaks_are_quiz_errors():
    quiz = _small_quiz()
    with pytest.raises(QuizError, match="no item with id"):
        approve_item(quiz, "nope")
    with pytest.raises(QuizError) as caught:
        edit_item(quiz, "tf-1", answer="maybe")
    assert caught.value.field == "answer"
    with pytest.raises(QuizError):
        edit_item(quiz, "nu-1", answer="seventy")
    with pytest.raises(QuizError, match="position"):
        move_item(quiz, "mc-1", 5)
    with pytest.raises(QuizError, match="every item exactly once"):
        reorder(quiz, ["mc-1"])
    with pytest.raises(QuizError, match="title is empty"):
        rename(quiz, " ")
    assert rename(quiz, "Session 2").title == "Session 2"
    with pytest.raises(QuizError, match="a scenario needs a model answer"):
        add_item(quiz, "scenario", "A case", answer="")


def test_a_quiz_survives_storage_as_json(whole_report):
    data = json.loads(json.dumps(whole_report.to_dict()))
    assert Quiz.from_dict(data) == whole_report
    del data["title"]
    with pytest.raises(QuizError, match="title"):
        Quiz.from_dict(data)


# --- exports ----------------------------------------------------------------------------

def test_only_approved_items_export():
    quiz = _small_quiz()
    for export in (export_gift, export_csv, export_html):
        with pytest.raises(QuizError, match="no approved items"):
            export(quiz)
    some = approve_item(quiz, "tf-1")
    assert [q.text for q in parse_gift(export_gift(some))] == ["Sky is blue\n\n"[:11]]
    assert len(list(csv.DictReader(io.StringIO(export_csv(some))))) == 1


def test_gift_escapes_every_special_character():
    tricky = "a~b=c#d{e}f:g\\h\nnext line"
    assert escape(tricky) == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\nnext line"
    item = Item(id="mc-x", kind="multiple_choice", stem=tricky, question="Which: {one}?",
                options=(Option("=right~", True), Option("#wrong: }", False, "no {x}")),
                answer="=right~", feedback="see s.46 = 72h", approved=True)
    quiz = Quiz(title="T: {special}", items=(item,))
    (question,) = parse_gift(export_gift(quiz))
    assert question.text == tricky + "\n\nWhich: {one}?"
    assert question.options == [("=right~", True, ""), ("#wrong: }", False, "no {x}")]
    assert "see s.46 = 72h" in question.general_feedback


def test_gift_of_the_whole_report_parses_back_item_for_item(whole_report):
    quiz = approve_all(whole_report)
    text = export_gift(quiz)
    assert "\\:" in text  # the report's own colons ("Common themes include:") are escaped
    parsed = parse_gift(text)
    assert len(parsed) == len(quiz.items)
    for item, question in zip(quiz.items, parsed, strict=True):
        expected_text = item.stem + (f"\n\n{item.question}" if item.question else "")
        assert question.text == expected_text, item.id
        assert question.name.startswith(f"{quiz.items.index(item) + 1:02d} {item.section}")
        if item.kind == "multiple_choice":
            assert question.kind == "multichoice"
            assert [(t, c) for t, c, _ in question.options] == [
                (o.text, o.correct) for o in item.options]
        elif item.kind == "true_false":
            assert question.kind == "truefalse"
            assert question.answer is (item.answer == "true")
            assert item.feedback in question.feedback[0]
        elif item.kind == "numerical":
            assert question.kind == "numerical" and question.answer == float(item.answer)
            assert question.tolerance == 0
        else:
            assert question.kind == "essay"
            assert item.answer in question.general_feedback


def test_csv_round_trips_through_the_csv_module(whole_report):
    quiz = approve_all(whole_report)
    rows = list(csv.DictReader(io.StringIO(export_csv(quiz), newline="")))
    assert len(rows) == len(quiz.items)
    for item, row in zip(quiz.items, rows, strict=True):
        assert (row["id"], row["kind"], row["stem"], row["question"], row["answer"],
                row["feedback"]) == (item.id, item.kind, item.stem, item.question, item.answer,
                                     item.feedback)
        options = [row[f"option_{n}"] for n in range(1, 7) if row[f"option_{n}"]]
        assert options == [o.text for o in item.options]
        if item.options:
            assert options[int(row["correct_option"]) - 1] == item.answer
        assert [Source(**s) for s in json.loads(row["sources"])] == list(item.sources)


def test_printable_html_with_and_without_answers(whole_report):
    quiz = approve_all(whole_report)
    scenario = _items(quiz, "scenario")[0]
    blank = export_html(quiz)
    answered = export_html(quiz, with_answers=True)
    model_line = scenario.answer.split("\n")[0].replace("'", "&#39;")
    assert model_line not in blank and "✓" not in blank and "Model answer" not in blank
    assert model_line in answered and answered.count("✓") == len(_items(quiz, "multiple_choice"))
    hostile = replace(scenario, stem="<script>alert(1)</script>")
    page = export_html(replace(quiz, items=(hostile,)))
    assert "<script>alert" not in page and "&lt;script&gt;" in page


# --- the command line --------------------------------------------------------------------

def test_cli_builds_exports_and_measures(built_index, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SAFEGUIDE_CORPUS_DIR", built_index["corpus_dir"])
    monkeypatch.setenv("SAFEGUIDE_INSTANCE_DIR", built_index["instance_dir"])
    draft = tmp_path / "quiz.json"
    assert main(["build", "--topic", "missing children", "--seed", "1", "--out", str(draft)]) == 0
    out = capsys.readouterr().out
    assert "scenario" in out and "multiple_choice" in out
    quiz = Quiz.from_dict(json.loads(draft.read_text(encoding="utf-8")))
    assert quiz.items and not quiz.approved_items
    assert main(["export", str(draft), "--out", str(tmp_path / "q.gift")]) == 2
    assert "no approved items" in capsys.readouterr().err
    draft.write_text(json.dumps(approve_item(quiz, quiz.items[0].id).to_dict()))
    assert main(["export", str(draft), "--out", str(tmp_path / "q.gift")]) == 0
    assert len(parse_gift((tmp_path / "q.gift").read_text(encoding="utf-8"))) == 1
    gift = tmp_path / "decision.gift"
    assert main(["build", "--section", "8. Decision making", "--out", str(gift)]) == 0
    assert len(parse_gift(gift.read_text(encoding="utf-8"))) >= 5
    assert main(["build", "--section", "8. Decision making", "--out", "x.txt"]) == 2
    capsys.readouterr()
    assert main(["measure", "--seed", "1"]) == 0
    table = capsys.readouterr().out
    assert "8. Decision making" in table and "(100.0%)" in table


@pytest.mark.parametrize("sentence, number", [
    ("The police area covers 1,463 square miles.", "1,463"),
    ("There was a 12-hour delay before an officer was dispatched.", "12"),
    ("97 percent of their staff had attended training.", "97"),
    ("Referrals are delayed by as much as three or four months.", "four"),
    ("A 14-year-old boy was reported missing.", None),
    ("(2) For the purposes of this Act, a child is in police protection.", None),
    ("Approximately 20–85 offenders per manager (50:1 is reasonable).", None),
    ("Healthcare practitioners are present 24/7.", None),
    ("One of its primary concerns is prevention.", None),
    ("Officers submit a 101 form.", None),
    ("The Children Act 1989 applies.", None),
])
def test_facts_are_counts_limits_and_percentages_not_references(sentence, number):
    token = fact_number(sentence)
    assert (sentence[token.start:token.end] if token else None) == number


def test_csv_cells_a_spreadsheet_would_run_are_quoted(whole_report):
    """A trainer's own text starting with '=' must reach the spreadsheet as text."""
    scenario = _items(whole_report, "scenario")[0]
    hostile = edit_item(whole_report, scenario.id, stem='=HYPERLINK("http://x.invalid")')
    row = next(r for r in csv.DictReader(io.StringIO(export_csv(approve_all(hostile)),
                                                     newline="")) if r["id"] == scenario.id)
    assert row["stem"] == '\'=HYPERLINK("http://x.invalid")'
