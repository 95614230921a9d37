"""The manifest: the shipped one is valid; a broken one is reported, entry by entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.manifest import ManifestError, load_manifest

SHIPPED = Path(__file__).resolve().parent.parent / "corpus" / "manifest.yaml"


def test_shipped_manifest_is_valid() -> None:
    manifest = load_manifest(SHIPPED)

    assert manifest.errors == []
    assert [e.id for e in manifest.entries] == [
        "hmicfrs-cambridgeshire-2021",
        "children-act-1989-s46-s21",
        "working-together-2023",
        "working-together-2018",
        "sample-police-protection",
        "sample-custody-children",
        "sample-missing-children",
        "sample-domestic-abuse-children",
        "sample-online-child-abuse",
    ]


def test_shipped_manifest_records_supersession_and_deployment_files() -> None:
    manifest = load_manifest(SHIPPED)
    wt2018, wt2023 = manifest.get("working-together-2018"), manifest.get("working-together-2023")

    assert wt2018.status == "superseded" and wt2018.superseded_by == "working-together-2023"
    assert wt2023.status == "current" and wt2023.superseded_by is None
    assert wt2018.supplied_by_deployment and wt2023.supplied_by_deployment
    shipped = [e for e in manifest.entries if not e.supplied_by_deployment]
    samples = {e.id for e in shipped if e.kind == "local-procedure"}
    assert {e.id for e in shipped} - samples == {"hmicfrs-cambridgeshire-2021",
                                                 "children-act-1989-s46-s21"}
    assert len(samples) == 5 and all(e.status == "draft" for e in shipped if e.id in samples)
    assert all(e.path.is_file() for e in shipped)
    assert manifest.get("hmicfrs-cambridgeshire-2021").exclude_sections == ("Contents",)


def test_missing_manifest_is_a_manifest_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="manifest not found"):
        load_manifest(tmp_path / "manifest.yaml")


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "manifest.yaml"
    path.write_text("documents:\n  - id: a\n    title: [unclosed\n", encoding="utf-8")

    with pytest.raises(ManifestError) as caught:
        load_manifest(path)

    assert str(path) in str(caught.value)
    assert "not valid YAML" in str(caught.value)


@pytest.mark.parametrize(
    "text",
    ["", "- id: a\n", "documents: {id: a}\n", "documents: none\n", "just a string\n"],
    ids=["empty", "top-level-list", "documents-mapping", "documents-scalar", "scalar"],
)
def test_wrong_shape_is_a_manifest_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "manifest.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ManifestError, match="expected a mapping with a 'documents' list"):
        load_manifest(path)


GOOD = "# Good\n\nSome text.\n"


@pytest.mark.parametrize(
    ("bad_id", "fields", "reason"),
    [
        ("bad-kind", {"kind": "novel"}, "kind 'novel' is not one of"),
        ("bad-status", {"status": "retired"}, "status 'retired' is not one of"),
        ("bad-date", {"published": "March 2024"}, "published 'March 2024' must be YYYY"),
        ("bad-day", {"published": "2024-1-5"}, "must be YYYY, YYYY-MM or YYYY-MM-DD"),
        ("no-title", {"title": None}, "missing field(s): title"),
        ("no-edition-or-path", {"edition": "", "path": None}, "missing field(s): edition, path"),
        ("bad-audience", {"audiences": ["public"]}, "audience 'public' is not one of"),
        ("escapes", {"path": "../outside.md"}, "must be inside the corpus folder"),
        ("absolute", {"path": "/etc/passwd"}, "must be inside the corpus folder"),
        ("old-edition", {"status": "superseded"}, "a superseded document needs superseded_by"),
        ("Bad_Id", {}, "must be lower-case letters, digits and hyphens"),
    ],
)
def test_bad_entry_is_reported_and_the_rest_are_kept(
    make_corpus, bad_id: str, fields: dict, reason: str
) -> None:
    settings = make_corpus(
        {"good-one": GOOD, bad_id: None, "good-two": GOOD}, overrides={bad_id: fields}
    )

    manifest = load_manifest(Path(settings["corpus_dir"]) / "manifest.yaml")

    assert [e.id for e in manifest.entries] == ["good-one", "good-two"]
    assert len(manifest.errors) == 1
    assert f"entry 2 ({bad_id})" in manifest.errors[0]
    assert reason in manifest.errors[0]
    assert manifest.invalid_ids == {bad_id}  # a build keeps what it had indexed for it


def test_duplicate_id_keeps_the_first_entry(make_corpus) -> None:
    settings = make_corpus({"twin": GOOD, "other": GOOD})
    path = Path(settings["corpus_dir"]) / "manifest.yaml"
    text = path.read_text(encoding="utf-8")
    duplicate = text.split("  - id: other")[0].split("documents:\n")[1].replace("title: Twin",
                                                                                "title: Copy")
    path.write_text(text + duplicate, encoding="utf-8")

    manifest = load_manifest(path)

    assert [e.id for e in manifest.entries] == ["twin", "other"]
    assert manifest.get("twin").title == "Twin"
    assert manifest.errors == [f"{path}: entry 3 (twin): duplicate id"]
    assert manifest.invalid_ids == set()


def test_superseded_by_unknown_document(make_corpus) -> None:
    settings = make_corpus(
        {"old-guide": GOOD, "other": GOOD},
        overrides={"old-guide": {"status": "superseded", "superseded_by": "new-guide"}},
    )

    manifest = load_manifest(Path(settings["corpus_dir"]) / "manifest.yaml")

    assert [e.id for e in manifest.entries] == ["old-guide", "other"]
    assert len(manifest.errors) == 1
    assert "old-guide" in manifest.errors[0]
    assert "unknown document 'new-guide'" in manifest.errors[0]


def test_entry_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "manifest.yaml"
    path.write_text("documents:\n  - just-a-string\n", encoding="utf-8")

    manifest = load_manifest(path)

    assert manifest.entries == []
    assert manifest.errors == [f"{path}: entry 1 (no id): entry is not a mapping"]


def test_metadata_is_scalar_and_flags_audiences(make_corpus) -> None:
    settings = make_corpus({"solo": GOOD}, overrides={"solo": {"audiences": ["custody"]}})
    entry = load_manifest(Path(settings["corpus_dir"]) / "manifest.yaml").get("solo")

    meta = entry.metadata()

    assert all(isinstance(v, str | int | float | bool) for v in meta.values())
    assert meta["superseded_by"] == ""
    assert (meta["audience_officer"], meta["audience_custody"], meta["audience_trainer"]) == (
        False, True, False,
    )
    assert entry.path == (Path(settings["corpus_dir"]) / "documents" / "solo.md").resolve()
