"""Trainers' quizzes built from the indexed guidance: generation, item model, exports.

No Flask here: the web layer calls :class:`QuizGenerator`, the pure workflow functions of
:mod:`assistant.quiz.edit` and the exporters, and keeps quizzes with
:mod:`assistant.quiz.store` (the database, as :meth:`Quiz.to_dict` JSON).
"""

from assistant.quiz.generate import QuizGenerator
from assistant.quiz.model import Item, Option, Quiz, QuizError, Source

__all__ = ["Item", "Option", "Quiz", "QuizError", "QuizGenerator", "Source"]
