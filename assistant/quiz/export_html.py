"""A printable HTML quiz, with or without answers, from a Jinja template kept in the core.

The template (``assistant/quiz/templates/quiz_print.html``) is a standalone page with its
own print CSS, so the CLI can write it and the web layer can serve :func:`export_html`'s
output as it is, with no Flask. Autoescaping is on: report text never becomes markup.
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape

from assistant.quiz.export_gift import KIND_LABELS, approved_or_error
from assistant.quiz.model import Quiz


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=PackageLoader("assistant.quiz", "templates"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True,
                       lstrip_blocks=True)


def export_html(quiz: Quiz, with_answers: bool = False) -> str:
    return _environment().get_template("quiz_print.html").render(
        quiz=quiz, items=approved_or_error(quiz), with_answers=with_answers,
        labels=KIND_LABELS)
