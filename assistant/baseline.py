"""The naive peer, measured in the same run: LangChain's tutorial retriever.

1000/200-character recursive splits of each document's raw text, all-MiniLM-L6-v2, an
in-memory Chroma collection, top 5, and "the answer is the top passage" (it never abstains).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from chromadb.api import ClientAPI
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_text_splitters import RecursiveCharacterTextSplitter
from pydantic import ConfigDict

from assistant.embeddings import SentenceTransformerEmbeddings
from indexer.manifest import load_manifest
from indexer.store import add_records, create_collection

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 5


class BaselineRetriever(BaseRetriever):
    """Top-k cosine over fixed-size character chunks; no hybrid, no structure."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    collection: object
    embeddings: SentenceTransformerEmbeddings
    k: int = TOP_K

    @classmethod
    def build(cls, corpus_dir: Path, embeddings: SentenceTransformerEmbeddings,
              client: ClientAPI) -> BaselineRetriever:
        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE,
                                                  chunk_overlap=CHUNK_OVERLAP)
        manifest = load_manifest(corpus_dir / "manifest.yaml")
        chunks = [
            piece
            for entry in manifest.entries
            if entry.indexable and entry.path.exists() and entry.path.suffix == ".md"
            for piece in splitter.split_text(entry.path.read_text(encoding="utf-8"))
        ]
        collection = create_collection(client, f"baseline-{uuid.uuid4().hex[:8]}")
        add_records(collection, [str(i) for i in range(len(chunks))],
                    embeddings.embed_array(chunks), chunks, [{"i": i} for i in range(len(chunks))])
        return cls(collection=collection, embeddings=embeddings)

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        result = self.collection.query(query_embeddings=[self.embeddings.embed_query(query)],
                                       n_results=self.k, include=["documents"])
        return [Document(page_content=text) for text in result["documents"][0]]
