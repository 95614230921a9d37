"""Checklist questions for the eval harness (``--checklists eval/checklists.jsonl``).

Each record names the checklist a question should be offered (``checklist``, or null when
none should be) and the items that checklist should contain (``items``: phrases, matched
case-insensitively in the item texts). Reported: whether the expected checklist is offered
(and whether a question expecting none got none), and per checklist how many expected items
it covers, with every covered item's citation resolved to a passage of the index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.checklists import Checklist, ChecklistCatalogue, ChecklistNotFoundError
from assistant.pipeline import Assistant


@dataclass(frozen=True)
class ChecklistResult:
    id: str
    expected: str | None
    offered: list[str]
    offered_ok: bool
    covered: list[str]
    missing: list[str]


def covers(checklist: Checklist, phrase: str) -> bool:
    """An item of ``checklist`` contains ``phrase`` and its citation resolved."""
    return any(phrase.lower() in item.text.lower() and item.source is not None
               for item in checklist.items)


def run_checklists(assistant: Assistant, records: list[dict[str, Any]]) -> list[ChecklistResult]:
    catalogue: ChecklistCatalogue = assistant.checklists
    results = []
    for record in records:
        answer = assistant.ask(record["question"])
        offered = [offer.id for offer in answer.offered_checklists]
        expected = record.get("checklist")
        covered: list[str] = []
        missing: list[str] = list(record.get("items", []))
        if expected:
            try:
                checklist = catalogue.get(expected)
            except ChecklistNotFoundError:
                checklist = None
            if checklist is not None:
                covered = [p for p in missing if covers(checklist, p)]
                missing = [p for p in missing if p not in covered]
        results.append(ChecklistResult(
            id=record["id"], expected=expected, offered=offered,
            offered_ok=(expected in offered) if expected else not offered,
            covered=covered, missing=missing))
    return results


def format_checklist_table(results: list[ChecklistResult]) -> str:
    """Offers per question, then expected items covered per checklist."""
    lines = [f"{'checklist question':22} {'expected':32} {'offered':>7}"]
    for r in results:
        lines.append(f"{r.id:22} {(r.expected or '(none)'):32} "
                     f"{'yes' if r.offered_ok else 'NO':>7}"
                     + ("" if r.offered_ok else f"  got {', '.join(r.offered) or 'nothing'}"))
    right = sum(r.offered_ok for r in results)
    lines.append(f"offered as expected: {right} of {len(results)}")
    by_checklist: dict[str, tuple[set[str], set[str]]] = {}
    for r in results:
        if r.expected:
            covered, wanted = by_checklist.setdefault(r.expected, (set(), set()))
            covered.update(r.covered)
            wanted.update(r.covered + r.missing)
    lines.append(f"{'checklist':32} {'expected items covered':>24}")
    for checklist_id, (covered, wanted) in sorted(by_checklist.items()):
        missing = sorted(wanted - covered)
        lines.append(f"{checklist_id:32} {len(covered):>14} of {len(wanted):<7}"
                     + (f"  missing: {', '.join(missing)}" if missing else ""))
    return "\n".join(lines)
