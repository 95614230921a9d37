"""Benchmark the indexer on the shipped corpus: what a rebuild and a no-op re-index cost.

What it measures, in a temporary instance folder (the real ``instance/`` is never touched):

(a) full rebuild: a build into an empty index, in this process, timed from loading the
    embedding model (its cache cleared first) to the new build being current. This is the
    cost of a first deployment, a ``--force`` rebuild, or a model or chunker change.
(b) no-op re-index: ``python -m indexer build --quiet`` run as a separate process with
    ``SAFEGUIDE_INSTANCE_DIR`` pointing at the built index, exactly what ``make index`` runs
    before every ``make run``. It must find the index up to date; the time is mostly imports
    and reading the store, and it is what an operator waits for on every start.
(c) embedding throughput: chunks per second over the time spent inside the model during the
    full rebuild (the build also embeds every sentence and list item; texts/s counts those).
(d) peak RSS: the largest resident set of the build process (``ru_maxrss``), in MiB; memory
    is what decides the size of the machine the product needs. (Not measured for the no-op
    process: a child's ``ru_maxrss`` starts from its parent's high-water mark at fork/exec.)

Each figure is the median of ``--repeat`` runs (default 3), with min and max: the machine
may be shared, and the spread shows how much. Only the first rebuild pays for importing torch
and sentence-transformers, so it is also shown on its own. Why measure at all: the indexer
promises that restarts are cheap and rebuilds are bounded; these numbers show whether that
still holds after a change to the parser, chunker or model.

Usage: python scripts/bench_index.py [--repeat N] [--corpus DIR] [--keep]
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import argparse  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from assistant import embeddings as embeddings_module  # noqa: E402
from assistant.settings import index_dir, load_settings  # noqa: E402
from indexer.build import IndexBuilder  # noqa: E402


class EmbeddingTimer:
    """Counts texts and seconds spent in ``embed_array`` while installed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.texts = 0
        self._original = embeddings_module.SentenceTransformerEmbeddings.embed_array

    def __enter__(self) -> EmbeddingTimer:
        original, timer = self._original, self

        def timed(model, texts):
            started = time.perf_counter()
            try:
                return original(model, texts)
            finally:
                timer.seconds += time.perf_counter() - started
                timer.texts += len(texts)

        embeddings_module.SentenceTransformerEmbeddings.embed_array = timed
        return self

    def __exit__(self, *exc: object) -> None:
        embeddings_module.SentenceTransformerEmbeddings.embed_array = self._original


def full_rebuild(corpus: Path, instance: Path, model: str) -> dict[str, float]:
    """One build into an empty instance folder, model load included."""
    settings = load_settings(
        {"corpus_dir": str(corpus), "instance_dir": str(instance), "embedding_model": model}
    )
    embeddings_module.load_embeddings.cache_clear()
    started = time.perf_counter()
    embeddings_module.load_embeddings(model)
    loaded = time.perf_counter()
    with EmbeddingTimer() as timer:
        report = IndexBuilder(settings, index_dir(settings), progress=False).build()
    finished = time.perf_counter()
    if report.failed:
        raise SystemExit("build failed:\n" + report.summary())
    return {
        "wall": finished - started,
        "model_load": loaded - started,
        "chunks": report.chunks,
        "documents": report.documents,
        "embed_seconds": timer.seconds,
        "embed_texts": timer.texts,
    }


def noop_reindex(corpus: Path, instance: Path) -> float:
    """``python -m indexer build --quiet`` in a fresh process; it must find nothing to do."""
    env = dict(os.environ, SAFEGUIDE_CORPUS_DIR=str(corpus), SAFEGUIDE_INSTANCE_DIR=str(instance))
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "indexer", "build", "--quiet"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or "index up to date" not in done.stdout:
        raise SystemExit(f"no-op re-index did not find the index up to date "
                         f"(exit {done.returncode}):\n{done.stdout}{done.stderr}")
    return elapsed


def max_rss_mib(who: int) -> float:
    """Peak resident set size in MiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(who).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median shown)")
    parser.add_argument("--corpus", type=Path, default=REPO_ROOT / "corpus",
                        help="corpus folder with manifest.yaml (default: the shipped corpus)")
    parser.add_argument("--model", default="",
                        help="embedding model path or name (default: the packaged model)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance folder")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    workdir = Path(tempfile.mkdtemp(prefix="safeguide-bench-"))
    try:
        builds = [full_rebuild(args.corpus.resolve(), workdir / f"instance-{i}", args.model)
                  for i in range(args.repeat)]
        build_rss = max_rss_mib(resource.RUSAGE_SELF)
        noops = [noop_reindex(args.corpus.resolve(), workdir / "instance-0")
                 for _ in range(args.repeat)]
    finally:
        if args.keep:
            print(f"instance folders kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    def row(label: str, values: list[float], unit: str, fmt: str = "{:.2f}") -> str:
        cells = [fmt.format(statistics.median(values)), fmt.format(min(values)),
                 fmt.format(max(values))]
        return f"{label:38} {cells[0]:>9} {cells[1]:>9} {cells[2]:>9}  {unit}"

    first = builds[0]
    print(f"corpus: {args.corpus} ({first['documents']} documents, {first['chunks']} chunks, "
          f"{first['embed_texts']} texts embedded per build); {args.repeat} run(s)")
    print(f"{'metric':38} {'median':>9} {'min':>9} {'max':>9}")
    print(row("(a) full rebuild, incl. model load", [b["wall"] for b in builds], "s"))
    print(f"{'    first run (cold imports)':38} {first['wall']:>9.2f} {'':>9} {'':>9}  s")
    print(row("    of which model load", [b["model_load"] for b in builds], "s"))
    print(row("    of which embedding", [b["embed_seconds"] for b in builds], "s"))
    print(row("(b) no-op re-index (subprocess)", noops, "s"))
    print(row("(c) embedding throughput",
              [b["chunks"] / b["embed_seconds"] for b in builds], "chunks/s", "{:.1f}"))
    print(row("    all embedded texts",
              [b["embed_texts"] / b["embed_seconds"] for b in builds], "texts/s", "{:.1f}"))
    print(f"{'(d) peak RSS, build process':38} {build_rss:>9.0f} {'':>9} {'':>9}  MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
