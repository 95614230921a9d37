"""The quiz a trainer reviews: plain frozen dataclasses a database layer can persist.

Every generated item keeps the passages it was built from (:class:`Source`), so a reviewer
can check the answer against the report and an export can cite it. Items are immutable;
the workflow operations in :mod:`assistant.quiz.edit` return a new :class:`Quiz`.

:class:`Source` is smaller than :class:`assistant.types.Citation` on purpose: a citation
numbers one answer's lines and carries the whole passage text, which a stored quiz would
repeat per item; a source keeps the quoted words and a reader link that highlights them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ItemKind = Literal["scenario", "multiple_choice", "true_false", "numerical"]
ITEM_KINDS: tuple[str, ...] = ("scenario", "multiple_choice", "true_false", "numerical")
Origin = Literal["generated", "trainer"]


class QuizError(ValueError):
    """An item or quiz breaks a rule (empty stem, no correct option, unknown item id...).

    ``field`` names what is wrong (``stem``, ``options``, ``items[3].answer``) and ``item_id``
    the item, so a form can show the message next to the right input.
    """

    def __init__(self, message: str, field: str = "", item_id: str = "") -> None:
        where = " ".join(part for part in (f"item {item_id}" if item_id else "",
                                           f"field {field}" if field else "") if part)
        super().__init__(f"{where}: {message}" if where else message)
        self.message = message
        self.field = field
        self.item_id = item_id


@dataclass(frozen=True)
class Source:
    """A passage an item was built from: the quoted words and where they are."""

    document_id: str
    chunk_id: str
    section: str
    quote: str
    url: str
    title: str = ""
    edition: str = ""


@dataclass(frozen=True)
class Option:
    """One answer option of a multiple-choice item."""

    text: str
    correct: bool
    feedback: str = ""


@dataclass(frozen=True)
class Item:
    """One question.

    By kind:
    - ``scenario``: ``stem`` is the case, ``question`` what to discuss, ``answer`` the model
      answer (the report's sentences, one per line);
    - ``multiple_choice``: ``options`` with exactly one correct, ``answer`` its text;
    - ``true_false``: ``stem`` is the statement, ``answer`` is ``"true"`` or ``"false"``,
      ``feedback`` the source sentence;
    - ``numerical``: ``stem`` has the number blanked, ``answer`` is the number.
    """

    id: str
    kind: ItemKind
    stem: str
    question: str = ""
    options: tuple[Option, ...] = ()
    answer: str = ""
    feedback: str = ""
    sources: tuple[Source, ...] = ()
    approved: bool = False
    origin: Origin = "generated"
    section: str = ""  # the section of the report the item tests (for grouping and counts)

    @property
    def correct_option(self) -> Option | None:
        return next((o for o in self.options if o.correct), None)


@dataclass(frozen=True)
class Quiz:
    """A titled, ordered set of items, with what it was built from and the seed used."""

    title: str
    topics: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    seed: int = 0
    items: tuple[Item, ...] = field(default_factory=tuple)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise QuizError(f"no item with id {item_id!r}", field="id", item_id=item_id)

    @property
    def approved_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.approved)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (lists, not tuples), for storage and the CLI's ``.json`` output."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Quiz:
        """Read :meth:`to_dict` output back; a malformed field raises :class:`QuizError`."""
        from assistant.quiz.validate import validate_quiz  # validate imports this module

        try:
            items = tuple(_item_from_dict(raw) for raw in data.get("items", []))
            quiz = cls(title=str(data["title"]), topics=tuple(data.get("topics", ())),
                       sections=tuple(data.get("sections", ())), seed=int(data.get("seed", 0)),
                       items=items)
        except KeyError as exc:
            raise QuizError(f"missing field {exc.args[0]!r}", field=str(exc.args[0])) from exc
        except (TypeError, ValueError) as exc:
            if isinstance(exc, QuizError):
                raise
            raise QuizError(f"malformed quiz: {exc}") from exc
        validate_quiz(quiz)
        return quiz


def _item_from_dict(raw: dict[str, Any]) -> Item:
    values = dict(raw)
    values["options"] = tuple(Option(**o) for o in raw.get("options", ()))
    values["sources"] = tuple(Source(**s) for s in raw.get("sources", ()))
    return Item(**values)
