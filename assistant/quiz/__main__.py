"""``python -m assistant.quiz``: draft a quiz, export a reviewed one, measure the generator.

    python -m assistant.quiz build --topic "missing children" --seed 1 --out quiz.json
    python -m assistant.quiz build --section "8. Decision making" --out quiz.gift
    python -m assistant.quiz export quiz.json --out quiz.html --answers
    python -m assistant.quiz measure --seed 1

``build`` to ``.json`` writes the draft for review (nothing approved); to ``.gift``,
``.csv`` or ``.html`` it exports every generated item (the command's user is the reviewer).
``export`` writes only the approved items of a reviewed ``.json`` quiz.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from assistant.quiz.edit import approve_all
from assistant.quiz.export_csv import export_csv
from assistant.quiz.export_gift import export_gift
from assistant.quiz.export_html import export_html
from assistant.quiz.generate import QuizGenerator
from assistant.quiz.measure import measure
from assistant.quiz.model import ITEM_KINDS, Quiz, QuizError

FORMATS = (".json", ".gift", ".csv", ".html")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except QuizError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _build(args: argparse.Namespace) -> int:
    out = _checked_out(args.out)
    quiz = QuizGenerator.from_settings().build(
        topics=args.topic, sections=args.section, seed=args.seed, title=args.title,
        kinds=args.kind or ITEM_KINDS, max_per_kind=args.max_per_kind)
    counts = Counter(item.kind for item in quiz.items)
    print(f"{quiz.title}: {len(quiz.items)} items (seed {quiz.seed})")
    for kind in ITEM_KINDS:
        print(f"  {kind:16} {counts.get(kind, 0)}")
    if out.suffix != ".json":
        quiz = approve_all(quiz)
    _write(quiz, out, args.answers)
    print(f"wrote {out}")
    return 0


def _export(args: argparse.Namespace) -> int:
    out = _checked_out(args.out)
    try:
        data = json.loads(Path(args.quiz).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise QuizError(f"cannot read {args.quiz}: {exc}", field="quiz") from exc
    quiz = Quiz.from_dict(data)
    _write(quiz, out, args.answers)
    print(f"wrote {out}: {len(quiz.approved_items)} approved of {len(quiz.items)} items")
    return 0


def _measure(args: argparse.Namespace) -> int:
    result = measure(QuizGenerator.from_settings(), seed=args.seed)
    print(result.table())
    return 0 if result.grounded == result.items else 1


def _checked_out(path: str) -> Path:
    out = Path(path)
    if out.suffix not in FORMATS:
        raise QuizError(f"--out must end with one of {', '.join(FORMATS)}: {path}", field="out")
    return out


def _write(quiz: Quiz, out: Path, answers: bool) -> None:
    if out.suffix == ".json":
        text = json.dumps(quiz.to_dict(), indent=1, ensure_ascii=False)
    elif out.suffix == ".gift":
        text = export_gift(quiz)
    elif out.suffix == ".csv":
        text = export_csv(quiz)
    else:
        text = export_html(quiz, with_answers=answers)
    out.write_text(text, encoding="utf-8", newline="")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant.quiz", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(required=True)
    build = commands.add_parser("build", help="draft a quiz from topics and/or sections")
    build.add_argument("--topic", action="append", default=[], help="free-text topic")
    build.add_argument("--section", action="append", default=[],
                       help='section path, e.g. "8. Decision making"')
    build.add_argument("--seed", type=int, default=1)
    build.add_argument("--title", default="")
    build.add_argument("--kind", action="append", choices=ITEM_KINDS)
    build.add_argument("--max-per-kind", type=int)
    build.add_argument("--out", required=True, help="quiz.json, .gift, .csv or .html")
    build.add_argument("--answers", action="store_true", help="HTML: print the answers")
    build.set_defaults(run=_build)
    export = commands.add_parser("export", help="export the approved items of a quiz.json")
    export.add_argument("quiz")
    export.add_argument("--out", required=True)
    export.add_argument("--answers", action="store_true")
    export.set_defaults(run=_export)
    meter = commands.add_parser("measure", help="items per major section and grounding share")
    meter.add_argument("--seed", type=int, default=1)
    meter.set_defaults(run=_measure)
    return parser


if __name__ == "__main__":
    sys.exit(main())
