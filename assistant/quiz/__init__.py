"""Trainers' quizzes built from the indexed guidance: generation, item model, exports.

No Flask and no database here: the web layer and a later persistence layer call
:class:`QuizGenerator`, the pure workflow functions of :mod:`assistant.quiz.edit` and the
exporters, and store :meth:`Quiz.to_dict`.
"""

from assistant.quiz.generate import QuizGenerator
from assistant.quiz.model import Item, Option, Quiz, QuizError, Source

__all__ = ["Item", "Option", "Quiz", "QuizError", "QuizGenerator", "Source"]
