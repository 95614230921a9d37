"""Index builds end to end: the real model, a real Chroma store, temporary folders.

The shipped corpus is built once per session (``built_index``); incremental, atomicity and
bad-input behaviour is checked on tiny corpora written by each test (``make_corpus``).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pypdf import PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from assistant.embeddings import SentenceTransformerEmbeddings, model_label
from assistant.settings import index_dir
from indexer import artifacts, store
from indexer.build import BuildReport, IndexBuilder
from indexer.chunker import CHUNKER_VERSION
from indexer.cli import main
from indexer.lexical import LexicalIndex
from indexer.manifest import load_manifest
from indexer.verify import verify_index

SAMPLE_PROCEDURES = {"sample-police-protection", "sample-custody-children",
                     "sample-missing-children", "sample-domestic-abuse-children",
                     "sample-online-child-abuse"}
SHIPPED_IDS = {"hmicfrs-cambridgeshire-2021", "children-act-1989-s46-s21", *SAMPLE_PROCEDURES}
GAMMA = "# Gamma Notes\n\n## Strategy discussions\n\nA strategy discussion is held promptly.\n"
DELTA = "# Delta Notes\n\n## Body-worn video\n\nOfficers record the voice of the child.\n"

# --- helpers ------------------------------------------------------------------------------


def build(settings: dict[str, Any], **kwargs: Any) -> BuildReport:
    return IndexBuilder(settings, index_dir(settings), progress=False).build(**kwargs)


def pointer(settings: dict[str, Any]) -> dict[str, Any]:
    state = artifacts.read_pointer(index_dir(settings))
    assert state is not None
    return state


def client(settings: dict[str, Any]):
    return store.open_client(settings, index_dir(settings))


def stored(settings: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The serving collection's records by chunk id: vector, metadata and text."""
    collection = store.get_collection(client(settings), pointer(settings)["collection"])
    got = collection.get(include=["embeddings", "metadatas", "documents"])
    return {
        chunk_id: {"vector": np.asarray(vector), "meta": meta, "text": text}
        for chunk_id, vector, meta, text in zip(
            got["ids"], got["embeddings"], got["metadatas"], got["documents"], strict=True
        )
    }


def of_document(records: dict[str, dict[str, Any]], doc_id: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in records.items() if v["meta"]["document_id"] == doc_id}


def lexical_ids(settings: dict[str, Any]) -> list[str]:
    folder = artifacts.build_dir(index_dir(settings), pointer(settings)["version"])
    return LexicalIndex.load(folder / "lexical").chunk_ids


def collection_names(settings: dict[str, Any]) -> set[str]:
    return {c.name for c in client(settings).list_collections()}


def build_versions(settings: dict[str, Any]) -> set[str]:
    return {p.name for p in (index_dir(settings) / "builds").iterdir()}


def corpus_file(settings: dict[str, Any], name: str) -> Path:
    return Path(settings["corpus_dir"]) / "documents" / name


def assert_consistent(settings: dict[str, Any]) -> None:
    """Pointer, collection, lexical index and unit vectors agree, and verify finds nothing."""
    state = pointer(settings)
    records = stored(settings)
    assert len(records) == sum(d["chunks"] for d in state["documents"].values())
    assert sorted(lexical_ids(settings)) == sorted(records)
    units, vectors = artifacts.load_units(artifacts.build_dir(index_dir(settings),
                                                              state["version"]))
    assert len(units) == vectors.shape[0]
    assert {u.chunk_id for u in units} <= set(records)
    assert verify_index(settings, index_dir(settings)) == []


