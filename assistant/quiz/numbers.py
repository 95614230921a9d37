"""Numbers in the report's sentences: find the one a fact item asks about, and change it.

A fact is a sentence with a count, a time limit, a ratio or a percentage ("97 percent",
"a 12-hour delay", "within six months", "72 hours"); years and section numbers are not facts
to test ("Children Act 1989", "section 47").
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

# No "one": it is mostly a pronoun or an article ("one of its concerns"), rarely a count.
WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
         "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_WORD_OF = {v: k for k, v in WORDS.items()}
# Digits (1,463 with its thousands comma) not inside a range, ratio, date, time, reference
# or subsection number: "20–85", "50:1", "24/7", "6.00am", "(2)", "46(6)" are not facts.
_DIGITS = (r"(?<![\w.,£$/(–:-])(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
           r"(?!\d|[.,:]\d|[a-z/:–()])")
_TOKEN = re.compile(r"(" + _DIGITS + r"|\b(?:" + "|".join(WORDS) + r")\b)"
                    r"(?=(\s*(percent|%))?)", re.IGNORECASE)
_NOT_A_FACT_BEFORE = re.compile(r"\b(section|s\.?|paragraph|para|annex|chapter|part|"
                                r"recommendation|aged?|phase|tier|level|article)\s*$",
                                re.IGNORECASE)
_NOT_A_FACT_AFTER = re.compile(
    r"[- ](year|month|week)s?-old|\s+forms?\b|\s+(or|to)\s+(\d|" + "|".join(WORDS) + r")\b",
    re.IGNORECASE)


@dataclass(frozen=True)
class NumberToken:
    """One number in a sentence: its span, value and whether it is a percentage."""

    start: int
    end: int
    value: float
    percent: bool
    word: bool
    grouped: bool = False  # written with a thousands comma ("1,463")

    def render(self, value: float) -> str:
        """``value`` written as this token was (a word stays a word when it can)."""
        number = int(value) if float(value).is_integer() else value
        if self.word and number in _WORD_OF:
            return _WORD_OF[number]
        return f"{number:,}" if self.grouped else str(number)


def fact_number(sentence: str) -> NumberToken | None:
    """The first testable number in ``sentence``, or None."""
    for match in _TOKEN.finditer(sentence):
        raw = match.group(1)
        word = raw.lower() in WORDS
        value = float(WORDS[raw.lower()]) if word else float(raw.replace(",", ""))
        if not word and 1900 <= value <= 2099 and value.is_integer():
            continue  # a year
        if _NOT_A_FACT_BEFORE.search(sentence[:match.start()]) or _NOT_A_FACT_AFTER.match(
                sentence[match.end():]):
            continue
        return NumberToken(match.start(1), match.end(1), value, bool(match.group(2)), word,
                           grouped="," in raw)
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
