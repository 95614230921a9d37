"""How much a generator yields, and whether every answer is the source's own words.

"Major sections" are the numbered chapters of an inspection report ("5. Initial contact" ..
"11. Police detention"): each is a whole area of practice a trainer would teach. The
themes are the topics trainers build sessions on, asked as free text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from assistant.index import LoadedIndex
from assistant.quiz.facts import BLANK
from assistant.quiz.generate import QuizGenerator
from assistant.quiz.model import ITEM_KINDS, Item
from assistant.quiz.numbers import fact_number, replace

THEMES = ("missing children", "police protection", "children in custody", "domestic abuse",
          "online child abuse")
_CHAPTER = re.compile(r"^\d+\.\s")


def major_sections(index: LoadedIndex) -> list[str]:
    """The numbered top-level chapters of the indexed inspection reports, in order."""
    chapters = [m["section_top"] for m in index.metadatas
                if m["kind"] == "inspection" and _CHAPTER.match(m["section_top"])]
    return sorted(dict.fromkeys(chapters), key=lambda s: int(s.split(".")[0]))


def answer_pieces(item: Item) -> list[str]:
    """The texts an item's answer rests on, each of which must be in a cited passage."""
    if item.kind == "scenario":
        return item.answer.split("\n")
    if item.kind == "multiple_choice":
        return [item.answer]
    if item.kind == "true_false":
        return [item.feedback] + ([item.stem] if item.answer == "true" else [])
    return [item.feedback]


def grounded(item: Item, index: LoadedIndex) -> bool:
    """Every answer piece verbatim in a cited passage, every quote verbatim in its passage,
    and a number item's answer is the number its sentence states."""
    passages = [index.texts[index.row_of[s.chunk_id]] for s in item.sources
                if s.chunk_id in index.row_of]
    if len(passages) != len(item.sources) or not passages:
        return False
    if any(s.quote not in text for s, text in zip(item.sources, passages, strict=True)):
        return False
    if not all(any(piece in text for text in passages) for piece in answer_pieces(item)):
        return False
    if item.kind == "numerical":
        token = fact_number(item.feedback)
        return (token is not None and float(item.answer) == token.value
                and replace(item.feedback, token, BLANK) == item.stem)
    return True


@dataclass
class Measurement:
    seed: int
    by_section: dict[str, Counter] = field(default_factory=dict)
    by_theme: dict[str, Counter] = field(default_factory=dict)
    items: int = 0
    grounded: int = 0

    @property
    def grounded_share(self) -> float:
        return self.grounded / self.items if self.items else 0.0

    def table(self) -> str:
        header = f"{'':48} " + " ".join(f"{k[:10]:>10}" for k in ITEM_KINDS) + f" {'total':>6}"
        lines = [header]
        for title, counts in [*self.by_section.items(), *self.by_theme.items()]:
            cells = " ".join(f"{counts.get(k, 0):>10}" for k in ITEM_KINDS)
            lines.append(f"{title[:48]:48} {cells} {sum(counts.values()):>6}")
        lines.append(f"answers found verbatim in their cited passages: {self.grounded} of "
                     f"{self.items} ({self.grounded_share:.1%})")
        return "\n".join(lines)


def measure(generator: QuizGenerator, seed: int = 1) -> Measurement:
    """Items per major section (a quiz per chapter) and per theme (a quiz per topic)."""
    result = Measurement(seed=seed)
    quizzes = []
    for section in major_sections(generator.index):
        quiz = generator.build(sections=[section], seed=seed)
        result.by_section[section] = Counter(i.kind for i in quiz.items)
        quizzes.append(quiz)
    for theme in THEMES:
        quiz = generator.build(topics=[theme], seed=seed)
        result.by_theme[f"topic: {theme}"] = Counter(i.kind for i in quiz.items)
        quizzes.append(quiz)
    for quiz in quizzes:
        result.items += len(quiz.items)
        result.grounded += sum(grounded(i, generator.index) for i in quiz.items)
    return result
