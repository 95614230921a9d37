"""The grounding gate: no sentence of a model's answer is shown unless its sources support it.

Each sentence (or list item) of the model's text must
1. cite at least one passage, ``[n]``, and only passages that were retrieved and shown to
   the model (a citation to anything else removes the sentence);
2. be supported by a sentence of a cited passage (or two adjacent ones, for a sentence that
   joins them): the share of its content words that the source contains (lexical) and the
   cosine similarity of the two embeddings (semantic) must both reach the thresholds
   calibrated on labelled pairs (``python -m assistant.generative.calibrate``);
3. state its numbers and time limits exactly as that source does ("within 24 hours" is not
   supported by "within 72 hours"), and be negated only where the source is ("must not"
   is not supported by "must": stop words do not count as words of support);
4. not be, or rest on, text that gives instructions to a language model (a passage carrying
   an injection attempt supports nothing).
Sentences that fail are removed. The caller falls back to the extractive answer when too
little survives (:func:`needs_fallback`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.documents import Document

from indexer.lexical import tokenize
from indexer.sentences import split_sentences

CALIBRATION_PATH = Path(__file__).with_name("gate_calibration.json")
MIN_KEPT_SHARE = 0.5  # fewer than half the model's sentences supported: show the extractive
DECLINED = "NO ANSWER"

_CITATION = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_LEADING_CITATIONS = re.compile(r"^(?:\s*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\])+")
_LIST_MARKER = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)])\s+")
_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.\n]{0,60}\b(?:instructions?|rules|prompt|"
    r"guidance above|everything above)\b|\bsystem (?:prompt|message)\b|\byou are now\b|"
    r"\bas an ai\b|\blanguage model\b|\bnew instructions?\b|\b(?:assistant|chatbot)s? (?:must|"
    r"should) (?:say|reply|answer|tell)\b", re.IGNORECASE)
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*|\b(?:" + "|".join(_NUMBER_WORDS) + r")\b",
                     re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:not|never|no|cannot)\b|n't\b", re.IGNORECASE)
# How a faithful paraphrase may carry a source's negation ("an independent worker, not a
# police officer" -> "an independent worker rather than a police officer").
_CONTRAST = re.compile(r"\b(?:not|never|no|cannot|rather than|instead of|without|except|only|"
                       r"neither|nor)\b|n't\b", re.IGNORECASE)
_TIME_UNIT = re.compile(r"\s*(?:-\s*)?(minute|hour|day|week|month|year)s?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Thresholds:
    """Both must be reached by one source unit for a sentence to count as supported."""

    lexical: float
    semantic: float

    @classmethod
    def load(cls, path: Path = CALIBRATION_PATH) -> Thresholds:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(float(data["lexical"]), float(data["semantic"]))


@dataclass(frozen=True)
class SourceUnit:
    """A sentence or list item of a passage (or two adjacent ones), with offsets in it."""

    passage: int  # 0-based position in the passages given to the model
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Verdict:
    """What the gate decided about one sentence of the model's answer."""

    text: str  # the sentence without its citation marks
    cited: tuple[int, ...]  # 1-based passage numbers as the model wrote them
    reason: str  # "supported" or why it was removed
    source: SourceUnit | None = None
    lexical: float = 0.0
    semantic: float = 0.0

    @property
    def kept(self) -> bool:
        return self.reason == "supported"


@dataclass
class GateResult:
    verdicts: list[Verdict] = field(default_factory=list)
    declined: bool = False  # the model said the passages do not answer

    @property
    def kept(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.kept]

    def stats(self) -> dict[str, Any]:
        """Counts and reasons only: never the text."""
        removed = Counter(v.reason for v in self.verdicts if not v.kept)
        return {"sentences": len(self.verdicts), "kept": len(self.kept),
                "removed": sum(removed.values()), "reasons": dict(sorted(removed.items())),
                "declined": self.declined}


def needs_fallback(result: GateResult) -> str:
    """Why the extractive answer must be shown instead, or "" when the model's may be."""
    if result.declined or not result.verdicts:
        return "model_declined"
    if not result.kept:
        return "nothing_supported"
    if len(result.kept) < MIN_KEPT_SHARE * len(result.verdicts):
        return "mostly_unsupported"
    return ""


