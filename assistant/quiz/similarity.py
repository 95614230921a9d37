"""When two texts say the same thing: a distractor must never be the answer in other words.

Three tests, any one enough: the same words after normalising (or one inside the other),
a high token-set overlap (rapidfuzz: the same words in another order, or with a few added),
or a high cosine between their sentence vectors (a paraphrase with other words).
"""

from __future__ import annotations

import re

import numpy as np
from rapidfuzz import fuzz

TOKEN_SET_LIMIT = 75.0  # rapidfuzz token_set_ratio, 0-100
COSINE_LIMIT = 0.80


def normalise(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def near_duplicate(a: str, b: str, vector_a: np.ndarray | None = None,
                   vector_b: np.ndarray | None = None) -> bool:
    """Whether ``a`` and ``b`` are the same statement (equal, contained, reworded)."""
    na, nb = normalise(a), normalise(b)
    if not na or not nb or na == nb or na in nb or nb in na:
        return True
    if fuzz.token_set_ratio(na, nb) >= TOKEN_SET_LIMIT:
        return True
    if vector_a is None or vector_b is None:
        return False
    return float(vector_a @ vector_b) >= COSINE_LIMIT
