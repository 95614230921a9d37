"""Optional generative answers: a chat model whose every sentence passes a grounding gate.

``provider`` picks the model from settings, ``prompt`` loads the versioned prompt file,
``gate`` judges each sentence against the passages, ``chain`` combines them with a fallback
to the extractive answer. Nothing here runs unless ``llm_provider`` is set.
"""
