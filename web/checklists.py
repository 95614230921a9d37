"""Recording checklists: ``/checklists``, ``/checklists/<id>`` and their JSON under ``/api``.

Thin views over :class:`assistant.checklists.ChecklistCatalogue` (built with the loaded
index). Ticks are never sent here: the page keeps them in the page itself (see
``static/checklist.js``), so the server holds nothing about any incident or child.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, jsonify, render_template

from assistant.checklists import Checklist, ChecklistCatalogue, ChecklistNotFoundError
from web.answering import assistant_or_503
from web.errors import WebError

blueprint = Blueprint("checklists", __name__)
NOT_FOUND = "no checklist with id {!r}: GET /api/checklists lists them"


def checklist_url(checklist_id: str) -> str:
    return f"/checklists/{checklist_id}"


def summary_payload(checklist: Checklist) -> dict[str, Any]:
    return {"id": checklist.id, "title": checklist.title, "document_id": checklist.document_id,
            "document_title": checklist.document_title, "edition": checklist.edition,
            "status": checklist.status, "audiences": list(checklist.audiences),
            "items": len(checklist.items), "url": checklist_url(checklist.id)}


def checklist_payload(checklist: Checklist) -> dict[str, Any]:
    items = []
    for item in checklist.items:
        source = asdict(item.source) if item.source else None
        if source:
            source["span"] = list(source["span"])
        items.append({"position": item.position, "text": item.text,
                      "citation": item.citation, "source": source,
                      "chunk_id": item.chunk_id, "procedure_url": item.procedure_url})
    return {**summary_payload(checklist), "intro": checklist.intro, "items": items,
            "problems": list(checklist.problems)}


def _catalogue() -> tuple[ChecklistCatalogue, str]:
    assistant = assistant_or_503()
    return assistant.checklists, assistant.index.version


def _find(checklist_id: str, message: str) -> tuple[Checklist, str]:
    catalogue, version = _catalogue()
    try:
        return catalogue.get(checklist_id), version
    except ChecklistNotFoundError:
        raise WebError(404, message) from None


@blueprint.get("/api/checklists")
def api_list() -> Any:
    catalogue, version = _catalogue()
    return jsonify({"index_version": version,
                    "checklists": [summary_payload(c) for c in catalogue.all()]})


@blueprint.get("/api/checklists/<checklist_id>")
def api_checklist(checklist_id: str) -> Any:
    checklist, version = _find(checklist_id, NOT_FOUND.format(checklist_id))
    return jsonify({**checklist_payload(checklist), "index_version": version})


@blueprint.get("/checklists")
def checklists_page() -> Any:
    catalogue, version = _catalogue()
    return render_template("checklists.html", checklists=catalogue.all(), index_version=version)


@blueprint.get("/checklists/<checklist_id>")
def checklist_page(checklist_id: str) -> Any:
    checklist, version = _find(checklist_id, "There is no checklist with that id. The "
                                             "checklists page lists every one.")
    return render_template("checklist.html", c=checklist, index_version=version)