def no_embedding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any call to the model fail, to prove a build embeds nothing."""

    def refuse(self, texts):
        raise AssertionError(f"unexpected embedding of {len(texts)} texts")

    monkeypatch.setattr(SentenceTransformerEmbeddings, "embed_array", refuse)


# --- the shipped corpus -------------------------------------------------------------------


def test_shipped_corpus_is_indexed(built_index: dict[str, Any]) -> None:
    state = pointer(built_index)

    assert set(state["documents"]) == SHIPPED_IDS
    assert all(doc["chunks"] > 0 for doc in state["documents"].values())
    assert state["documents"]["hmicfrs-cambridgeshire-2021"]["chunks"] > 50
    assert state["chunker_version"] == CHUNKER_VERSION
    assert state["model_label"] == model_label("") == "all-minilm-l6-v2"
    assert model_label("") in state["collection"] and f"-c{CHUNKER_VERSION}-" in state["collection"]
    collection = store.get_collection(client(built_index), state["collection"])
    assert collection.count() == sum(d["chunks"] for d in state["documents"].values())
    assert_consistent(built_index)


def test_shipped_chunks_carry_metadata_and_offsets(built_index: dict[str, Any]) -> None:
    state = pointer(built_index)
    folder = artifacts.build_dir(index_dir(built_index), state["version"])
    records = stored(built_index)
    manifest = load_manifest(Path(built_index["corpus_dir"]) / "manifest.yaml")

    for doc_id in SHIPPED_IDS:
        entry = manifest.get(doc_id)
        document = artifacts.load_document(folder, doc_id)
        mine = of_document(records, doc_id)
        assert len(mine) == state["documents"][doc_id]["chunks"]
        for chunk_id, record in mine.items():
            meta = record["meta"]
            assert chunk_id.startswith(f"{doc_id}:") and meta["chunk_id"] == chunk_id
            assert (meta["edition"], meta["status"], meta["title"]) == (
                entry.edition, entry.status, entry.title
            )
            assert document["text"][meta["char_start"] : meta["char_end"]] == record["text"]
            assert record["vector"].shape == (384,)
            assert np.linalg.norm(record["vector"]) == pytest.approx(1.0, abs=1e-3)
    assert not any("Contents" in r["meta"]["section"].split(" › ") for r in records.values())


def test_shipped_status_lists_documents_and_how_to_add_missing_ones(
    built_index: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("SAFEGUIDE_CORPUS_DIR", built_index["corpus_dir"])
    monkeypatch.setenv("SAFEGUIDE_INSTANCE_DIR", built_index["instance_dir"])

    assert main(["status"]) == 0

    out = capsys.readouterr().out
    chunks = {k: v["chunks"] for k, v in pointer(built_index)["documents"].items()}
    for doc_id, count in chunks.items():
        line = next(line for line in out.splitlines() if line.startswith(doc_id))
        assert line.split()[-2:] == [str(count), "indexed"]
    assert "working-together-2023 is in the manifest but its file is missing." in out
    assert "save it as corpus/documents/working-together-2018.pdf" in out


# --- incremental builds -------------------------------------------------------------------


def test_second_build_is_up_to_date_and_embeds_nothing(
    make_corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_corpus()
    first = build(settings)
    assert sorted(first.embedded_documents) == ["alpha-guide", "beta-procedure"]
    assert first.failed == [] and first.version == "v000001"
    before = stored(settings)

    no_embedding(monkeypatch)
    second = build(settings)

    assert second.up_to_date and second.embedded_documents == []
    assert second.version == "v000001" and second.skipped == ["alpha-guide", "beta-procedure"]
    assert second.chunks == first.chunks == len(before)
    assert "index up to date" in second.summary()
    assert stored(settings).keys() == before.keys()


def test_editing_one_document_reembeds_only_that_one(make_corpus) -> None:
    settings = make_corpus()
    build(settings)
    before = stored(settings)
    alpha = corpus_file(settings, "alpha-guide.md")
    alpha.write_text(alpha.read_text().replace("72 hours", "seventy-two hours"), "utf-8")

    report = build(settings)

    assert report.embedded_documents == ["alpha-guide"]
    assert report.skipped == ["beta-procedure"] and report.version == "v000002"
    after = stored(settings)
    beta_before = of_document(before, "beta-procedure")
    beta_after = of_document(after, "beta-procedure")
    assert beta_after.keys() == beta_before.keys()
    for chunk_id, record in beta_after.items():
        np.testing.assert_array_equal(record["vector"], beta_before[chunk_id]["vector"])
        assert record["meta"] == beta_before[chunk_id]["meta"]
    alpha_before = of_document(before, "alpha-guide")
    alpha_after = of_document(after, "alpha-guide")
    edited = {k for k, v in alpha_after.items() if "seventy-two hours" in v["text"]}
    assert len(edited) == 1 and alpha_after.keys() - alpha_before.keys() == edited
    assert len(alpha_before.keys() - alpha_after.keys()) == 1  # only the edited chunk changed
    assert_consistent(settings)


def test_removing_a_document_from_the_manifest_removes_its_chunks(make_corpus) -> None:
    settings = make_corpus()
    build(settings)
    beta_ids = of_document(stored(settings), "beta-procedure").keys()
    assert beta_ids

    make_corpus({"alpha-guide": None})  # beta's file stays on disk; its entry goes
    report = build(settings)

    assert report.removed == ["beta-procedure"] and report.embedded_documents == []
    assert set(pointer(settings)["documents"]) == {"alpha-guide"}
    assert not beta_ids & stored(settings).keys()
    assert not beta_ids & set(lexical_ids(settings))
    assert_consistent(settings)


def test_withdrawn_document_is_removed(make_corpus) -> None:
    settings = make_corpus()
    build(settings)

    make_corpus(overrides={"beta-procedure": {"status": "withdrawn"}})
    report = build(settings)

    assert report.removed == ["beta-procedure"] and report.failed == []
    assert set(pointer(settings)["documents"]) == {"alpha-guide"}
    records = stored(settings)
    assert {r["meta"]["document_id"] for r in records.values()} == {"alpha-guide"}
    assert set(lexical_ids(settings)) == records.keys()
    assert_consistent(settings)


def test_withdrawing_the_last_document_empties_the_index(make_corpus) -> None:
    settings = make_corpus({"alpha-guide": GAMMA})
    build(settings)

    make_corpus({"alpha-guide": None}, overrides={"alpha-guide": {"status": "withdrawn"}})
    report = build(settings)

    assert report.removed == ["alpha-guide"] and report.chunks == 0
    assert pointer(settings)["documents"] == {}
    assert stored(settings) == {} and lexical_ids(settings) == []
    assert_consistent(settings)


def test_manifest_field_change_updates_chroma_metadata(make_corpus) -> None:
    settings = make_corpus()
    build(settings)
    before = stored(settings)

    make_corpus(overrides={"alpha-guide": {"edition": "2nd edition", "status": "superseded",
                                           "superseded_by": "beta-procedure"}})
    report = build(settings)

    assert report.failed == [] and "beta-procedure" in report.skipped
    after = stored(settings)
    assert after.keys() == before.keys()  # same text, same chunk ids
    for record in of_document(after, "alpha-guide").values():
        assert record["meta"]["edition"] == "2nd edition"
        assert record["meta"]["status"] == "superseded"
        assert record["meta"]["superseded_by"] == "beta-procedure"
    assert pointer(settings)["documents"]["alpha-guide"]["edition"] == "2nd edition"
    assert all(r["meta"]["edition"] == "1" for r in of_document(after, "beta-procedure").values())
    assert_consistent(settings)


# --- atomicity ----------------------------------------------------------------------------


def _raise(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("simulated crash")


@pytest.mark.parametrize(
    "target",
    [
        "indexer.lexical.LexicalIndex.save",
        "assistant.embeddings.SentenceTransformerEmbeddings.embed_array",
        "indexer.artifacts.save_units",
        "indexer.artifacts.write_pointer",
    ],
)
def test_crash_mid_build_leaves_the_serving_index_untouched(
    make_corpus, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    settings = make_corpus()
    build(settings)
    current = index_dir(settings) / "current.json"
    serving_pointer = current.read_bytes()
    serving = pointer(settings)["collection"]
    serving_records = stored(settings)
    alpha = corpus_file(settings, "alpha-guide.md")
    alpha.write_text(alpha.read_text() + "\nAn added paragraph for the next build.\n", "utf-8")

    with monkeypatch.context() as patch:
        patch.setattr(target, _raise)
        with pytest.raises(RuntimeError, match="simulated crash"):
            build(settings)

    assert current.read_bytes() == serving_pointer
    assert not (index_dir(settings) / "current.json.tmp").exists()
    assert store.get_collection(client(settings), serving).count() == len(serving_records)
    assert stored(settings).keys() == serving_records.keys()
    orphan = store.collection_name(model_label(""), CHUNKER_VERSION, "v000002")
    assert orphan in collection_names(settings)  # the half-built collection is left behind
    (artifacts.build_dir(index_dir(settings), "v000002") / "half-written").write_text("x")

    report = build(settings)

    assert report.failed == [] and report.version == "v000002"
    assert report.embedded_documents == ["alpha-guide"]
    assert collection_names(settings) == {serving, orphan}  # now serving, and the previous
    assert build_versions(settings) == {"v000001", "v000002"}
    assert not (artifacts.build_dir(index_dir(settings), "v000002") / "half-written").exists()
    assert any("An added paragraph" in r["text"] for r in stored(settings).values())
    assert_consistent(settings)


def test_older_builds_are_pruned(make_corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("indexer.build.RETIRED_BUILD_GRACE_SECONDS", 0.0)
    settings = make_corpus()
    for edition in ("1", "2", "3"):
        make_corpus(overrides={"alpha-guide": {"edition": edition}})
        build(settings)

    assert pointer(settings)["version"] == "v000003"
    assert build_versions(settings) == {"v000002", "v000003"}
    assert collection_names(settings) == {
        store.collection_name(model_label(""), CHUNKER_VERSION, v) for v in ("v000002", "v000003")
    }


def test_builds_retired_moments_ago_are_kept_for_workers_still_on_them(make_corpus) -> None:
    settings = make_corpus()
    for edition in ("1", "2", "3"):  # back to back, as `indexer add` twice in a row does
        make_corpus(overrides={"alpha-guide": {"edition": edition}})
        build(settings)

    assert build_versions(settings) == {"v000001", "v000002", "v000003"}
    assert [r["version"] for r in pointer(settings)["retired"]] == ["v000002", "v000001"]
    assert len(collection_names(settings)) == 3
    assert_consistent(settings)


# --- bad input ----------------------------------------------------------------------------


def draw_pdf(text: str) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.drawString(72, 760, "Strategy Discussions")
    pdf.drawString(72, 740, text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(draw_pdf("A strategy discussion is held.")))
    writer.encrypt(user_password="secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# name: (file name, content or None for no file, words the failure must contain)
BAD_INPUTS: dict[str, tuple[str, bytes | None, str]] = {
    "corrupt-pdf": ("gamma.pdf", bytes(range(1, 256)) * 8, "corrupt or unreadable PDF"),
    "truncated-pdf": ("gamma.pdf", b"", "truncated"),  # content filled in by the test
    "encrypted-pdf": ("gamma.pdf", b"", "encrypted PDF: it needs a password"),
    "empty-file": ("gamma.md", b"", "empty file"),
    "binary-as-md": ("gamma.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary content"),
    "unknown-format": ("gamma.xyz", b"Plain words.\n", "unsupported format '.xyz'"),
    "latin-1": ("gamma.md", "# Café\n\nLe café est servi.\n".encode("latin-1"),
                "not valid UTF-8"),
    "missing-file": ("gamma.md", None, "does not exist"),
}


def bad_content(kind: str) -> bytes | None:
    name, content, _ = BAD_INPUTS[kind]
    if kind == "truncated-pdf":
        whole = draw_pdf("A strategy discussion is held promptly.")
        return whole[: len(whole) // 2]
    if kind == "encrypted-pdf":
        return encrypted_pdf()
    return content


def assert_names_file_and_reason(report: BuildReport, kind: str) -> None:
    name, _, reason = BAD_INPUTS[kind]
    mentions = [line for line in report.failed if name in line]
    assert len(mentions) == 1, report.failed
    assert reason in mentions[0]
    assert f"FAILED {mentions[0]}" in report.summary()


@pytest.mark.parametrize("kind", list(BAD_INPUTS))
def test_bad_new_document_is_reported_and_the_rest_indexed(make_corpus, kind: str) -> None:
    name = BAD_INPUTS[kind][0]
    settings = make_corpus(
        {"alpha-guide": DELTA, "gamma": bad_content(kind)},
        overrides={"gamma": {"path": f"documents/{name}"}},
    )

    report = build(settings)

    assert_names_file_and_reason(report, kind)
    assert report.embedded_documents == ["alpha-guide"]
    assert set(pointer(settings)["documents"]) == {"alpha-guide"}
    assert {r["meta"]["document_id"] for r in stored(settings).values()} == {"alpha-guide"}


@pytest.mark.parametrize("kind", list(BAD_INPUTS))
def test_indexed_document_that_breaks_keeps_its_chunks(make_corpus, kind: str) -> None:
    settings = make_corpus({"alpha-guide": GAMMA.replace("Gamma", "Alpha"), "gamma": GAMMA})
    build(settings)
    gamma_before = of_document(stored(settings), "gamma")
    state_before = pointer(settings)["documents"]["gamma"]
    assert gamma_before

    name = BAD_INPUTS[kind][0]
    corpus_file(settings, "gamma.md").unlink()
    make_corpus(
        {"alpha-guide": None, "gamma": bad_content(kind), "delta": DELTA},
        overrides={"gamma": {"path": f"documents/{name}"}},
    )
    report = build(settings)

    assert_names_file_and_reason(report, kind)
    assert report.embedded_documents == ["delta"]  # the other documents are indexed
    assert pointer(settings)["documents"]["gamma"] == state_before
    gamma_after = of_document(stored(settings), "gamma")
    assert gamma_after.keys() == gamma_before.keys()
    for chunk_id, record in gamma_after.items():
        np.testing.assert_array_equal(record["vector"], gamma_before[chunk_id]["vector"])
    assert set(gamma_after) <= set(lexical_ids(settings))
    assert set(pointer(settings)["documents"]) == {"alpha-guide", "gamma", "delta"}


def test_invalid_entry_for_an_indexed_document_keeps_its_chunks(make_corpus) -> None:
    settings = make_corpus()
    build(settings)
    beta_before = of_document(stored(settings), "beta-procedure")

    make_corpus(overrides={"beta-procedure": {"published": "last year"}})
    report = build(settings)

    assert len(report.failed) == 1 and "beta-procedure" in report.failed[0]
    assert "published 'last year'" in report.failed[0]
    assert of_document(stored(settings), "beta-procedure").keys() == beta_before.keys()
    assert set(pointer(settings)["documents"]) == {"alpha-guide", "beta-procedure"}


def test_missing_deployment_file_is_not_a_failure(
    make_corpus, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    settings = make_corpus(
        {"alpha-guide": GAMMA, "national-guide": None},
        overrides={"national-guide": {"path": "documents/national-guide.pdf",
                                      "supplied_by_deployment": True,
                                      "source_url": "https://example.gov.uk/national"}},
    )

    report = build(settings)

    assert report.failed == [] and report.not_supplied == ["national-guide"]
    assert "not supplied (see `python -m indexer status`): national-guide" in report.summary()
    assert set(pointer(settings)["documents"]) == {"alpha-guide"}
    monkeypatch.setenv("SAFEGUIDE_CORPUS_DIR", settings["corpus_dir"])
    monkeypatch.setenv("SAFEGUIDE_INSTANCE_DIR", settings["instance_dir"])
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "national-guide is in the manifest but its file is missing." in out
    assert "download it from https://example.gov.uk/national" in out
    assert "save it as corpus/documents/national-guide.pdf" in out
    assert main(["verify"]) == 0  # a document not supplied is not drift


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def cli_corpus(make_corpus, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A small corpus that ``indexer.cli.main`` finds through the environment."""
    settings = make_corpus()
    monkeypatch.setenv("SAFEGUIDE_CORPUS_DIR", settings["corpus_dir"])
    monkeypatch.setenv("SAFEGUIDE_INSTANCE_DIR", settings["instance_dir"])
    return settings


