"""Moodle GIFT export of a quiz's approved items.

Follows Moodle's own GIFT exporter (question/format/gift/format.php): every text goes
through :func:`escape` (backslash first, then ``~ = # { } :``, a newline written as ``\\n``),
names are ``::name::``, multiple choice is ``{=right ~wrong}`` with ``#feedback`` per
option, true/false ``{TRUE#wrong-answer feedback#right-answer feedback}``, numerical
``{#=n:0}``, and a scenario is an essay question ``{}`` whose general feedback (``####``,
last inside the braces) holds the model answer. Questions are separated by a blank line.
"""

from __future__ import annotations

from assistant.quiz.model import Item, Quiz, QuizError

_RESERVED = str.maketrans({"\\": "\\\\", "~": "\\~", "=": "\\=", "#": "\\#", "{": "\\{",
                           "}": "\\}", ":": "\\:", "\n": "\\n", "\r": ""})
KIND_LABELS = {"scenario": "scenario", "multiple_choice": "multiple choice",
               "true_false": "true/false", "numerical": "number"}


def escape(text: str) -> str:
    """Escape GIFT's reserved characters so Moodle reads ``text`` literally."""
    return text.translate(_RESERVED)


def export_gift(quiz: Quiz) -> str:
    """The approved items as a GIFT file (UTF-8 text); raises :class:`QuizError` if none."""
    items = approved_or_error(quiz)
    category = quiz.title.replace("/", "-")
    parts = [f"// {quiz.title} (seed {quiz.seed}), exported by SafeGuide\n"
             f"$CATEGORY: SafeGuide/{category}\n"]
    for n, item in enumerate(items, start=1):
        parts.append(_question(n, item))
    return "\n".join(parts)


def approved_or_error(quiz: Quiz) -> tuple[Item, ...]:
    items = quiz.approved_items
    if not items:
        raise QuizError("no approved items to export: approve items first", field="items")
    return items


def question_name(n: int, item: Item) -> str:
    where = f" {item.section}" if item.section else ""
    return f"{n:02d}{where} ({KIND_LABELS[item.kind]})"


def general_feedback(item: Item) -> str:
    """What a learner sees after answering: the report's words and where they come from."""
    lines = []
    if item.kind == "scenario":
        lines.append("Model answer, in the report's words:\n" + item.answer)
    elif item.kind == "numerical":  # true/false says it in its answer feedback
        lines.append("The report says: " + item.feedback)
    elif item.kind == "multiple_choice" and item.feedback:
        lines.append(item.feedback)
    places = dict.fromkeys(f"{s.title}, {s.section}" for s in item.sources)
    if places:
        lines.append("Source: " + "; ".join(places))
    return "\n\n".join(lines)


def _question(n: int, item: Item) -> str:
    text = item.stem + (f"\n\n{item.question}" if item.question else "")
    head = f"// {item.id}\n::{escape(question_name(n, item))}::{escape(text)}"
    feedback = "####" + escape(general_feedback(item))
    if item.kind == "multiple_choice":
        lines = [("=" if o.correct else "~") + escape(o.text)
                 + (f"#{escape(o.feedback)}" if o.feedback else "") for o in item.options]
        body = "".join(f"\n\t{line}" for line in [*lines, feedback]) + "\n"
    elif item.kind == "true_false":
        said = escape("The report says: " + item.feedback)
        body = ("TRUE" if item.answer == "true" else "FALSE") + f"#{said}#{said}{feedback}"
    elif item.kind == "numerical":
        body = f"#\n\t={item.answer}:0\n\t{feedback}\n"
    else:
        body = feedback
    return f"{head}{{{body}}}\n"
