"""Measure the input guard: personal-data detection and immediate-risk routing.

For ``assistant.personal_data.detect`` on ``tests/data/personal_data_questions.jsonl``:
precision and recall per kind and overall, where a finding is correct when its kind matches
and its span overlaps a labelled span of that kind; then question-level precision and recall
of ``contains_personal_data`` (does the question get a warning?). For
``assistant.urgent.is_immediate_risk`` on ``tests/data/urgent_questions.jsonl``: precision and
recall of the urgent class. ``--errors`` lists every miss and false alarm.

    python scripts/bench_personal_data.py [--errors] [--personal-data FILE] [--urgent FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.personal_data import KINDS, contains_personal_data, detect  # noqa: E402
from assistant.urgent import is_immediate_risk  # noqa: E402

PERSONAL_DATA_SET = ROOT / "tests" / "data" / "personal_data_questions.jsonl"
URGENT_SET = ROOT / "tests" / "data" / "urgent_questions.jsonl"


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def labelled_spans(row: dict) -> list[tuple[str, int, int]]:
    """Labelled spans as (kind, start, end); a text that occurs twice is placed in turn."""
    spans, taken = [], Counter()
    for span in row["spans"]:
        question, text = row["question"], span["text"]
        start = -1
        for _ in range(taken[text] + 1):
            start = question.index(text, start + 1)
        taken[text] += 1
        spans.append((span["kind"], start, start + len(text)))
    return spans


def ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def score_spans(rows: list[dict], errors: list[str] | None = None) -> dict[str, tuple[int, ...]]:
    """Per kind: (true-positive findings, findings, labelled spans found, labelled spans)."""
    counts = {kind: [0, 0, 0, 0] for kind in KINDS}
    for row in rows:
        gold = labelled_spans(row)
        found = detect(row["question"])
        for f in found:
            hit = any(k == f.kind and f.start < e and s < f.end for k, s, e in gold)
            counts[f.kind][0] += hit
            counts[f.kind][1] += 1
            if not hit and errors is not None:
                errors.append(f"false alarm {f.kind} {f.text!r}: {row['id']} {row['question']}")
        for kind, s, e in gold:
            hit = any(f.kind == kind and f.start < e and s < f.end for f in found)
            counts[kind][2] += hit
            counts[kind][3] += 1
            if not hit and errors is not None:
                errors.append(f"missed {kind} {row['question'][s:e]!r}: {row['id']} "
                              f"{row['question']}")
    return {kind: tuple(c) for kind, c in counts.items()}


def question_level(rows: list[dict], predict, truth) -> tuple[float, float, int, int, int]:
    """Precision, recall, true positives, predicted positives, actual positives."""
    tp = pred = actual = 0
    for row in rows:
        p, t = bool(predict(row["question"])), bool(truth(row))
        tp += p and t
        pred += p
        actual += t
    return ratio(tp, pred), ratio(tp, actual), tp, pred, actual


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--errors", action="store_true", help="list misses and false alarms")
    parser.add_argument("--personal-data", type=Path, default=PERSONAL_DATA_SET,
                        help="labelled personal-data questions (JSON lines)")
    parser.add_argument("--urgent", type=Path, default=URGENT_SET,
                        help="labelled immediate-risk questions (JSON lines)")
    args = parser.parse_args()
    errors: list[str] = []

    rows = load(args.personal_data)
    with_data = sum(bool(r["spans"]) for r in rows)
    print(f"Personal data: {len(rows)} questions, {with_data} with personal data, "
          f"{len(rows) - with_data} without ({args.personal_data})")
    print(f"{'kind':<12} {'precision':>9} {'recall':>7} {'found':>6} {'labelled':>8}")
    totals = [0, 0, 0, 0]
    for kind, (tp, n_found, hit, n_gold) in score_spans(rows, errors).items():
        totals = [a + b for a, b in zip(totals, (tp, n_found, hit, n_gold), strict=True)]
        print(f"{kind:<12} {ratio(tp, n_found):>9.3f} {ratio(hit, n_gold):>7.3f} "
              f"{n_found:>6} {n_gold:>8}")
    tp, n_found, hit, n_gold = totals
    print(f"{'all spans':<12} {ratio(tp, n_found):>9.3f} {ratio(hit, n_gold):>7.3f} "
          f"{n_found:>6} {n_gold:>8}")
    p, r, tp, pred, actual = question_level(rows, contains_personal_data,
                                            lambda row: row["spans"])
    print(f"{'questions':<12} {p:>9.3f} {r:>7.3f}   (contains_personal_data: {tp} of {pred} "
          f"warnings right, {tp} of {actual} questions with data warned)")

    urgent = load(args.urgent)
    p, r, tp, pred, actual = question_level(urgent, is_immediate_risk, lambda row: row["urgent"])
    print(f"\nImmediate risk: {len(urgent)} questions, {actual} urgent "
          f"({args.urgent})")
    print(f"precision {p:.3f}  recall {r:.3f}  ({tp} of {pred} flagged right, {tp} of {actual} "
          "urgent flagged)")
    for row in urgent:
        if is_immediate_risk(row["question"]) != row["urgent"]:
            errors.append(f"urgent={row['urgent']} but not so judged: {row['id']} "
                          f"{row['question']}")

    if args.errors:
        print("\n" + ("\n".join(errors) if errors else "no errors"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
