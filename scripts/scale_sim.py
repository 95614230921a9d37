"""Scale simulation: how build time, store size, memory and query latency grow with the corpus.

What it does, per size N (``--sizes 10000`` by default; e.g. ``--sizes 10000,30000``):

1. **Synthetic corpus.** Takes the real sentences and section titles of the shipped corpus
   (parsed and chunked as the indexer does) and writes N passages of 200-400 characters,
   one per section, 100 sections per Markdown document: 2-4 sentences drawn from anywhere
   in the corpus (so across sections and documents) in shuffled order, numbers changed
   (a year to another year, a count to one of similar size) and words swapped for
   synonyms of the field ("officers" <-> "constables", "social care" <-> "children's
   services", ...). Deterministic for a given ``--seed``.
2. **Build** it with the real ``IndexBuilder`` (parse, chunk, embed every passage and every
   sentence, BM25, Chroma) into an embedded Chroma under a temporary folder. Embedding time
   is measured separately from the rest of the build.
3. **Load** it as a gunicorn worker does (``Assistant.from_settings``: ``LoadedIndex.load``
   reads every passage's text, metadata and vector from Chroma and every unit vector from
   disk into memory), then ask ``--queries`` questions (each made unique so no answer comes
   from the query-embedding cache), and time the whole answer and its parts: the dense
   Chroma query, the scan of every sentence vector (``SentenceRetriever``) and BM25.
4. With ``--server``: the same corpus built again into a Chroma server started from the
   installed package (``chroma run`` on a loopback port), reusing the vectors of step 2 (so
   its build time is the build without embedding), then loaded and queried the same way.

It prints one table row per size and store: passages, units (sentences and list items),
build and embedding time, store size on disk (Chroma, and the build folder with the BM25
index and unit vectors), load time, the memory the loaded index adds to a worker, and
p50/p95 of each timing.

``--fast-vectors`` replaces the model with hashed random projections of the words (no
model, seconds instead of minutes): storage, memory and query costs are those of real
384-dimension vectors, but answers are meaningless and embedding time is not measured.
Use it to see 100k passages on a 2-core machine, where the real model would need most of
an hour just to embed (the script says how long, from the rate it measured, and skips a
size that would not fit in ``--budget-seconds``).

Bounded: sizes are skipped when the projected time exceeds the budget; every temporary
folder is removed (unless ``--keep``) and the Chroma server is always stopped. Not part of
the test suite.

    python scripts/scale_sim.py [--sizes 10000[,30000,...]] [--seed 7] [--queries 100]
                                [--server] [--fast-vectors] [--budget-seconds 1800] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import numpy as np  # noqa: E402
import yaml  # noqa: E402

from assistant.embeddings import load_embeddings  # noqa: E402
from assistant.metrics import percentile  # noqa: E402
from assistant.pipeline import Assistant  # noqa: E402
from assistant.retrieval import CANDIDATES  # noqa: E402
from assistant.settings import REPO_ROOT, index_dir, load_settings  # noqa: E402
from indexer.build import IndexBuilder  # noqa: E402
from indexer.chunker import chunk_document  # noqa: E402
from indexer.lexical import tokenize  # noqa: E402
from indexer.manifest import load_manifest  # noqa: E402
from indexer.parsers import parse_file  # noqa: E402
from scripts.servers import ChromaServer  # noqa: E402

SECTIONS_PER_DOCUMENT = 100
PASSAGE_CHARS = (200, 400)
UNITS_PER_PASSAGE_GUESS = 3.6  # sentences per synthetic passage, plus its chunk: for estimates
AREAS = ("North", "South", "East", "West", "Central", "City", "Rural", "Coastal", "Borough")
SYNONYMS = (
    ("officers", "constables"), ("child", "young person"), ("force", "constabulary"),
    ("social care", "children's services"), ("recorded", "logged"), ("referral", "notification"),
    ("custody", "detention"), ("inspectors", "reviewers"), ("partners", "agencies"),
    ("improve", "strengthen"), ("quickly", "promptly"), ("supervisors", "sergeants"),
    ("vulnerable", "at-risk"), ("exploitation", "abuse"), ("assessment", "evaluation"),
)
# Written for this script (not from any evaluation set): what officers ask.
QUESTIONS = (
    "How long can a child stay in police protection?",
    "Who must be told when a child is taken into police protection?",
    "What should officers record when they refer a child to social care?",
    "How quickly are strategy discussions held after a referral?",
    "Are return home interviews done when a missing child is found?",
    "When does the council have to accommodate a child charged with an offence?",
    "How long do children in custody wait for an appropriate adult?",
    "Do supervisors check the quality of child protection investigations?",
    "What training do officers get on child criminal exploitation?",
    "How are online child sexual abuse referrals prioritised?",
    "What is the fine for parking on a double yellow line?",
    "Can a designated officer let a child go home from police protection?",
)


# --- the synthetic corpus -------------------------------------------------------------------


def real_material() -> tuple[list[str], list[str]]:
    """The shipped corpus's sentences (40-260 characters) and section titles."""
    manifest = load_manifest(REPO_ROOT / "corpus" / "manifest.yaml")
    sentences: list[str] = []
    titles: set[str] = set()
    for entry in manifest.entries:
        if not entry.indexable or not entry.path.exists():
            continue
        chunked = chunk_document(entry.id, parse_file(entry.path), entry.exclude_sections)
        for chunk in chunked.chunks:
            if chunk.section_path and len(chunk.section_path[-1]) <= 80:
                titles.add(chunk.section_path[-1])
            for unit in chunk.units:
                text = " ".join(chunked.text[unit.start:unit.end].split())
                if unit.kind == "sentence" and 40 <= len(text) <= 260 and text[-1] in ".?!":
                    sentences.append(text)
    return sentences, sorted(titles)


