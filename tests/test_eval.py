"""The eval harness and its metrics: real pipeline, real index, a question file the test writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant import eval as harness
from assistant.metrics import fact_covered, first_hit_rank, normalise, score


def test_normalise_follows_the_question_set_rules():
    assert normalise("The [police and crime plan](#) – “kept” **up to date**") == \
        'the police and crime plan - "kept" up to date'


def test_hit_rank_needs_every_string_in_the_top_k_together():
    passages = ["alpha beta", "gamma", "delta"]
    assert first_hit_rank(passages, ["alpha"]) == 1
    assert first_hit_rank(passages, ["alpha", "gamma"]) == 2
    assert first_hit_rank(passages, ["omega"]) is None


def test_fact_coverage_needs_one_option_per_group_and_no_abstention():
    record = {"must_contain": ["x"], "any_of": [["6am", "6.00am"], ["12am"]]}
    assert fact_covered("open 6.00am to 12am", False, record)
    assert not fact_covered("open 6.00am", False, record)
    assert not fact_covered("open 6.00am to 12am", True, record)


def test_score_counts_abstentions_and_latency():
    records = [
        {"id": "a", "answerable": True, "must_contain": ["x"]},
        {"id": "b", "answerable": False, "must_contain": []},
    ]
    results = [
        {"id": "a", "answer": "x", "abstained": False, "passages": ["x y"], "latency_ms": 10},
        {"id": "b", "answer": "", "abstained": True, "passages": ["z"], "latency_ms": 30},
    ]
    scores = score(records, results)
    assert (scores.hit1, scores.mrr, scores.fact_coverage) == (1.0, 1.0, 1.0)
    assert (scores.correct_abstentions, scores.false_abstentions) == (1, 0)
    assert scores.p50_ms == 20


@pytest.fixture
def question_file(tmp_path: Path) -> Path:
    questions = [
        {"id": "t1", "question": "what must be recorded when police protection powers are used?",
         "answerable": True, "must_contain": ["long-term protective plan"],
         "any_of": [["rationale"]]},
        {"id": "t2", "question": "how do I book annual leave on the rota system?",
         "answerable": False, "must_contain": []},
    ]
    path = tmp_path / "questions.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in questions), encoding="utf-8")
    return path


def test_harness_writes_one_result_per_question_and_prints_both_systems(
        built_index: dict[str, Any], question_file: Path, tmp_path: Path, monkeypatch, capsys):
    for name, value in built_index.items():
        monkeypatch.setenv(f"SAFEGUIDE_{name.upper()}", str(value))
    out = tmp_path / "results.jsonl"
    assert harness.main([str(question_file), "--out", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in lines] == ["t1", "t2"]
    for result in lines:
        assert {"id", "question", "answer", "abstained", "passages", "citations",
                "latency_ms"} <= set(result)
    assert lines[1]["abstained"] is True
    printed = capsys.readouterr().out
    for metric in ("hit@1", "hit@5", "MRR", "answer fact coverage", "correct abstentions",
                   "false abstentions", "latency p95 ms", "baseline"):
        assert metric in printed


def test_harness_answers_from_id_and_question_only(built_index, question_file, monkeypatch):
    seen: list[dict[str, Any]] = []
    original = harness.run_pipeline

    def spy(assistant, questions):
        seen.extend(questions)
        return original(assistant, questions)

    for name, value in built_index.items():
        monkeypatch.setenv(f"SAFEGUIDE_{name.upper()}", str(value))
    monkeypatch.setattr(harness, "run_pipeline", spy)
    harness.main([str(question_file), "--no-baseline"])
    assert seen and all(set(q) == {"id", "question"} for q in seen)
