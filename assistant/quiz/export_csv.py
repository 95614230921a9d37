"""CSV export of a quiz's approved items: one row per item, for spreadsheets and for
learning platforms that import CSV. Options are columns ``option_1``..``option_6`` with
``correct_option`` the number of the right one; ``sources`` is a JSON list (lossless).
Text a spreadsheet would run as a formula gets a leading apostrophe
(:func:`assistant.spreadsheet.safe_cell`): a trainer's own item is free text."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict

from assistant.quiz.export_gift import approved_or_error
from assistant.quiz.model import Quiz
from assistant.quiz.validate import MAX_OPTIONS
from assistant.spreadsheet import safe_cell

COLUMNS = ("position", "id", "kind", "section", "stem", "question",
           *(f"option_{n}" for n in range(1, MAX_OPTIONS + 1)),
           "correct_option", "answer", "feedback", "sources")


def export_csv(quiz: Quiz) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for position, item in enumerate(approved_or_error(quiz), start=1):
        row = {"position": position, "id": item.id, "kind": item.kind, "section": item.section,
               "stem": item.stem, "question": item.question, "answer": item.answer,
               "feedback": item.feedback,
               "correct_option": next((n for n, o in enumerate(item.options, start=1)
                                       if o.correct), ""),
               "sources": json.dumps([asdict(s) for s in item.sources], ensure_ascii=False)}
        for n, option in enumerate(item.options, start=1):
            row[f"option_{n}"] = option.text
        writer.writerow({name: safe_cell(value) for name, value in row.items()})
    return out.getvalue()
