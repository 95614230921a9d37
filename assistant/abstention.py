"""Hard abstention: say "I can't find this" when the evidence is weak.

Two signals, both measured on every question:
- ``relevance``: the fused retrieval score of the best passage (dense, sentence, lexical and
  section similarity together; see :mod:`assistant.retrieval`);
- ``coverage``: the share of the question's content words that occur anywhere in the
  indexed text or the glossary (a question about "motorway", "caravan" or "overtime" uses
  words the guidance never uses).
Evidence is ``relevance + COVERAGE_WEIGHT * coverage``. The threshold is calibrated on a
labelled question set by ``python -m assistant.calibrate`` and kept in ``calibration.json``,
never hand-picked per question. Retrieval or index changes move the scores: recalibrate.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from indexer.lexical import STOPWORDS

CALIBRATION_PATH = Path(__file__).with_name("calibration.json")
COVERAGE_WEIGHT = 0.5
_WORD = re.compile(r"[a-z0-9]+")
# Words of asking, not of the subject: they say nothing about whether the guidance covers it.
QUESTION_WORDS = frozenset(
    """whats what's need know tell say said says find give get got much many long often
    anything something ever still actually really meant supposed think thing things""".split()
)


@dataclass(frozen=True)
class Evidence:
    relevance: float
    coverage: float

    @property
    def strength(self) -> float:
        return self.relevance + COVERAGE_WEIGHT * self.coverage


def content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower())
            if w not in STOPWORDS and w not in QUESTION_WORDS and len(w) > 1]


def coverage(corrected_question: str, known_words: set[str]) -> float:
    """Share of the question's content words that the corpus or glossary knows."""
    words = content_words(corrected_question)
    if not words:
        return 0.0
    return sum(w in known_words for w in words) / len(words)


class AbstentionPolicy:
    """Abstain when evidence strength is below the calibrated threshold."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    @classmethod
    def load(cls, path: Path = CALIBRATION_PATH) -> AbstentionPolicy:
        return cls(float(json.loads(path.read_text(encoding="utf-8"))["threshold"]))

    def should_abstain(self, evidence: Evidence) -> bool:
        return evidence.strength < self.threshold


def choose_threshold(answerable: list[float], unanswerable: list[float],
                     max_false_abstentions: int = 0) -> float:
    """The threshold that abstains on the most unanswerable questions while abstaining on
    at most ``max_false_abstentions`` answerable ones; placed mid-gap for robustness."""
    ordered = sorted(answerable)
    floor = ordered[min(max_false_abstentions, len(ordered) - 1)] if ordered else 1.0
    below = [s for s in unanswerable if s < floor]
    ceiling = max(below) if below else floor - 0.1
    return round((ceiling + floor) / 2, 4)