def test_cli_build_exit_codes(cli_corpus, make_corpus, capsys: pytest.CaptureFixture) -> None:
    assert main(["build", "--quiet"]) == 0
    assert "built v000001: 2 documents" in capsys.readouterr().out
    assert main(["build", "--quiet"]) == 0
    assert "index up to date" in capsys.readouterr().out
    assert main(["build", "--if-missing"]) == 0
    assert "index present" in capsys.readouterr().out

    make_corpus({"alpha-guide": None, "beta-procedure": None, "gamma": b"\x00binary"})
    assert main(["build", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "gamma.md" in out and "binary content" in out

    current = index_dir(cli_corpus) / "current.json"
    serving = current.read_bytes()
    count = len(stored(cli_corpus))
    manifest = Path(cli_corpus["corpus_dir"]) / "manifest.yaml"
    manifest.write_text("documents:\n  - id: alpha-guide\n    title: [unclosed\n", "utf-8")

    assert main(["build", "--quiet"]) == 2
    captured = capsys.readouterr()
    assert f"error: {manifest}: not valid YAML" in captured.err
    assert current.read_bytes() == serving and len(stored(cli_corpus)) == count
    assert main(["status"]) == 2 and main(["verify"]) == 2


def test_cli_force_rebuild_reembeds_everything(cli_corpus, capsys) -> None:
    assert main(["build", "--quiet"]) == 0
    before = stored(cli_corpus)

    assert main(["build", "--quiet", "--force"]) == 0

    assert "2 (re)embedded" in capsys.readouterr().out
    assert pointer(cli_corpus)["version"] == "v000002"
    assert stored(cli_corpus).keys() == before.keys()


def test_cli_status_lists_every_document(cli_corpus, make_corpus, capsys) -> None:
    make_corpus(
        {"alpha-guide": None, "beta-procedure": None, "gamma": GAMMA},
        overrides={"alpha-guide": {"edition": "Rev 3 (2024)"},
                   "beta-procedure": {"edition": "v1.2", "status": "draft"},
                   "gamma": {"edition": "Issue 7", "status": "withdrawn"}},
    )
    assert main(["build", "--quiet"]) == 0
    capsys.readouterr()

    assert main(["status"]) == 0

    out = capsys.readouterr().out
    chunks = {k: v["chunks"] for k, v in pointer(cli_corpus)["documents"].items()}
    assert out.startswith(f"index: {index_dir(cli_corpus)} (v000001, built ")
    expected = {
        "alpha-guide": ("Rev 3 (2024)", "current", chunks["alpha-guide"], "indexed"),
        "beta-procedure": ("v1.2", "draft", chunks["beta-procedure"], "indexed"),
        "gamma": ("Issue 7", "withdrawn", 0, "withdrawn (not indexed)"),
    }
    for doc_id, (edition, status, count, state) in expected.items():
        line = next(line for line in out.splitlines() if line.startswith(doc_id + " "))
        assert f" {edition} " in line and f" {status} " in line
        assert line.rstrip().endswith(f"{count:>6}  {state}")
    assert all(chunks[d] > 0 for d in ("alpha-guide", "beta-procedure"))


def test_cli_verify_reports_drift(cli_corpus, capsys) -> None:
    assert main(["build", "--quiet"]) == 0
    assert main(["verify"]) == 0
    assert "index matches the corpus" in capsys.readouterr().out

    beta = corpus_file(cli_corpus, "beta-procedure.md")
    beta.write_text(beta.read_text() + "\nA new rule added without rebuilding.\n", "utf-8")

    assert main(["verify"]) == 1
    out = capsys.readouterr().out
    assert "DRIFT beta-procedure: file changed since the build" in out
    assert "1 problem(s)" in out


def test_cli_verify_reports_a_lost_collection(cli_corpus, capsys) -> None:
    assert main(["build", "--quiet"]) == 0
    client(cli_corpus).delete_collection(pointer(cli_corpus)["collection"])

    assert main(["verify"]) == 1

    assert "cannot be opened" in capsys.readouterr().out


def test_cli_add_copies_registers_and_indexes(cli_corpus, tmp_path: Path, capsys) -> None:
    assert main(["build", "--quiet"]) == 0
    source = tmp_path / "incoming" / "Local Procedure.md"
    source.parent.mkdir()
    source.write_text(DELTA, encoding="utf-8")

    code = main(["add", str(source), "--id", "local-procedure", "--title", "Local procedure",
                 "--publisher", "Test Constabulary", "--edition", "v2", "--published", "2024-01",
                 "--quiet"])

    assert code == 0
    copied = corpus_file(cli_corpus, "local-procedure.md")
    assert copied.read_bytes() == source.read_bytes()
    manifest = load_manifest(Path(cli_corpus["corpus_dir"]) / "manifest.yaml")
    assert manifest.errors == []
    entry = manifest.get("local-procedure")
    assert (entry.title, entry.publisher, entry.edition, entry.published, entry.status) == (
        "Local procedure", "Test Constabulary", "v2", "2024-01", "current"
    )
    assert entry.path == copied.resolve() and entry.kind == "local-procedure"
    assert [e.id for e in manifest.entries] == ["alpha-guide", "beta-procedure", "local-procedure"]
    out = capsys.readouterr().out
    assert f"added local-procedure as {copied}" in out
    state = pointer(cli_corpus)
    assert state["documents"]["local-procedure"]["chunks"] > 0
    assert set(state["documents"]) == {"alpha-guide", "beta-procedure", "local-procedure"}
    assert_consistent(cli_corpus)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--id", "alpha-guide"], "already in the manifest"),
        (["--id", "../escape"], "lower-case letters, digits and hyphens"),
        (["--id", "fine-id", "--published", "Jan 2024"], "must be YYYY, YYYY-MM or YYYY-MM-DD"),
    ],
)
def test_cli_add_rejects_bad_entries_without_touching_the_corpus(
    cli_corpus, tmp_path: Path, capsys, args: list[str], message: str
) -> None:
    source = tmp_path / "new.md"
    source.write_text(DELTA, encoding="utf-8")
    manifest = Path(cli_corpus["corpus_dir"]) / "manifest.yaml"
    before = manifest.read_bytes()
    files = sorted(Path(cli_corpus["corpus_dir"]).rglob("*"))

    base = {"--title": "T", "--publisher": "P", "--edition": "1", "--published": "2024"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = ["add", str(source), *[part for pair in base.items() for part in pair], "--quiet"]

    assert main(argv) == 1

    assert message in capsys.readouterr().err
    assert manifest.read_bytes() == before
    assert sorted(Path(cli_corpus["corpus_dir"]).rglob("*")) == files
    assert not (Path(cli_corpus["corpus_dir"]).parent / "escape.md").exists()


def test_cli_add_rejects_unsupported_format(cli_corpus, tmp_path: Path, capsys) -> None:
    source = tmp_path / "notes.xyz"
    source.write_text("text", encoding="utf-8")

    code = main(["add", str(source), "--id", "notes", "--title", "T", "--publisher", "P",
                 "--edition", "1", "--published", "2024"])

    assert code == 1
    assert "unsupported format" in capsys.readouterr().err
    assert load_manifest(Path(cli_corpus["corpus_dir"]) / "manifest.yaml").get("notes") is None

