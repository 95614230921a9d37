"""Numbers in the report's sentences: find the one a fact item asks about, and change it.

A fact is a sentence with a count, a time limit, a ratio or a percentage ("97 percent",
"a 12-hour delay", "within six months", "72 hours"); years and section numbers are not facts
to test ("Children Act 1989", "section 47").
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_WORD_OF = {v: k for k, v in WORDS.items()}
_TOKEN = re.compile(r"(?<![\w.£$/-])(\d+(?:\.\d+)?(?![\w.,]?\d|[a-z/])|(?:"
                    + "|".join(WORDS) + r")\b)(?=(\s*(percent|%))?)", re.IGNORECASE)
_NOT_A_FACT_BEFORE = re.compile(r"(section|s\.?|paragraph|para|annex|chapter|part|"
                                r"recommendation|aged?|phase|tier|level|article)\s*$",
                                re.IGNORECASE)

_NOT_A_FACT_AFTER = re.compile(r"[- ](year|month|week)s?-old|\s+forms?\b", re.IGNORECASE)


@dataclass(frozen=True)
class NumberToken:
    """One number in a sentence: its span, value and whether it is a percentage."""

    start: int
    end: int
    value: float
    percent: bool
    word: bool

    def render(self, value: float) -> str:
        """``value`` written as this token was (a word stays a word when it can)."""
        number = int(value) if float(value).is_integer() else value
        if self.word and number in _WORD_OF:
            return _WORD_OF[number]
        return str(number)


def fact_number(sentence: str) -> NumberToken | None:
    """The first testable number in ``sentence``, or None."""
    for match in _TOKEN.finditer(sentence):
        raw = match.group(1)
        word = raw.lower() in WORDS
        value = float(WORDS[raw.lower()]) if word else float(raw)
        if not word and 1900 <= value <= 2099 and value.is_integer():
            continue  # a year
        if _NOT_A_FACT_BEFORE.search(sentence[:match.start()]) or _NOT_A_FACT_AFTER.match(
                sentence[match.end():]):
            continue
        if word and raw.lower() == "one" and not re.match(r"\s+(of|in)\b",
                                                          sentence[match.end():]):
            continue  # "one" is mostly a pronoun or article, not a count
        return NumberToken(match.start(1), match.end(1), value, bool(match.group(2)), word)
    return None


def false_value(token: NumberToken, rng: random.Random) -> float:
    """A different, plausible value for a false statement (never the true one)."""
    value = token.value
    if token.percent:
        choices = [v for v in range(5, 100, 5) if abs(v - value) >= 10]
    elif value <= 12:
        # never 1: "one cases" would give a false statement away by its grammar
        choices = [v for v in range(2, 25) if v != value and abs(v - value) <= max(6, value)]
    else:
        step = max(1, round(value / 4))
        choices = [value + d * step for d in (-3, -2, -1, 1, 2, 3) if value + d * step > 0]
    return float(rng.choice(choices))


def replace(sentence: str, token: NumberToken, text: str) -> str:
    return sentence[:token.start] + text + sentence[token.end:]
