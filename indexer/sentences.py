"""Sentence splitting for answer units.

The grounded answerer quotes whole sentences and list items, so the split must not break
on "e.g.", "6.00am", "s.46" or "No. 3", and must give exact character offsets so a citation
can highlight the span in the source.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = {
    "e.g", "i.e", "etc", "cf", "no", "nos", "para", "paras", "s", "ss", "sch", "art", "vol",
    "mr", "mrs", "ms", "dr", "prof", "st", "approx", "fig", "ch", "pp", "p", "v", "vs",
}
# A candidate boundary: terminal punctuation, optional closing quote/bracket, whitespace,
# then something that can start a sentence.
_BOUNDARY = re.compile(r"([.!?])([\"'”’)\]]*)\s+(?=[\"'“‘(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` offsets of the sentences of ``text``, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end(2)
        if _ends_with_abbreviation(text[start : match.start(1)]):
            continue
        spans.append((start, end))
        start = match.end()
    spans.append((start, len(text)))
    return [_trim(text, s, e) for s, e in spans if text[s:e].strip()]


def _ends_with_abbreviation(before: str) -> bool:
    word = re.search(r"([A-Za-z.]+)$", before)
    if not word:
        return False
    token = word.group(1).lower().rstrip(".")
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
