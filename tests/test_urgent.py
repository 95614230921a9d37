"""Immediate-risk routing: a child in danger now gets the fixed "act now" reply first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.urgent import (
    PROMPTS_DIR,
    URGENT_REPLY,
    URGENT_REPLY_PROMPT,
    is_immediate_risk,
    urgent_reply,
)

LABELLED = Path(__file__).parent / "data" / "urgent_questions.jsonl"

URGENT = [
    "a child is being hurt right now",
    "kid has a knife to his throat",
    "baby not breathing",
    "she says she'll kill herself tonight",
    "child locked in a car in the heat",
    "he's going to take the kids now and hurt them",
    "what do I do, a baby isn't breathing",
    "Girl collapsed in the cell, not responding",
    "dad has a knife and is threatening the kids",
    "someone is trying to break in and the kids are home alone",
    "child in custody has swallowed a battery",
]

NOT_URGENT = [
    "how do I assess risk to a child at a DA job?",
    "what does THRIVE stand for?",
    "what's the threshold for police protection?",
    "what should I do if I find a child not breathing?",
    "scenario: a child locked in a car on a hot day - what powers does the officer have?",
    "the child was hurt last week, do I need a strategy discussion?",
    "how should I deal with a child threatening suicide in custody?",
    "is shaking a baby always GBH?",
    "what's the guidance for children found on the railway?",
    "Offender managers should set out what actions they will take.",
    "of course I know the law, but what is significant harm?",
]


@pytest.mark.parametrize("question", URGENT)
def test_danger_now_is_urgent(question: str):
    assert is_immediate_risk(question)


@pytest.mark.parametrize("question", NOT_URGENT)
def test_questions_about_risk_are_not_urgent(question: str):
    assert not is_immediate_risk(question)


def test_typography_and_case_do_not_matter():
    assert is_immediate_risk("BABY   NOT BREATHING")
    assert is_immediate_risk("she’ll kill herself tonight")


def test_the_reply_is_the_prompt_file_and_says_act_now():
    text = (PROMPTS_DIR / f"{URGENT_REPLY_PROMPT}.md").read_text(encoding="utf-8").strip()
    assert URGENT_REPLY == urgent_reply() == text
    for must in ("999", "radio", "supervisor", "police protection", "Children Act 1989",
                 "section 46", "significant harm"):
        assert must in URGENT_REPLY, must


def _labelled() -> list[dict]:
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def test_labelled_set_has_both_classes():
    rows = _labelled()
    assert len(rows) >= 40
    assert len({r["id"] for r in rows}) == len(rows)
    urgent = sum(r["urgent"] for r in rows)
    assert 0.3 <= urgent / len(rows) <= 0.7


def test_labelled_set_precision_and_recall():
    rows = _labelled()
    predicted = [is_immediate_risk(r["question"]) for r in rows]
    actual = [r["urgent"] for r in rows]
    tp = sum(p and a for p, a in zip(predicted, actual, strict=True))
    assert tp / sum(predicted) >= 0.9
    assert tp / sum(actual) >= 0.95
