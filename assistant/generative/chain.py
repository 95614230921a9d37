"""Retrieved passages → chat model → grounding gate → generative answer, or the extractive one.

:class:`GenerativeStep` is the Runnable that :class:`assistant.pipeline.Assistant` appends
after its extractive answer when a model is configured. It takes that answer (question,
ranked passages, extractive items) and returns either the model's gate-checked sentences
(``mode = "generative"``) or the extractive answer unchanged (``mode = "extractive"``, with
the reason in ``gate["fallback"]``). Nothing the model wrote is returned before the gate
has judged all of it. The question is redacted of personal data before the model sees it.
Each decision is logged as counts and reasons: never the question or the model's text.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda

from assistant.answerer import answer_text, make_citation
from assistant.generative.gate import GateResult, GroundingGate, needs_fallback
from assistant.generative.prompt import Prompt, load_prompt
from assistant.personal_data import redact
from assistant.types import Answer, AnswerItem, Citation

PASSAGES_FOR_MODEL = 3  # as many as the extractive answerer reads; keeps the prompt small
log = logging.getLogger("safeguide.generative")


class GenerativeStep:
    """Ask the model about an answered question; keep only what the gate supports.

    ``model`` is a LangChain chat model (or any Runnable from messages to a message).
    """

    def __init__(self, model: Runnable, gate: GroundingGate,
                 prompt: Prompt | None = None, model_label: str = "",
                 system_role: bool = True) -> None:
        self.prompt = prompt or load_prompt()
        self.system_role = system_role
        self.gate = gate
        self.model_label = model_label
        self.generate: Runnable = model | StrOutputParser()
        self.runnable: Runnable = RunnableLambda(self.invoke, name="generate")

    def invoke(self, answer: Answer, config: RunnableConfig | None = None) -> Answer:
        if answer.abstained or not answer.passages:
            return answer  # weak evidence: the model is not asked to fill the gap
        started = time.perf_counter()
        passages = answer.passages[:PASSAGES_FOR_MODEL]
        stats: dict[str, Any] = {"prompt_version": self.prompt.version,
                                 "model": self.model_label, "passages": len(passages)}
        try:
            messages = self.prompt.messages(redact(answer.question), passages,
                                            self.system_role)
            text = self.generate.invoke(messages, config=config)
        except Exception as exc:  # any model failure degrades to the extractive answer
            stats.update(fallback="model_error", error=type(exc).__name__)
            return self._finish(answer, stats, started)
        result = self.gate.check(text, passages)
        stats.update(result.stats())
        stats["fallback"] = needs_fallback(result)
        if not stats["fallback"]:
            answer.items, answer.citations = _cited_items(result, passages)
            answer.text = answer_text(answer.items)
            answer.mode = "generative"
        return self._finish(answer, stats, started)

    def _finish(self, answer: Answer, stats: dict[str, Any], started: float) -> Answer:
        stats["generate_ms"] = round((time.perf_counter() - started) * 1000, 1)
        answer.gate = stats
        answer.timings["generate_ms"] = stats["generate_ms"]
        reasons = ",".join(f"{k}:{v}" for k, v in stats.get("reasons", {}).items()) or "-"
        log.info("gate mode=%s sentences=%s kept=%s removed=%s reasons=%s fallback=%s "
                 "prompt=%s ms=%.0f", answer.mode, stats.get("sentences", 0),
                 stats.get("kept", 0), stats.get("removed", 0), reasons,
                 stats["fallback"] or "-", stats["prompt_version"], stats["generate_ms"],
                 extra={"gate": {k: v for k, v in stats.items() if k != "model"}})
        return answer


def _cited_items(result: GateResult, passages: list[Any]) -> tuple[list[AnswerItem],
                                                                    list[Citation]]:
    """One item per kept sentence, cited to the source unit that supports it (numbered by
    first use, as the extractive answer numbers its passages)."""
    numbers: dict[int, int] = {}
    items, citations = [], []
    for verdict in result.kept:
        source = verdict.source
        assert source is not None  # a supported verdict always has its source
        n = numbers.setdefault(source.passage, len(numbers) + 1)
        items.append(AnswerItem(text=verdict.text, citation=n, kind="generated"))
        citations.append(make_citation(n, passages[source.passage], source.start, source.end))
    return items, citations
