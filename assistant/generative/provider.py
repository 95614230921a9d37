"""Which chat model answers, chosen by settings; and whether it may live off this machine.

``llm_provider = none`` (the default) means no model: answers stay extractive. ``openai``
means any OpenAI-compatible chat endpoint through LangChain's ``ChatOpenAI``: llama.cpp's
own server (``python -m llama_cpp.server``), vLLM, Ollama, or Azure OpenAI's v1 endpoint.
An endpoint whose host is not a loopback address counts as external and is refused unless
``allow_external_models`` is set: questions may describe children, and the force decides
whether any text leaves the machine. (A model server on another host of the force's own
network is external too: the setting is the deliberate, documented switch for it.)
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from langchain_core.language_models import BaseChatModel

PROVIDERS = ("none", "openai")
LOCAL_HOSTNAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
NO_KEY = "not-needed"  # local servers take no key, but the OpenAI client requires one


class ModelSettingsError(ValueError):
    """The model settings are incomplete, unknown, or name an endpoint that is not allowed."""


def is_local_url(url: str) -> bool:
    """Whether ``url``'s host is this machine: ``localhost`` or a loopback address."""
    host = (urlparse(url).hostname or "").lower()
    if host in LOCAL_HOSTNAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def chat_model(settings: Mapping[str, Any]) -> BaseChatModel | None:
    """The configured chat model, or None for the extractive-only default."""
    provider = str(settings["llm_provider"]).strip().lower() or "none"
    if provider not in PROVIDERS:
        raise ModelSettingsError(f"SAFEGUIDE_LLM_PROVIDER must be one of {', '.join(PROVIDERS)}"
                                 f", got {provider!r}")
    if provider == "none":
        return None
    base_url, model = str(settings["llm_base_url"]).strip(), str(settings["llm_model"]).strip()
    if not base_url or not model:
        raise ModelSettingsError("llm_provider = openai needs SAFEGUIDE_LLM_BASE_URL and "
                                 "SAFEGUIDE_LLM_MODEL")
    if not is_local_url(base_url) and not settings["allow_external_models"]:
        raise ModelSettingsError(
            f"the model endpoint {urlparse(base_url).hostname!r} is not on this machine; set "
            "SAFEGUIDE_ALLOW_EXTERNAL_MODELS=true to allow it (questions are redacted first)")
    from langchain_openai import ChatOpenAI  # only deployments with a model pay the import

    key = os.environ.get(str(settings["llm_api_key_env"]), "") or NO_KEY
    max_tokens = int(settings["llm_max_tokens"])
    # ChatOpenAI sends the limit as ``max_completion_tokens``; llama.cpp's Python server
    # ignores that name and would write until its context is full, so send both.
    return ChatOpenAI(model=model, base_url=base_url, api_key=key, temperature=0,
                      max_tokens=max_tokens, extra_body={"max_tokens": max_tokens},
                      timeout=float(settings["llm_timeout"]), max_retries=0)
