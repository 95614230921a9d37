"""Every setting in one table: name, default and a one-line help.

Layering (as in Flask's tutorial and Datasette): defaults, then environment variables
``SAFEGUIDE_<NAME>``, then explicit overrides (tests, the app factory). The README documents
each row, and a test checks that it does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "SAFEGUIDE_"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("corpus_dir", str(REPO_ROOT / "corpus"), "Folder holding manifest.yaml and documents."),
    Setting("instance_dir", str(REPO_ROOT / "instance"), "Folder for the index and local state."),
    Setting(
        "embedding_model",
        "",
        "sentence-transformers model path or name; empty = the packaged all-MiniLM-L6-v2.",
    ),
    Setting("chroma_host", "", "Chroma server host; empty = embedded store under instance_dir."),
    Setting("chroma_port", 8000, "Chroma server port (with chroma_host)."),
    Setting("chroma_ssl", False, "Connect to the Chroma server over HTTPS (with chroma_host)."),
    Setting(
        "chroma_auth_header",
        "",
        "Header sent to the Chroma server, 'Name: value' (e.g. 'Authorization: Bearer T' "
        "or 'X-Chroma-Token: T'); empty = none.",
    ),
    Setting("max_question_chars", 1000, "Longest question accepted, in characters."),
    Setting("top_k", 5, "Passages returned by retrieval."),
    Setting("database_url", "",
            "SQLAlchemy URL of the users/audit database; empty = DATABASE_URL, else SQLite "
            "instance_dir/safeguide.db."),
    Setting("audit_retention_days", 365, "Audit rows older than this are purged."),
    Setting("lockout_attempts", 5, "Failed sign-ins in a row that lock an account."),
    Setting("lockout_minutes", 15, "How long a locked account stays locked."),
    Setting("llm_provider", "none",
            "Answer mode: 'none' = grounded extractive answers only; 'openai' = a chat model "
            "at an OpenAI-compatible endpoint (llama.cpp server, vLLM, Ollama, Azure OpenAI), "
            "its answer shown only through the grounding gate."),
    Setting("llm_base_url", "", "Base URL of the OpenAI-compatible endpoint, e.g. "
            "'http://127.0.0.1:8080/v1' (with llm_provider = openai)."),
    Setting("llm_model", "", "Model name sent to the endpoint (with llm_provider = openai)."),
    Setting("llm_api_key_env", "SAFEGUIDE_LLM_API_KEY",
            "Name of the environment variable holding the endpoint's API key (never the key)."),
    Setting("llm_system_role", True,
            "Send the prompt's rules as a system message; false = at the top of the user "
            "message (models without a system turn, e.g. Gemma)."),
    Setting("llm_max_tokens", 256, "Most tokens the model may write per answer."),
    Setting("llm_timeout", 60, "Seconds before a model call is abandoned (extractive answer)."),
    Setting("allow_external_models", False,
            "Allow a model endpoint that is not on this machine (loopback); questions are "
            "always redacted of personal data before they reach a model."),
)

def load_settings(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Resolve every core setting (see :func:`resolve`)."""
    return resolve(SETTINGS, overrides)


def resolve(table: tuple[Setting, ...],
            overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Resolve a settings table: default, then ``SAFEGUIDE_*`` environment, then ``overrides``.

    Environment values are converted to the default's type so ``SAFEGUIDE_TOP_K=8`` is an int.
    Unknown override names are an error: a typo must not silently fall back to a default.
    """
    known = {s.name for s in table}
    resolved: dict[str, Any] = {}
    for setting in table:
        raw = os.environ.get(ENV_PREFIX + setting.name.upper())
        resolved[setting.name] = setting.default if raw is None else _coerce(setting, raw)
    for name, value in (overrides or {}).items():
        if name not in known:
            raise KeyError(f"unknown setting {name!r}")
        resolved[name] = value
    return resolved


def _coerce(setting: Setting, raw: str) -> Any:
    if isinstance(setting.default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(setting.default, int):
        try:
            return int(raw)
        except ValueError as exc:
            env = ENV_PREFIX + setting.name.upper()
            raise ValueError(f"{env} must be a whole number, got {raw!r}") from exc
    return raw


def index_dir(settings: Mapping[str, Any]) -> Path:
    """Where the built index (Chroma store, lexical index, parsed documents) lives."""
    return Path(settings["instance_dir"]) / "index"
