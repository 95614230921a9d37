"""Query understanding: clean the question, correct typos, expand the field's vocabulary.

Officers type on phones: "custdy", "RSOs", "s46", "took the kids into care". Retrieval
works on an expanded query (original words, typo corrections, glossary phrases); the
original question is what the user sees and what the answerer must address.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

GLOSSARY_PATH = Path(__file__).with_name("glossary.yaml")
_WORD = re.compile(r"[A-Za-z0-9&']+")
# Invisible characters that can smuggle instructions or break matching: zero-width
# spaces and joiners, bidi controls, the Unicode "tag" block, BOM.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\U000e0000-\U000e007f]")
_TYPO_MIN_LENGTH = 5
_TYPO_MIN_SCORE = 84


class QuestionError(ValueError):
    """The question cannot be answered as given; the message says why, for the user."""


def clean_question(raw: object, max_chars: int) -> str:
    """Return the question ready to answer, or raise :class:`QuestionError`.

    Hidden characters are removed, control characters become spaces, whitespace collapses.
    """
    if not isinstance(raw, str):
        raise QuestionError("the question must be text")
    if "\x00" in raw:
        raise QuestionError("the question contains binary data")
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", raw))
    text = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
    text = " ".join(text.split())
    if not text:
        raise QuestionError("the question is empty")
    if len(text) > max_chars:
        raise QuestionError(
            f"the question is {len(text)} characters long; the limit is {max_chars}. "
            "Ask about one thing at a time."
        )
    if not re.search(r"[A-Za-z0-9]", text):
        raise QuestionError("the question has no words in it")
    return text


@dataclass(frozen=True)
class GlossaryEntry:
    canonical: str
    aliases: tuple[str, ...]
    label: str


@lru_cache(maxsize=4)
def load_glossary(path: Path = GLOSSARY_PATH) -> tuple[GlossaryEntry, ...]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(
        GlossaryEntry(e["canonical"], tuple(str(a).lower() for a in e["aliases"]),
                      e.get("label", e["canonical"]))
        for e in raw
    )


@dataclass(frozen=True)
class Query:
    """A question prepared for retrieval."""

    question: str
    corrected: str
    expansions: tuple[str, ...]
    corrections: tuple[tuple[str, str], ...]
    dense_text: str = ""  # corrected, with jargon the corpus never uses spelled out

    @property
    def retrieval_text(self) -> str:
        return " ".join((self.corrected, *self.expansions))


class QueryUnderstanding:
    """Typo correction against the corpus vocabulary, then glossary expansion."""

    def __init__(self, vocabulary: set[str], glossary: tuple[GlossaryEntry, ...] | None = None):
        self.glossary = glossary if glossary is not None else load_glossary()
        alias_words = {w for e in self.glossary for a in e.aliases for w in a.split()}
        self.vocabulary = {w.lower() for w in vocabulary}
        self.known = self.vocabulary | alias_words
        self._candidates = sorted(w for w in self.known if len(w) >= _TYPO_MIN_LENGTH - 1)
        # Retrievers and the answerer all ask for the same question's preparation.
        self.prepare = lru_cache(maxsize=512)(self._prepare)

    def _prepare(self, question: str) -> Query:
        corrections: list[tuple[str, str]] = []
        words: list[str] = []
        for word in _WORD.findall(question):
            fixed = self._correct(word)
            if fixed != word.lower():
                corrections.append((word, fixed))
            words.append(fixed)
        corrected = " ".join(words)
        return Query(question, corrected, self._expansions(corrected), tuple(corrections),
                     self._spell_out(corrected))

    def _correct(self, word: str) -> str:
        lower = word.lower()
        if len(lower) < _TYPO_MIN_LENGTH or lower in self.known or not lower.isalpha():
            return lower
        match = process.extractOne(lower, self._candidates, scorer=fuzz.ratio,
                                   score_cutoff=_TYPO_MIN_SCORE)
        return match[0] if match else lower

    def _spell_out(self, corrected: str) -> str:
        """Replace aliases the corpus never uses ("s46", "DA", "kids") by their canonical
        phrase, for the embedding model, which cannot know our jargon. Aliases made of
        corpus words stay as written: the model already reads them."""
        padded = f" {corrected} "
        for entry in self.glossary:
            for alias in sorted(entry.aliases, key=len, reverse=True):
                if f" {alias} " in padded and any(w not in self.vocabulary
                                                  for w in alias.split()):
                    padded = padded.replace(f" {alias} ", f" {entry.label} ")
        return padded.strip()

    def _expansions(self, corrected: str) -> tuple[str, ...]:
        padded = f" {corrected.lower()} "
        found = []
        for entry in self.glossary:
            if any(f" {alias} " in padded for alias in entry.aliases):
                found.append(entry.canonical)
        return tuple(found)
