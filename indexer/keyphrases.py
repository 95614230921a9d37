"""Section topics: the phrases that set one part of a document apart from the others.

A passage such as "Authorising officers often don't record: when the powers ended..." never
names its subject; its section does ("police protection", "place of safety"). Each chunk
carries its top-level section's distinctive phrases (TF-IDF of words and two-word phrases,
contrasted with the document's other sections), so both the dense and the lexical index
know what the passage is about. No model, no outside data: the document describes itself.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from indexer.lexical import STOPWORDS

TOPICS_PER_SECTION = 6
_WORD = re.compile(r"[a-z][a-z0-9'-]+|\d+")
_GENERIC = frozenset(
    """also may however found cases case constabulary force police officers staff children
    child young people person report inspection inspectors saw good improve improvement
    example examples time times information work working ensure need needs""".split()
)


def _phrases(text: str) -> list[str]:
    words = [w for w in _WORD.findall(text.lower())]
    phrases: list[str] = []
    for first, second in zip(words, words[1:], strict=False):
        if first in STOPWORDS or second in STOPWORDS or first.isdigit() or second.isdigit():
            continue
        if first in _GENERIC and second in _GENERIC:
            continue
        phrases.append(f"{first} {second}")
    phrases += [w for w in words if w not in STOPWORDS and w not in _GENERIC and not w.isdigit()
                and len(w) > 3]
    return phrases


def section_topics(section_texts: dict[str, str]) -> dict[str, str]:
    """Map each section key to a comma-separated list of its most distinctive phrases."""
    counts = {key: Counter(_phrases(text)) for key, text in section_texts.items()}
    document_frequency: Counter[str] = Counter()
    for counter in counts.values():
        document_frequency.update(counter.keys())
    sections = len(counts)
    topics = {}
    for key, counter in counts.items():
        def weight(item: tuple[str, int]) -> float:
            phrase, count = item
            idf = math.log((1 + sections) / (1 + document_frequency[phrase]))
            return count * idf * (1.5 if " " in phrase else 1.0)

        scored = sorted(counter.items(), key=weight, reverse=True)
        chosen: list[str] = []
        for phrase, count in scored:
            if count < 2 or any(phrase in c or c in phrase for c in chosen):
                continue
            chosen.append(phrase)
            if len(chosen) == TOPICS_PER_SECTION:
                break
        topics[key] = ", ".join(chosen)
    return topics
