"""Scoring of question-set runs, as defined in the question sets' README.

Text is compared after normalising: Markdown links to their text, curly quotes and dashes
to plain ones, emphasis removed, whitespace collapsed, lower case. Only this module reads
the scoring fields (``answerable``, ``must_contain``, ``any_of``); answering reads ``id``
and ``question`` alone.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_TRANSLATE = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def normalise(text: str) -> str:
    text = _LINK.sub(r"\1", text).translate(_TRANSLATE)
    text = re.sub(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    return " ".join(text.split()).lower()


def contains_all(passages: Sequence[str], needles: Sequence[str]) -> bool:
    joined = "\n".join(normalise(p) for p in passages)
    return all(normalise(n) in joined for n in needles)


def first_hit_rank(passages: Sequence[str], needles: Sequence[str]) -> int | None:
    for k in range(1, len(passages) + 1):
        if contains_all(passages[:k], needles):
            return k
    return None


def fact_covered(answer: str, abstained: bool, record: dict[str, Any]) -> bool:
    if abstained:
        return False
    text = normalise(answer)
    groups = record.get("any_of") or [[m] for m in record["must_contain"]]
    return all(any(normalise(option) in text for option in group) for group in groups)


@dataclass
class Scores:
    hit1: float
    hit3: float
    hit5: float
    mrr: float
    fact_coverage: float
    correct_abstentions: int
    unanswerable: int
    false_abstentions: int
    answerable: int
    mean_chars_top5: float
    p50_ms: float
    p95_ms: float


def score(records: Sequence[dict[str, Any]], results: Sequence[dict[str, Any]]) -> Scores:
    """Score results (aligned with records by id) against the labelled question set."""
    by_id = {r["id"]: r for r in results}
    answerable = [r for r in records if r.get("answerable", True)]
    unanswerable = [r for r in records if not r.get("answerable", True)]
    ranks = [first_hit_rank(by_id[r["id"]]["passages"], r["must_contain"]) for r in answerable]
    latencies = sorted(res["latency_ms"] for res in results)
    n = max(len(answerable), 1)
    return Scores(
        hit1=sum(1 for k in ranks if k and k <= 1) / n,
        hit3=sum(1 for k in ranks if k and k <= 3) / n,
        hit5=sum(1 for k in ranks if k and k <= 5) / n,
        mrr=sum(1 / k for k in ranks if k) / n,
        fact_coverage=sum(
            fact_covered(by_id[r["id"]]["answer"], by_id[r["id"]]["abstained"], r)
            for r in answerable
        ) / n,
        correct_abstentions=sum(by_id[r["id"]]["abstained"] for r in unanswerable),
        unanswerable=len(unanswerable),
        false_abstentions=sum(by_id[r["id"]]["abstained"] for r in answerable),
        answerable=len(answerable),
        mean_chars_top5=statistics.mean(
            sum(len(p) for p in res["passages"][:5]) for res in results
        ) if results else 0.0,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
    )


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear-interpolated percentile (0 for no values): one definition for every report."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * pct / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
