"""Benchmark answering: warm latency p50/p95 per question, per stage, and memory.

Loads the serving index (building it if missing), warms the model with one question, then
asks every question ``--repeat`` times and prints wall-time percentiles of the whole
``Assistant.ask`` call and of its stages, plus load times and peak resident memory. Run it
on an otherwise idle machine: two cores are easily disturbed.

    python scripts/bench_query.py [QUESTIONS.jsonl] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.metrics import percentile  # noqa: E402
from assistant.pipeline import Assistant  # noqa: E402
from assistant.settings import index_dir, load_settings  # noqa: E402
from indexer import artifacts  # noqa: E402
from indexer.build import IndexBuilder  # noqa: E402

DEFAULT_QUESTIONS = (
    "What must officers record when a child is taken into police protection?",
    "When should an appropriate adult be called for a child in custody?",
    "How quickly do return home interview findings reach the police?",
    "What did the inspectors say about body-worn video at domestic abuse incidents?",
    "How are registered sex offenders on reactive management visited?",
    "What is the speed limit on a motorway?",
)


def load_questions(path: Path | None) -> list[str]:
    if path is None:
        return list(DEFAULT_QUESTIONS)
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", nargs="?", type=Path, help="JSON lines with 'question'")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    settings = load_settings()
    if artifacts.read_pointer(index_dir(settings)) is None:
        IndexBuilder(settings, index_dir(settings), progress=False).build()
    started = time.perf_counter()
    assistant = Assistant.from_settings()
    load_seconds = time.perf_counter() - started
    assistant.ask("warm-up: what is police protection?")

    questions = load_questions(args.questions)
    totals: list[float] = []
    stages: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        for question in questions:
            # Measure the real cost: no reuse of a cached query embedding or preparation.
            assistant.vectors.vector.cache_clear()
            assistant.understanding.prepare.cache_clear()
            begin = time.perf_counter()
            answer = assistant.ask(question)
            totals.append((time.perf_counter() - begin) * 1000)
            for stage, ms in answer.timings.items():
                stages.setdefault(stage, []).append(ms)

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"questions: {len(questions)} x {args.repeat}, index {assistant.index.version} "
          f"({len(assistant.index.chunk_ids)} passages)")
    print(f"model + index load: {load_seconds:.2f} s; peak RSS {peak_mib:.0f} MiB")
    print(f"{'stage':16} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}")
    for name, values in [("ask (total)", totals), *sorted(stages.items())]:
        print(f"{name:16} {percentile(values, 50):8.1f} {percentile(values, 95):8.1f} "
              f"{statistics.mean(values):8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
