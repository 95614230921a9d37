"""``python -m assistant.calibrate QUESTIONS.jsonl``: set the abstention threshold.

Runs every question through the real pipeline, measures the evidence strength of each
(see :mod:`assistant.abstention`), and chooses the threshold that abstains on the most
unanswerable questions while abstaining on at most ``--max-false`` answerable ones. With
``--write`` it saves the threshold to ``assistant/calibration.json``. It reads the
``answerable`` label, which is what calibration is for; it never reads expected answers.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from assistant.abstention import CALIBRATION_PATH, AbstentionPolicy, choose_threshold
from assistant.eval import load_questions
from assistant.pipeline import Assistant


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.calibrate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--max-false", type=int, default=0,
                        help="answerable questions that may be abstained on (default 0)")
    parser.add_argument("--write", action="store_true", help=f"save to {CALIBRATION_PATH}")
    args = parser.parse_args(argv)

    assistant = Assistant.from_settings()
    assistant.policy = AbstentionPolicy(float("-inf"))  # measure, never abstain
    answerable, unanswerable = [], []
    for record in load_questions(args.questions):
        strength = assistant.ask(record["question"]).confidence
        (answerable if record.get("answerable", True) else unanswerable).append(strength)
    threshold = choose_threshold(answerable, unanswerable, args.max_false)
    print(f"answerable:   n={len(answerable)} min={min(answerable):.3f}")
    if unanswerable:
        print(f"unanswerable: n={len(unanswerable)} max={max(unanswerable):.3f}")
    print(f"threshold {threshold:.4f}: abstains on "
          f"{sum(s < threshold for s in unanswerable)} of {len(unanswerable)} unanswerable, "
          f"{sum(s < threshold for s in answerable)} of {len(answerable)} answerable")
    if args.write:
        CALIBRATION_PATH.write_text(json.dumps({
            "threshold": threshold, "questions": args.questions.name,
            "calibrated_at": time.strftime("%Y-%m-%d"), "max_false_abstentions": args.max_false,
        }, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {CALIBRATION_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