def split_answer(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """The model's sentences and list items, each with the passage numbers it cites.

    Citation marks written after a sentence's full stop ("… hours. [2] Next …") belong to
    the sentence before them.
    """
    pieces: list[tuple[str, list[int]]] = []
    for line in text.splitlines():
        line = _LIST_MARKER.sub("", line).strip()
        if not line:
            continue
        for start, end in split_sentences(line):
            sentence = line[start:end]
            leading = _LEADING_CITATIONS.match(sentence)
            if leading and pieces:
                pieces[-1][1].extend(_numbers_cited(leading.group(0)))
                sentence = sentence[leading.end():].strip()
            if sentence:
                pieces.append((sentence, _numbers_cited(sentence)))
    return [(_clean(s), tuple(dict.fromkeys(c))) for s, c in pieces if _clean(s)]


def source_units(passages: list[Document]) -> list[SourceUnit]:
    """Every sentence and list item of the passages, and each pair of adjacent ones."""
    units: list[SourceUnit] = []
    for rank, passage in enumerate(passages):
        text = passage.page_content
        single: list[SourceUnit] = []
        offset = 0
        for line in text.splitlines(keepends=True):
            marker = _LIST_MARKER.match(line)
            body_start = offset + (marker.end() if marker else 0)
            body = text[body_start:offset + len(line)]
            if not line.lstrip().startswith("#"):
                for start, end in split_sentences(body):
                    single.append(SourceUnit(rank, body_start + start, body_start + end,
                                             body[start:end]))
            offset += len(line)
        units.extend(single)
        units.extend(SourceUnit(rank, a.start, b.end, text[a.start:b.end])
                     for a, b in zip(single, single[1:], strict=False))
    return units


def lexical_support(claim: str, source: str) -> float:
    """Share of the claim's content words (stemmed) that the source contains."""
    words = set(tokenize(claim))
    return len(words & set(tokenize(source))) / len(words) if words else 0.0


def numbers_match(claim: str, source: str) -> bool:
    """Every number in the claim is in the source, and every time limit with its unit."""
    claim_numbers, claim_limits = _numbers(claim)
    source_numbers, source_limits = _numbers(source)
    return claim_numbers <= source_numbers and claim_limits <= source_limits


def negation_matches(claim: str, source: str) -> bool:
    """A negated claim needs a negated source; a negated source needs a claim that keeps
    the contrast (a negation, "rather than", "instead of", "only", ...)."""
    if _NEGATION.search(claim) and not _NEGATION.search(source):
        return False
    return not _NEGATION.search(source) or bool(_CONTRAST.search(claim))


def looks_like_injection(text: str) -> bool:
    return bool(_INJECTION.search(text))


class GroundingGate:
    """Checks a model's answer against the passages it was given."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray],
                 thresholds: Thresholds | None = None) -> None:
        self.embed = embed  # texts -> unit-length row vectors
        self.thresholds = thresholds or Thresholds.load()

    def check(self, answer: str, passages: list[Document]) -> GateResult:
        if answer.strip().rstrip(".").upper() == DECLINED:
            return GateResult(declined=True)
        sentences = split_answer(answer)
        units = source_units(passages)
        tainted = {u.passage for u in units if looks_like_injection(u.text)}
        vectors = self.embed([s for s, _ in sentences] + [u.text for u in units])
        claim_vectors, unit_vectors = vectors[:len(sentences)], vectors[len(sentences):]
        result = GateResult()
        for (sentence, cited), vector in zip(sentences, claim_vectors, strict=True):
            result.verdicts.append(self._judge(sentence, cited, vector, units, unit_vectors,
                                               tainted, len(passages)))
        return result

    def _judge(self, sentence: str, cited: tuple[int, ...], vector: np.ndarray,
               units: list[SourceUnit], unit_vectors: np.ndarray, tainted: set[int],
               passage_count: int) -> Verdict:
        if not tokenize(sentence):
            return Verdict(sentence, cited, "no_content")
        if looks_like_injection(sentence):
            return Verdict(sentence, cited, "injection")
        if not cited:
            return Verdict(sentence, cited, "no_citation")
        if any(not 1 <= n <= passage_count for n in cited):
            return Verdict(sentence, cited, "citation_not_retrieved")
        allowed = {n - 1 for n in cited} - tainted
        if not allowed:
            return Verdict(sentence, cited, "injection")
        best: Verdict | None = None
        for unit, unit_vector in zip(units, unit_vectors, strict=True):
            if unit.passage not in allowed:
                continue
            lexical = lexical_support(sentence, unit.text)
            semantic = float(unit_vector @ vector)
            passes = (lexical >= self.thresholds.lexical
                      and semantic >= self.thresholds.semantic)
            reason = "unsupported"
            if passes:
                reason = ("supported" if numbers_match(sentence, unit.text) else
                          "number_mismatch")
                if reason == "supported" and not negation_matches(sentence, unit.text):
                    reason = "negation_mismatch"
            candidate = Verdict(sentence, cited, reason, unit, round(lexical, 3),
                                round(semantic, 3))
            if best is None or _rank(candidate) > _rank(best):
                best = candidate
        return best or Verdict(sentence, cited, "unsupported")


def _rank(verdict: Verdict) -> tuple[int, float]:
    order = {"supported": 2, "number_mismatch": 1, "negation_mismatch": 1}.get(verdict.reason, 0)
    return order, verdict.lexical + verdict.semantic


def _numbers_cited(text: str) -> list[int]:
    return [int(n) for group in _CITATION.findall(text) for n in re.split(r"[,;]", group)]


def _clean(sentence: str) -> str:
    """The sentence without citation marks, spaces tidied before punctuation."""
    text = _CITATION.sub("", sentence)
    return re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"\s{2,}", " ", text)).strip()


def _numbers(text: str) -> tuple[set[str], set[tuple[str, str]]]:
    numbers, limits = set(), set()
    for match in _NUMBER.finditer(text):
        value = _NUMBER_WORDS.get(match.group(0).lower(), match.group(0))
        numbers.add(value)
        unit = _TIME_UNIT.match(text, match.end())
        if unit:
            limits.add((value, unit.group(1).lower()))
    return numbers, limits