def change_numbers(text: str, rng: random.Random) -> str:
    def replace(match: re.Match[str]) -> str:
        value = int(match.group().replace(",", ""))
        if 1990 <= value <= 2030:
            return str(rng.randint(2012, 2025))
        low, high = max(1, value // 2), max(2, value * 2)
        return f"{rng.randint(low, high):,}" if value >= 1000 else str(rng.randint(low, high))

    return re.sub(r"\b\d{1,3}(?:,\d{3})+\b|\b\d+\b", replace, text)


def swap_synonyms(text: str, rng: random.Random) -> str:
    for a, b in SYNONYMS:
        for old, new in ((a, b), (b, a)):
            if rng.random() < 0.5:
                text = re.sub(rf"\b{re.escape(old)}\b", new, text)
    return text


def synthetic_passage(sentences: list[str], rng: random.Random) -> str:
    picked: list[str] = []
    while len(picked) < 4 and sum(len(s) + 1 for s in picked) < PASSAGE_CHARS[0]:
        candidate = sentences[rng.randrange(len(sentences))]
        if sum(len(s) + 1 for s in picked) + len(candidate) <= PASSAGE_CHARS[1]:
            picked.append(candidate)
    rng.shuffle(picked)
    return swap_synonyms(change_numbers(" ".join(picked), rng), rng)


def write_corpus(root: Path, passages: int, seed: int) -> dict[str, Any]:
    """Write ``passages`` synthetic passages under ``root/corpus``; settings for it."""
    sentences, titles = real_material()
    rng = random.Random(seed)
    corpus = root / "corpus"
    (corpus / "documents").mkdir(parents=True)
    entries = []
    for number in range((passages + SECTIONS_PER_DOCUMENT - 1) // SECTIONS_PER_DOCUMENT):
        doc_id = f"synthetic-{number:05d}"
        count = min(SECTIONS_PER_DOCUMENT, passages - number * SECTIONS_PER_DOCUMENT)
        parts = [f"# Synthetic force procedure {number}\n"]
        for section in range(count):
            title = f"{rng.choice(titles)} ({rng.choice(AREAS)} {section + 1})"
            parts.append(f"## {title}\n\n{synthetic_passage(sentences, rng)}\n")
        (corpus / "documents" / f"{doc_id}.md").write_text("\n".join(parts), encoding="utf-8")
        entries.append({
            "id": doc_id, "title": f"Synthetic Force Procedure {number}",
            "kind": "local-procedure", "publisher": "Synthetic Constabulary", "edition": "1",
            "published": "2025-01", "status": "current", "superseded_by": None,
            "licence": "Open Government Licence v3.0",
            "source_url": f"https://example.org/{doc_id}", "audiences": ["officer"],
            "path": f"documents/{doc_id}.md", "supplied_by_deployment": False,
            "exclude_sections": [],
        })
    (corpus / "manifest.yaml").write_text(yaml.safe_dump({"documents": entries},
                                                         sort_keys=False), encoding="utf-8")
    return {"corpus_dir": str(corpus)}


# --- embeddings -------------------------------------------------------------------------------


class TimedEmbeddings:
    """Wraps an embedder: times it, and remembers vectors so a second build re-embeds nothing."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.texts = 0
        self.memory: dict[str, np.ndarray] = {}

    def embed_array(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.memory]
        if missing:
            started = time.perf_counter()
            vectors = self.inner.embed_array(missing)
            self.seconds += time.perf_counter() - started
            self.texts += len(missing)
            self.memory.update(zip(missing, vectors, strict=True))
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.vstack([self.memory[t] for t in texts]).astype(np.float32)


class HashedEmbeddings:
    """Stand-in for the model (``--fast-vectors``): each word hashed to a fixed random
    direction, summed and normalised. Real storage and query costs; meaningless answers."""

    dimension = 384

    def __init__(self, seed: int, table_size: int = 1 << 15) -> None:
        generator = np.random.default_rng(seed)
        self.table = generator.standard_normal((table_size, self.dimension)).astype(np.float32)

    def embed_array(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            words = re.findall(r"[a-z0-9]+", text.lower()) or ["empty"]
            rows = [zlib.crc32(w.encode()) % len(self.table) for w in words]
            vector = self.table[rows].sum(axis=0)
            out[row] = vector / (np.linalg.norm(vector) or 1.0)
        return out


# --- measuring --------------------------------------------------------------------------------


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def folder_mb(path: Path) -> float:
    if not path.exists():
        return 0.0
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


@dataclass
class Row:
    passages: int
    store: str
    units: int = 0
    build_s: float = 0.0
    embed_s: float | None = None
    chroma_mb: float = 0.0
    build_folder_mb: float = 0.0
    load_s: float = 0.0
    first_ask_s: float = 0.0
    memory_mb: float = 0.0
    arrays_mb: float = 0.0
    timings: dict[str, list[float]] = field(default_factory=dict)

    def p(self, name: str) -> str:
        values = self.timings.get(name, [])
        if not values:
            return "-"
        return f"{percentile(values, 50):.1f} / {percentile(values, 95):.1f}"


def measure(settings: dict[str, Any], row: Row, queries: int) -> None:
    """Load the index as a worker does, then time ``queries`` questions and their parts."""
    before = rss_mb()
    started = time.perf_counter()
    assistant = Assistant.from_settings(settings)
    row.load_s = time.perf_counter() - started
    index = assistant.index
    row.units = len(index.units)
    started = time.perf_counter()
    assistant.ask(QUESTIONS[0] + " (warm-up)")  # builds the lazy caches (sections, units)
    row.first_ask_s = time.perf_counter() - started
    row.memory_mb = rss_mb() - before
    row.arrays_mb = (index.chunk_vectors.nbytes * 3 + index.unit_vectors.nbytes
                     + sum(len(t) for t in index.texts)) / 1e6  # + two section-centroid copies
    timings: dict[str, list[float]] = {"ask": [], "retrieve": [], "compose": [], "dense": [],
                                       "units": [], "bm25": []}
    for serial in range(queries):
        question = f"{QUESTIONS[serial % len(QUESTIONS)]} (ref {1000 + serial})"
        started = time.perf_counter()
        answer = assistant.ask(question)
        timings["ask"].append((time.perf_counter() - started) * 1000)
        timings["retrieve"].append(answer.timings.get("retrieve_ms", 0.0))
        timings["compose"].append(answer.timings.get("compose_ms", 0.0))
        vector = assistant.vectors.vector(question)
        started = time.perf_counter()
        index.collection.query(query_embeddings=[vector.tolist()],
                               n_results=min(CANDIDATES, len(index.chunk_ids)),
                               include=["distances"])
        timings["dense"].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        best = np.full(len(index.chunk_ids), -1.0, dtype=np.float32)
        np.maximum.at(best, index.unit_chunk_rows, index.unit_vectors @ vector)
        timings["units"].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        index.lexical.scores(tokenize(question))
        timings["bm25"].append((time.perf_counter() - started) * 1000)
    row.timings = timings
    del assistant, index


# --- the run --------------------------------------------------------------------------------------


def build(settings: dict[str, Any], embedder: TimedEmbeddings, row: Row) -> None:
    embed_before = embedder.seconds
    started = time.perf_counter()
    report = IndexBuilder(settings, index_dir(settings), progress=False,
                          embeddings=embedder).build()
    row.build_s = time.perf_counter() - started
    row.embed_s = embedder.seconds - embed_before
    if report.failed:
        raise SystemExit("the synthetic build failed:\n" + report.summary())
    folder = index_dir(settings)
    row.build_folder_mb = folder_mb(folder / "builds")
    row.chroma_mb = folder_mb(folder / "chroma")
    print(f"  built {report.chunks} chunks in {row.build_s:.1f} s "
          f"(embedding {row.embed_s:.1f} s)", flush=True)


def simulate(size: int, args: argparse.Namespace, embedder: TimedEmbeddings,
             work: Path) -> list[Row]:
    root = work / f"n{size}"
    print(f"\n== {size:,} passages: writing the synthetic corpus", flush=True)
    started = time.perf_counter()
    corpus = write_corpus(root, size, args.seed)
    print(f"  corpus written in {time.perf_counter() - started:.1f} s", flush=True)
    rows = []
    settings = load_settings({**corpus, "instance_dir": str(root / "embedded")})
    row = Row(size, "embedded")
    build(settings, embedder, row)
    measure(settings, row, args.queries)
    rows.append(row)
    print_rows([row])
    if args.server:
        with ChromaServer(root / "chroma-server", root / "chroma-server.log") as server:
            settings = load_settings({**corpus, "instance_dir": str(root / "served"),
                                      "chroma_host": "127.0.0.1", "chroma_port": server.port})
            row = Row(size, "Chroma server")
            build(settings, embedder, row)  # the vectors of the first build: no re-embedding
            row.embed_s = None
            row.chroma_mb = folder_mb(root / "chroma-server")
            measure(settings, row, args.queries)
            rows.append(row)
            print_rows([row])
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return rows


def print_rows(rows: list[Row]) -> None:
    print("| passages | store | units | build s (embedding s) | Chroma MB | build folder MB "
          "| load s | first answer s | memory +MB (arrays MB) | answer p50 / p95 ms "
          "| retrieval | composing | dense query | unit scan | BM25 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        embed = "reused" if r.embed_s is None else f"{r.embed_s:.0f}"
        print(f"| {r.passages:,} | {r.store} | {r.units:,} | {r.build_s:.0f} ({embed}) "
              f"| {r.chroma_mb:.0f} | {r.build_folder_mb:.0f} | {r.load_s:.1f} "
              f"| {r.first_ask_s:.1f} | {r.memory_mb:.0f} ({r.arrays_mb:.0f}) | {r.p('ask')} "
              f"| {r.p('retrieve')} | {r.p('compose')} | {r.p('dense')} | {r.p('units')} "
              f"| {r.p('bm25')} |", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000",
                        help="comma-separated passage counts (default 10000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--server", action="store_true", help="also via a Chroma server")
    parser.add_argument("--fast-vectors", action="store_true",
                        help="hashed word vectors instead of the model (cost, not quality)")
    parser.add_argument("--budget-seconds", type=float, default=1800.0)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]

    model = load_embeddings("")  # the query side always uses the real model
    inner: Any = HashedEmbeddings(args.seed) if args.fast_vectors else model
    if not args.fast_vectors:
        sample = [f"Officers must record the reasons for the referral ({n})." for n in range(256)]
        model.embed_array(sample[:32])  # the first call starts torch's thread pool
        started = time.perf_counter()
        model.embed_array(sample)
        rate = len(sample) / (time.perf_counter() - started)
        print(f"model embeds about {rate:.0f} short texts/s here; a build embeds about "
              f"{UNITS_PER_PASSAGE_GUESS + 1:.1f} texts per passage, so 100,000 passages need "
              f"about {100_000 * (UNITS_PER_PASSAGE_GUESS + 1) / rate / 60:.0f} min of "
              f"embedding alone", flush=True)
    deadline = time.monotonic() + args.budget_seconds
    embedder = TimedEmbeddings(inner)
    rows: list[Row] = []
    work = Path(tempfile.mkdtemp(prefix="safeguide-scale-"))
    try:
        for size in sizes:
            if not args.fast_vectors:
                projected = size * (UNITS_PER_PASSAGE_GUESS + 1) / rate * 1.3
                if time.monotonic() + projected > deadline:
                    print(f"\n== {size:,} passages: skipped, about {projected / 60:.0f} min of "
                          f"embedding would pass --budget-seconds (try --fast-vectors)")
                    continue
            rows += simulate(size, args, embedder, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")
    print(f"\nsummary ({'hashed vectors' if args.fast_vectors else 'real model'}, "
          f"{os.cpu_count()} cores, seed {args.seed}, {args.queries} questions):")
    print_rows(rows)
    if embedder.texts and not args.fast_vectors:
        rate = embedder.texts / embedder.seconds
        per_passage = embedder.texts / sum(r.passages for r in rows if r.embed_s is not None)
        print(f"embedding in the builds: {embedder.texts:,} texts in {embedder.seconds:.0f} s "
              f"({rate:.0f} texts/s, {per_passage:.1f} texts per passage): 100,000 passages "
              f"would need about {100_000 * per_passage / rate / 60:.0f} min of embedding")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
