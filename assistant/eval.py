"""``python -m assistant.eval QUESTIONS.jsonl --out RESULTS.jsonl``: the eval harness.

Runs every question through the real pipeline (and through the naive baseline, in the same
run), writes one JSON line per question and prints hit@1/3/5, MRR, answer fact coverage,
abstentions, top-5 size and latency, side by side. Answering reads only ``id`` and
``question``; scoring fields are read by :mod:`assistant.metrics` afterwards.

``--checklists eval/checklists.jsonl`` also runs the checklist questions
(:mod:`assistant.checklist_eval`): is the expected checklist offered, and how many of the
expected items does each checklist cover.
``--mode generative --llm-base-url URL --llm-model NAME`` answers through a chat model
behind the grounding gate (the baseline is skipped) and adds the gate's figures: the share
of the model's sentences it removed, the fallbacks to the extractive answer by reason, and
how many answers were shown as generative.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import chromadb
from chromadb.config import Settings as ChromaSettings

from assistant.baseline import BaselineRetriever
from assistant.checklist_eval import format_checklist_table, run_checklists
from assistant.metrics import Scores, percentile, score
from assistant.pipeline import Assistant
from assistant.settings import index_dir, load_settings
from indexer import artifacts
from indexer.build import IndexBuilder


def load_questions(path: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def run_pipeline(assistant: Assistant, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    assistant.ask("warm-up question about police protection")
    results = []
    for record in questions:
        started = time.perf_counter()
        answer = assistant.ask(record["question"])
        latency = (time.perf_counter() - started) * 1000
        results.append(
            {
                "id": record["id"],
                "question": record["question"],
                "answer": answer.text,
                "abstained": answer.abstained,
                "confidence": answer.confidence,
                "passages": [p.page_content for p in answer.passages],
                "sections": [p.metadata["section"] for p in answer.passages],
                "citations": [asdict(c) for c in answer.citations],
                "latency_ms": round(latency, 2),
                "mode": answer.mode,
                "gate": answer.gate,
            }
        )
    return results


def run_baseline(
    retriever: BaselineRetriever, questions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    retriever.invoke("warm-up question about police protection")
    results = []
    for record in questions:
        started = time.perf_counter()
        passages = [d.page_content for d in retriever.invoke(record["question"])]
        latency = (time.perf_counter() - started) * 1000
        results.append(
            {
                "id": record["id"],
                "answer": passages[0] if passages else "",
                "abstained": False,
                "passages": passages,
                "latency_ms": latency,
            }
        )
    return results


def format_table(ours: Scores, baseline: Scores | None) -> str:
    rows = [
        ("hit@1", "hit1", "{:.2f}"),
        ("hit@3", "hit3", "{:.2f}"),
        ("hit@5", "hit5", "{:.2f}"),
        ("MRR", "mrr", "{:.2f}"),
        ("answer fact coverage", "fact_coverage", "{:.2f}"),
        ("mean chars top-5", "mean_chars_top5", "{:,.0f}"),
        ("latency p50 ms", "p50_ms", "{:.1f}"),
        ("latency p95 ms", "p95_ms", "{:.1f}"),
    ]
    lines = [f"{'metric':26} {'SafeGuide':>12} {'baseline':>12}"]
    for label, name, fmt in rows:
        base = fmt.format(getattr(baseline, name)) if baseline else "-"
        lines.append(f"{label:26} {fmt.format(getattr(ours, name)):>12} {base:>12}")
    lines.append(
        f"{'correct abstentions':26} {ours.correct_abstentions:>5} of {ours.unanswerable:<4}"
        f" {(str(baseline.correct_abstentions) if baseline else '-'):>12}"
    )
    lines.append(
        f"{'false abstentions':26} {ours.false_abstentions:>5} of {ours.answerable:<4}"
        f" {(str(baseline.false_abstentions) if baseline else '-'):>12}"
    )
    return "\n".join(lines)


def gate_summary(results: list[dict[str, Any]]) -> str:
    """The grounding gate's figures over a generative run."""
    asked = [r["gate"] for r in results if r.get("gate")]
    sentences = sum(g.get("sentences", 0) for g in asked)
    removed = sum(g.get("removed", 0) for g in asked)
    reasons: Counter[str] = Counter()
    for gate in asked:
        reasons.update(gate.get("reasons", {}))
    fallbacks = Counter(g["fallback"] for g in asked if g.get("fallback"))
    model_ms = [g["generate_ms"] for g in asked]
    return "\n".join([
        f"{'model asked':26} {len(asked):>5} of {len(results)} (not asked: abstentions)",
        f"{'shown as generative':26} {sum(r['mode'] == 'generative' for r in results):>5}",
        f"{'model sentences removed':26} {removed:>5} of {sentences}"
        f" ({removed / sentences if sentences else 0:.2f}) {dict(reasons.most_common())}",
        f"{'fallbacks to extractive':26} {sum(fallbacks.values()):>5} {dict(fallbacks)}",
        f"{'model + gate p50/p95 ms':26} {percentile(model_ms, 50):>8.0f} / "
        f"{percentile(model_ms, 95):.0f}",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m assistant.eval",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("questions", type=Path, nargs="?",
                        help="question set (JSON lines); optional with --checklists")
    parser.add_argument("--out", type=Path, help="write one result per line here")
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive baseline")
    parser.add_argument("--checklists", type=Path,
                        help="checklist question set (JSON lines), e.g. eval/checklists.jsonl")
    parser.add_argument("--mode", choices=("extractive", "generative"), default="extractive",
                        help="generative: answer through the chat model of the llm_* settings "
                             "(or the two options below), behind the grounding gate")
    parser.add_argument("--llm-base-url", help="OpenAI-compatible endpoint (generative mode)")
    parser.add_argument("--llm-model", help="model name at that endpoint (generative mode)")
    args = parser.parse_args(argv)
    if args.questions is None and args.checklists is None:
        parser.error("give a question set, --checklists, or both")

    overrides: dict[str, Any] = {}
    if args.mode == "generative":
        overrides["llm_provider"] = "openai"
        overrides.update({k: v for k, v in (("llm_base_url", args.llm_base_url),
                                           ("llm_model", args.llm_model)) if v})
    else:
        overrides["llm_provider"] = "none"
    settings = load_settings(overrides)
    target = index_dir(settings)
    if artifacts.read_pointer(target) is None:
        print(IndexBuilder(settings, target, progress=False).build().summary())
    assistant = Assistant.from_settings(overrides)
    if args.checklists:
        checklist_records = load_questions(args.checklists)
        print(f"{len(checklist_records)} checklist questions from {args.checklists}")
        print(format_checklist_table(run_checklists(assistant, checklist_records)))
    if args.questions is None:
        return 0
    records = load_questions(args.questions)
    questions = [{"id": r["id"], "question": r["question"]} for r in records]
    results = run_pipeline(assistant, questions)
    baseline_scores = None
    if not args.no_baseline and args.mode == "extractive":
        client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        retriever = BaselineRetriever.build(
            Path(settings["corpus_dir"]), assistant.vectors.embeddings, client
        )
        baseline_scores = score(records, run_baseline(retriever, questions))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("".join(json.dumps(r) + "\n" for r in results), encoding="utf-8")
    print(f"{len(records)} questions from {args.questions}, {args.mode} mode")
    print(format_table(score(records, results), baseline_scores))
    if args.mode == "generative":
        print(gate_summary(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
