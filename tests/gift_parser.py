"""A strict reader of the GIFT subset the quiz exporter writes, written from the Moodle spec
independently of the exporter: the tests parse the export back with it.

Every reserved character (``~ = # { } :`` and backslash) is meaningful unless escaped with a
backslash; ``\\n`` is a newline. A question is ``::name::text{answers}``; questions are
separated by blank lines; ``//`` lines are comments and ``$CATEGORY:`` lines set a category.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Chars = list[tuple[str, bool]]  # (character, escaped)


@dataclass
class GiftQuestion:
    name: str
    text: str
    kind: str  # "essay" | "truefalse" | "numerical" | "multichoice"
    options: list[tuple[str, bool, str]] = field(default_factory=list)  # text, correct, feedback
    answer: object = None  # bool for truefalse, float for numerical
    tolerance: float | None = None
    feedback: list[str] = field(default_factory=list)
    general_feedback: str = ""


class GiftSyntaxError(ValueError):
    pass


def parse_gift(text: str) -> list[GiftQuestion]:
    kept = [line for line in text.split("\n")
            if not line.lstrip().startswith("//") and not line.startswith("$CATEGORY:")]
    blocks = re.split(r"\n[ \t]*\n", "\n".join(kept))
    return [_question(_scan(block.strip())) for block in blocks if block.strip()]


def _scan(text: str) -> Chars:
    chars: Chars = []
    i = 0
    while i < len(text):
        if text[i] == "\\":
            if i + 1 == len(text):
                raise GiftSyntaxError("a lone backslash at the end")
            chars.append((text[i + 1], True))
            i += 2
        else:
            chars.append((text[i], False))
            i += 1
    return chars


def _text(chars: Chars) -> str:
    out = []
    for char, escaped in chars:
        if escaped and char == "n":
            out.append("\n")
        elif not escaped and char in "~=#{}:":
            raise GiftSyntaxError(f"unescaped {char!r} in text")
        else:
            out.append(char)
    return "".join(out)


def _find(chars: Chars, target: str, start: int = 0) -> int:
    for i in range(start, len(chars) - len(target) + 1):
        if all(chars[i + k] == (target[k], False) for k in range(len(target))):
            return i
    return -1


def _split(chars: Chars, separator: str) -> list[Chars]:
    parts, current = [], []
    for char in chars:
        if char == (separator, False):
            parts.append(current)
            current = []
        else:
            current.append(char)
    return [*parts, current]


def _strip(chars: Chars) -> Chars:
    while chars and not chars[0][1] and chars[0][0].isspace():
        chars = chars[1:]
    while chars and not chars[-1][1] and chars[-1][0].isspace():
        chars = chars[:-1]
    return chars


def _question(chars: Chars) -> GiftQuestion:
    name = ""
    if _find(chars, "::") == 0:
        end = _find(chars, "::", 2)
        if end < 0:
            raise GiftSyntaxError("an unclosed ::name::")
        name, chars = _text(chars[2:end]), chars[end + 2:]
    opening, closing = _find(chars, "{"), _find(chars, "}")
    if opening < 0 or closing < opening or _find(chars, "}", closing + 1) >= 0:
        raise GiftSyntaxError("a question needs one {answers} block")
    if _strip(chars[closing + 1:]):
        raise GiftSyntaxError("text after the answers is not written by the exporter")
    text, body = _text(_strip(chars[:opening])), _strip(chars[opening + 1:closing])
    general = ""
    marker = _find(body, "####")
    if marker >= 0:
        general, body = _text(body[marker + 4:]).strip(), _strip(body[:marker])
    question = GiftQuestion(name=name, text=text, kind="essay", general_feedback=general)
    if not body:
        return question
    if body[0] == ("#", False):
        return _numerical(question, _strip(body[1:]))
    head = _split(body, "#")
    if "".join(c for c, _ in head[0]).strip() in ("T", "F", "TRUE", "FALSE"):
        question.kind, question.answer = "truefalse", head[0][0][0] == "T"
        question.feedback = [_text(part) for part in head[1:]]
        return question
    return _choices(question, body)


def _numerical(question: GiftQuestion, body: Chars) -> GiftQuestion:
    raw = "".join(c for c, _ in body).strip()
    match = re.fullmatch(r"=?(-?[\d.]+)(?::([\d.]+))?(?:#(.*))?", raw, re.S)
    if not match:
        raise GiftSyntaxError(f"not a numerical answer: {raw!r}")
    question.kind, question.answer = "numerical", float(match.group(1))
    question.tolerance = float(match.group(2) or 0)
    return question


def _choices(question: GiftQuestion, body: Chars) -> GiftQuestion:
    question.kind = "multichoice"
    starts = [i for i, char in enumerate(body) if char in (("=", False), ("~", False))]
    if not starts or _strip(body[:starts[0]]):
        raise GiftSyntaxError("options must start with = or ~")
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(body)
        parts = _split(body[start + 1:end], "#")
        feedback = _text(_strip(parts[1])) if len(parts) > 1 else ""
        question.options.append((_text(_strip(parts[0])), body[start][0] == "=", feedback))
    return question
