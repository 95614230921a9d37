"""The grounded-answer prompt: a versioned file in ``prompts/``, passages as untrusted data.

A prompt file starts with ``version: <label>``, then a ``## system`` and a ``## user``
section. The version travels with every generative answer (``gate.prompt_version``), so an
answer can be traced to the exact wording that produced it. Passages are numbered and
wrapped in markers the model is told to treat as data; a passage cannot forge a marker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from assistant.settings import REPO_ROOT

PROMPTS_DIR = REPO_ROOT / "prompts"
GROUNDED_ANSWER_PROMPT = "grounded_answer"
_VERSION = re.compile(r"^version:\s*(\S+)\s*$")
_SECTION = re.compile(r"^## (system|user)\s*$", re.MULTILINE)
_MARKER = re.compile(r"<<<|>>>")


class PromptFileError(ValueError):
    """A prompt file without its version line or its sections."""


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    system: str
    user: str

    def messages(self, question: str, passages: list[Document],
                 system_role: bool = True) -> list[BaseMessage]:
        """The chat messages for one question; ``question`` must already be redacted.

        ``system_role=False`` puts the rules at the top of the user message, for models
        whose chat template has no system turn (Gemma's drops it), as Gemma's own does.
        """
        user = self.user.replace("{passages}", format_passages(passages))
        user = user.replace("{question}", question)
        if not system_role:
            return [HumanMessage(f"{self.system}\n\n{user}")]
        return [SystemMessage(self.system), HumanMessage(user)]


def load_prompt(name: str = GROUNDED_ANSWER_PROMPT, folder: Path = PROMPTS_DIR) -> Prompt:
    path = folder / f"{name}.md"
    text = path.read_text(encoding="utf-8")
    first, _, rest = text.partition("\n")
    version = _VERSION.match(first)
    if not version:
        raise PromptFileError(f"{path}: line 1 must be 'version: <label>', got {first!r}")
    parts = _SECTION.split(rest)
    sections = dict(zip(parts[1::2], (p.strip() for p in parts[2::2]), strict=True))
    for needed in ("system", "user"):
        if not sections.get(needed):
            raise PromptFileError(f"{path}: missing or empty '## {needed}' section")
    if "{passages}" not in sections["user"] or "{question}" not in sections["user"]:
        raise PromptFileError(f"{path}: the user section needs {{passages}} and {{question}}")
    return Prompt(name, version.group(1), sections["system"], sections["user"])


def format_passages(passages: list[Document]) -> str:
    """``<<<PASSAGE n>>> … <<<END PASSAGE n>>>`` blocks; markers inside a text are defused."""
    blocks = []
    for n, passage in enumerate(passages, start=1):
        meta = passage.metadata
        source = " › ".join(s for s in (meta.get("title"), meta.get("section")) if s)
        text = _MARKER.sub("", passage.page_content).strip()
        blocks.append(f"<<<PASSAGE {n}>>>\nSource: {_MARKER.sub('', source)}\n{text}\n"
                      f"<<<END PASSAGE {n}>>>")
    return "\n\n".join(blocks)
