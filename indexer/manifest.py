"""The corpus manifest: what documents exist, what they are, and whether they are in force.

``corpus/manifest.yaml`` is the single source of truth for document metadata. Each entry is
validated on its own, so one bad entry is reported by id and reason while the rest are indexed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

KINDS = ("inspection", "statutory", "local-procedure")
STATUSES = ("current", "superseded", "draft", "withdrawn")
AUDIENCES = ("officer", "custody", "trainer")
REQUIRED = (
    "id", "title", "kind", "publisher", "edition", "published", "status",
    "licence", "source_url", "audiences", "path",
)
_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,80}$")
_DATE_PATTERN = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class ManifestError(Exception):
    """The manifest as a whole cannot be read (missing file, bad YAML, wrong shape)."""


@dataclass(frozen=True)
class DocumentEntry:
    """One validated manifest entry."""

    id: str
    title: str
    kind: str
    publisher: str
    edition: str
    published: str
    status: str
    licence: str
    source_url: str
    audiences: tuple[str, ...]
    path: Path
    superseded_by: str | None = None
    supplied_by_deployment: bool = False
    exclude_sections: tuple[str, ...] = field(default_factory=tuple)

    @property
    def indexable(self) -> bool:
        """Withdrawn documents must never answer questions."""
        return self.status != "withdrawn"

    def metadata(self) -> dict[str, Any]:
        """Scalar metadata carried by every chunk (Chroma accepts only scalars)."""
        meta: dict[str, Any] = {
            "document_id": self.id,
            "title": self.title,
            "kind": self.kind,
            "publisher": self.publisher,
            "edition": self.edition,
            "published": self.published,
            "status": self.status,
            "superseded_by": self.superseded_by or "",
            "licence": self.licence,
            "source_url": self.source_url,
        }
        for audience in AUDIENCES:
            meta[f"audience_{audience}"] = audience in self.audiences
        return meta


@dataclass
class Manifest:
    """Valid entries plus the per-entry problems found while reading."""

    path: Path
    entries: list[DocumentEntry]
    errors: list[str]
    # ids of entries rejected by validation: a build keeps what it had indexed for them
    invalid_ids: set[str] = field(default_factory=set)

    def get(self, document_id: str) -> DocumentEntry | None:
        return next((e for e in self.entries if e.id == document_id), None)


def load_manifest(path: Path) -> Manifest:
    """Read and validate ``path``; raise :class:`ManifestError` only if nothing can be read."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ManifestError(f"{path}: manifest not found") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("documents"), list):
        raise ManifestError(f"{path}: expected a mapping with a 'documents' list")

    corpus_dir = path.parent
    entries: list[DocumentEntry] = []
    errors: list[str] = []
    invalid: set[str] = set()
    for position, item in enumerate(raw["documents"], start=1):
        try:
            entry = _parse_entry(item, corpus_dir)
        except ValueError as exc:
            label = item.get("id") if isinstance(item, dict) else None
            errors.append(f"{path}: entry {position} ({label or 'no id'}): {exc}")
            if label:
                invalid.add(str(label))
            continue
        if any(e.id == entry.id for e in entries):
            errors.append(f"{path}: entry {position} ({entry.id}): duplicate id")
            continue
        entries.append(entry)

    known = {e.id for e in entries}
    for entry in entries:
        if entry.superseded_by and entry.superseded_by not in known:
            errors.append(
                f"{path}: {entry.id}: superseded_by names unknown document {entry.superseded_by!r}"
            )
    return Manifest(path=path, entries=entries, errors=errors, invalid_ids=invalid - known)


def _parse_entry(item: Any, corpus_dir: Path) -> DocumentEntry:
    if not isinstance(item, dict):
        raise ValueError("entry is not a mapping")
    missing = [name for name in REQUIRED if item.get(name) in (None, "", [])]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    doc_id = str(item["id"])
    if not _ID_PATTERN.match(doc_id):
        raise ValueError(f"id {doc_id!r} must be lower-case letters, digits and hyphens")
    _require_choice("kind", item["kind"], KINDS)
    _require_choice("status", item["status"], STATUSES)
    published = str(item["published"])
    if not _DATE_PATTERN.match(published):
        raise ValueError(f"published {published!r} must be YYYY, YYYY-MM or YYYY-MM-DD")
    audiences = item["audiences"]
    if not isinstance(audiences, list) or not audiences:
        raise ValueError("audiences must be a non-empty list")
    for audience in audiences:
        _require_choice("audience", audience, AUDIENCES)
    if item["status"] == "superseded" and not item.get("superseded_by"):
        raise ValueError("a superseded document needs superseded_by")
    relative = Path(str(item["path"]))
    resolved = (corpus_dir / relative).resolve()
    if relative.is_absolute() or corpus_dir.resolve() not in resolved.parents:
        raise ValueError(f"path {relative} must be inside the corpus folder")
    return DocumentEntry(
        id=doc_id,
        title=str(item["title"]),
        kind=item["kind"],
        publisher=str(item["publisher"]),
        edition=str(item["edition"]),
        published=published,
        status=item["status"],
        licence=str(item["licence"]),
        source_url=str(item["source_url"]),
        audiences=tuple(audiences),
        path=resolved,
        superseded_by=item.get("superseded_by") or None,
        supplied_by_deployment=bool(item.get("supplied_by_deployment", False)),
        exclude_sections=tuple(str(s) for s in item.get("exclude_sections") or ()),
    )


def _require_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} {value!r} is not one of {', '.join(choices)}")
