"""The reader: ``/documents`` (the list) and ``/documents/<id>`` (one document).

A citation links to ``/documents/<id>?span=START-END#<chunk_id>``: the fragment scrolls to
the passage (CSS ``:target`` highlights it, ``static/reader.js`` focuses it) and ``span``
marks the exact quoted words, rendered server-side so it works without JavaScript.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from web.answering import assistant_or_503, corpus_dir, loaded_index_or_none
from web.catalogue import find_document, list_documents, unavailable_reason
from web.errors import WebError
from web.reader_view import build_view, parse_span

blueprint = Blueprint("reader", __name__)


@blueprint.get("/documents")
def documents() -> Any:
    index = loaded_index_or_none()
    return render_template("documents.html", documents=list_documents(corpus_dir(), index),
                           index_version=index.version if index else None)


@blueprint.get("/documents/<document_id>")
def document(document_id: str) -> Any:
    index = assistant_or_503().index
    meta = find_document(corpus_dir(), index, document_id)
    if meta is None:
        raise WebError(404, "There is no document with that id. The documents list has "
                            "every document SafeGuide knows.")
    if not meta["indexed"]:
        raise WebError(404, f"“{meta['title']}” is listed, but {unavailable_reason(meta)}, "
                            "so it cannot be shown or cited.")
    record = index.document(document_id)
    span = parse_span(request.args.get("span"), len(record["text"]))
    return render_template("document.html", doc=meta, chunks=build_view(record, span),
                           span=span, index_version=index.version)
