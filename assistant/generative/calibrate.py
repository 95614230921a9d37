"""``python -m assistant.generative.calibrate PAIRS.jsonl``: set the grounding gate's thresholds.

Each line of ``PAIRS.jsonl`` is a passage and sentences a model might write about it, each
labelled ``supported`` true or false: ``{"passage": "...", "claims": [{"sentence": "...",
"supported": true}, ...]}`` (``tests/data/gate_pairs.jsonl``: paraphrases, invented steps,
invented details on the passage's own topic; never the eval questions). For each sentence
the gate's lexical and semantic support is measured against every source unit of the
passage; the thresholds chosen accept no unsupported sentence (at most ``--max-false``) and
the most supported ones, taken from the middle of the best region rather than its edge.
With ``--write`` they are saved to ``assistant/generative/gate_calibration.json``.
Numbers and time limits are checked exactly by the gate and are not part of calibration.

Claims labelled ``"kind": "role_swap"`` (the passage's own words with who-does-what
swapped: "social care records the referral" where officers do) are reported, not optimised
for: word support and sentence similarity cannot tell them apart, and the report says how
many get through, as a known limit of the gate.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from langchain_core.documents import Document

from assistant.embeddings import load_embeddings
from assistant.generative.gate import CALIBRATION_PATH, lexical_support, source_units
from assistant.settings import load_settings

LEXICAL_GRID = np.round(np.arange(0.0, 1.0001, 0.05), 2)
SEMANTIC_GRID = np.round(np.arange(0.3, 0.9501, 0.01), 2)

Scores = list[tuple[float, float]]  # (lexical, semantic) of one sentence against each unit


class PairsFileError(ValueError):
    """A pairs file line that is not a passage with labelled claims."""


ROLE_SWAP = "role_swap"
Pair = tuple[str, str, bool, str]  # passage, sentence, supported, kind


def load_pairs(path: Path) -> list[Pair]:
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            pairs.extend((record["passage"], c["sentence"], bool(c["supported"]),
                          c.get("kind", "")) for c in record["claims"])
        except (ValueError, KeyError, TypeError) as exc:
            raise PairsFileError(f"{path}:{number}: {exc!r}; expected "
                                 '{"passage": str, "claims": [{"sentence": str, '
                                 '"supported": bool}]}') from None
    return pairs


def measure(pairs: list[Pair], embed: Callable[[list[str]], np.ndarray]
            ) -> list[tuple[Scores, bool]]:
    measured = []
    for passage, sentence, supported, _kind in pairs:
        units = source_units([Document(passage)])
        vectors = embed([sentence] + [u.text for u in units])
        scores = [(lexical_support(sentence, u.text), float(v @ vectors[0]))
                  for u, v in zip(units, vectors[1:], strict=True)]
        measured.append((scores, supported))
    return measured


def accepts(scores: Scores, lexical: float, semantic: float) -> bool:
    return any(lx >= lexical and sm >= semantic for lx, sm in scores)


def choose(measured: list[tuple[Scores, bool]], max_false: int = 0) -> dict[str, float]:
    """The thresholds accepting the most supported sentences with at most ``max_false``
    unsupported ones; among equally good ones, the one nearest their centre."""
    best, region = -1, []
    for lexical in LEXICAL_GRID:
        for semantic in SEMANTIC_GRID:
            false = sum(accepts(s, lexical, semantic) for s, ok in measured if not ok)
            if false > max_false:
                continue
            true = sum(accepts(s, lexical, semantic) for s, ok in measured if ok)
            if true > best:
                best, region = true, []
            if true == best:
                region.append((float(lexical), float(semantic)))
    centre = np.mean(region, axis=0)
    lexical, semantic = min(region, key=lambda p: (p[0] - centre[0]) ** 2
                            + (p[1] - centre[1]) ** 2)
    return {"lexical": lexical, "semantic": semantic}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.generative.calibrate",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pairs", type=Path)
    parser.add_argument("--max-false", type=int, default=0,
                        help="unsupported sentences the thresholds may accept (default 0)")
    parser.add_argument("--write", action="store_true", help=f"save to {CALIBRATION_PATH}")
    args = parser.parse_args(argv)

    pairs = load_pairs(args.pairs)
    embeddings = load_embeddings(load_settings()["embedding_model"])
    everything = measure(pairs, embeddings.embed_array)
    measured = [m for m, p in zip(everything, pairs, strict=True) if p[3] != ROLE_SWAP]
    swaps = [m[0] for m, p in zip(everything, pairs, strict=True) if p[3] == ROLE_SWAP]
    chosen = choose(measured, args.max_false)
    supported = [s for s, ok in measured if ok]
    unsupported = [s for s, ok in measured if not ok]
    kept = sum(accepts(s, chosen["lexical"], chosen["semantic"]) for s in supported)
    wrongly = sum(accepts(s, chosen["lexical"], chosen["semantic"]) for s in unsupported)
    swapped = sum(accepts(s, chosen["lexical"], chosen["semantic"]) for s in swaps)
    print(f"{len(pairs)} labelled sentences ({len(supported)} supported, {len(swaps)} role "
          f"swaps) from {args.pairs}")
    print(f"lexical >= {chosen['lexical']:.2f} and semantic >= {chosen['semantic']:.2f}: "
          f"accepts {kept} of {len(supported)} supported, {wrongly} of {len(unsupported)} "
          f"unsupported; {swapped} of {len(swaps)} role swaps get through (a known limit)")
    if args.write:
        CALIBRATION_PATH.write_text(json.dumps({
            **chosen, "pairs": args.pairs.name, "supported_accepted": f"{kept}/{len(supported)}",
            "unsupported_accepted": f"{wrongly}/{len(unsupported)}",
            "role_swaps_accepted": f"{swapped}/{len(swaps)}",
            "calibrated_at": time.strftime("%Y-%m-%d"), "max_false": args.max_false,
        }, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {CALIBRATION_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
