"""What kind of answer a question wants, from its wording.

Two cues that similarity alone misses:
- the kind of block: a trainer asking for a "scenario" wants a case study; "what did the
  inspectors recommend" wants a recommendation;
- the type of answer: "how many", "how long", "what time" want a sentence with a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BLOCK_CUES = (
    ("case_study", re.compile(r"\b(scenario|case stud(y|ies)|worked example|real example)", re.I)),
    ("recommendation", re.compile(
        r"\b(recommend\w*|areas? for improvement)\b"
        r"|\b(inspectors?|inspectorate|hmicfrs|hmic|the report)\b.{0,40}"
        r"\b(tell|told|ask|asked|want|wanted|require|required)\b", re.I)),
)
_NUMBER_CUE = re.compile(
    r"\b(how (many|much|long|often|soon|quickly|old)|what (time|times|hours|year|percentage|"
    r"proportion|age|number|ratio)|which year|number of|in total|caseload)\b", re.I)
_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|hundred|half|quarter|percent|weekly|monthly|daily|fortnightly)\b",
    re.I)


@dataclass(frozen=True)
class Intent:
    block_kind: str | None
    wants_number: bool


def detect_intent(question: str) -> Intent:
    block_kind = next((kind for kind, cue in _BLOCK_CUES if cue.search(question)), None)
    return Intent(block_kind=block_kind, wants_number=bool(_NUMBER_CUE.search(question)))


def has_number(text: str) -> bool:
    """Whether a sentence can answer a how-many / how-long / what-time question."""
    return bool(_NUMBER.search(text))
