"""The HTML pages through the Flask test client: the ask page's form post (the no-JavaScript
path), the documents list and the reader, over real indexes.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from web_support import (
    ANSWERED_QUESTION,
    DRAFT_QUESTION,
    OUT_OF_SCOPE_QUESTION,
    SUPERSEDED_QUESTION,
    UNTRUSTED_SENTENCE,
)

pytest_plugins = ["web_fixtures"]


def post(client: FlaskClient, question: str, history: list[str] | None = None) -> Any:
    return client.post("/", data={"question": question, "history": history or []})


def test_ask_page_is_a_labelled_form_that_posts(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<form id="ask-form" class="ask-form" method="post" action="/">' in page
    assert '<label for="question"' in page and 'id="question" name="question"' in page
    assert 'maxlength="1000"' in page
    assert 'aria-live="polite"' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "/static/ask.js" in page and "/static/app.css" in page
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_form_post_renders_the_answer_with_cited_passages(client: FlaskClient) -> None:
    response = post(client, ANSWERED_QUESTION)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="turn turn--answered"' in page
    items = re.findall(r'<span class="item-text">(.*?)</span>', page, re.S)
    marks = re.findall(r"<mark>(.*?)</mark>", page, re.S)
    assert items and len(marks) == len(items)
    assert [unescape(m) for m in marks] == [unescape(i) for i in items]
    assert page.count('<summary class="chip"') == len(items)
    links = re.findall(r'class="reader-link" href="([^"]+)"', page)
    assert len(links) == len(items)
    assert all(re.match(r"^/documents/[a-z0-9-]+\?span=\d+-\d+#[a-z0-9-]+:[0-9a-f]+$",
                        unescape(link)) for link in links)
    # The thread continues: the question is kept for the next post.
    assert re.search(r'<input type="hidden" name="history" value="What must the constable',
                     page)


def test_follow_up_form_post_carries_the_whole_thread(client: FlaskClient) -> None:
    page = post(client, "and who must they inform?", ["what is police protection?"]
                ).get_data(as_text=True)
    hidden = re.findall(r'<input type="hidden" name="history" value="([^"]*)"', page)
    assert hidden == ["what is police protection?", "and who must they inform?"]
    assert 'id="new-thread"' in page and 'id="new-thread" hidden' not in page


def test_abstention_is_rendered_differently_and_offers_topics(client: FlaskClient) -> None:
    page = post(client, OUT_OF_SCOPE_QUESTION).get_data(as_text=True)
    assert 'class="turn turn--abstained"' in page and "turn--answered" not in page
    assert "Not found in the guidance" in page
    assert "<mark>" not in page and 'class="chip"' not in page
    topics = re.findall(r'<button type="submit" class="btn topic" name="question" value="',
                        page)
    assert 1 <= len(topics) <= 3


def test_bad_question_is_shown_beside_the_box(client: FlaskClient) -> None:
    response = post(client, "x" * 1200)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page and "the limit is 1000" in page
    assert 'aria-invalid="true"' in page
    assert post(client, "   ").status_code == 400


def test_documents_list_shows_edition_status_licence_and_missing_files(
    client: FlaskClient,
) -> None:
    page = client.get("/documents").get_data(as_text=True)
    for text in ("Children Act 1989", "Open Government Licence v3.0", "2025-01-02",
                 "Superseded by working-together-2023", "Not supplied",
                 'href="/documents/children-act-1989-s46-s21"',
                 "https://www.legislation.gov.uk/ukpga/1989/41/section/46"):
        assert text in page, text
    card = page[page.index('id="doc-working-together-2018"'):]
    card = card[:card.index("</li>")]
    assert "Not supplied" in card and "<a href=\"/documents/" not in card


def test_reader_wraps_chunks_and_marks_the_span(client: FlaskClient) -> None:
    doc = client.get("/api/documents/children-act-1989-s46-s21").get_json()
    chunk = doc["chunks"][0]
    start = doc["text"].index("(1)", chunk["start"])
    end = doc["text"].index("harm", start) + len("harm")
    response = client.get(f"/documents/children-act-1989-s46-s21?span={start}-{end}")
    page = response.get_data(as_text=True)
    for c in doc["chunks"]:
        assert f'id="{c["id"]}"' in page
    marks = [unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", page, re.S)]
    assert "".join(marks) == doc["text"][start:end]
    assert re.search(rf'<section class="chunk chunk--span" id="{re.escape(chunk["id"])}"', page)
    headings = re.findall(r"<h([2-6])>", page)
    assert len(headings) == sum(b["kind"] == "heading" for b in doc["blocks"])
    assert "/static/reader.js" in page


def test_reader_renders_lists_as_lists(client: FlaskClient) -> None:
    doc = client.get("/api/documents/hmicfrs-cambridgeshire-2021").get_json()
    page = client.get("/documents/hmicfrs-cambridgeshire-2021").get_data(as_text=True)
    page = page[page.index('<article class="doc-body"'):]
    list_items = sum(b["kind"] == "list_item" for b in doc["blocks"])
    assert list_items and page.count("<li>") == list_items
    assert "<ul>" in page


def test_reader_ignores_malformed_spans(client: FlaskClient) -> None:
    for span in ("abc", "10-5", "-1-4", "999999999-9999999999", "5-5"):
        response = client.get(f"/documents/children-act-1989-s46-s21?span={span}")
        assert response.status_code == 200
        assert "<mark>" not in response.get_data(as_text=True)


def test_citation_links_land_on_their_passage(client: FlaskClient) -> None:
    page = post(client, ANSWERED_QUESTION).get_data(as_text=True)
    link = unescape(re.findall(r'class="reader-link" href="([^"]+)"', page)[0])
    url = urlsplit(link)
    reader = client.get(f"{url.path}?{url.query}").get_data(as_text=True)
    assert f'id="{url.fragment}"' in reader
    start, end = (int(x) for x in parse_qs(url.query)["span"][0].split("-"))
    text = client.get(f"/api{url.path}").get_json()["text"]
    section = reader[reader.index(f'id="{url.fragment}"'):]
    section = section[:section.index("</section>")]
    marks = [unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", section, re.S)]
    assert "".join(marks) == text[start:end]


# --- the small corpus: labels and untrusted text -------------------------------------------


def test_superseded_and_draft_sources_are_labelled(small_app: Flask) -> None:
    client = small_app.test_client()
    page = post(client, SUPERSEDED_QUESTION).get_data(as_text=True)
    assert 'class="notice"' in page and "is superseded by alpha-guide" in page
    assert "badge badge--superseded" in page and "cite--superseded" in page
    page = post(client, DRAFT_QUESTION).get_data(as_text=True)
    assert "badge badge--draft" in page and "Draft / sample" in page
    listing = client.get("/documents").get_data(as_text=True)
    assert "Superseded by alpha-guide" in listing and "Draft / sample" in listing
    reader = client.get("/documents/old-guide").get_data(as_text=True)
    assert "This edition has been superseded" in reader


def test_not_supplied_document_has_a_friendly_404(small_app: Flask) -> None:
    response = small_app.test_client().get("/documents/missing-guide")
    assert response.status_code == 404
    assert "has not been supplied" in response.get_data(as_text=True)


def test_html_in_documents_and_questions_is_shown_as_text(small_app: Flask) -> None:
    client = small_app.test_client()
    reader = client.get("/documents/alpha-guide").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in reader and "&lt;img src=x onerror" in reader
    assert "<script>alert" not in reader and "<img" not in reader
    question = 'What must officers never paste into the custody record? <script>alert(2)</script>'
    page = post(client, question).get_data(as_text=True)
    assert "<script>alert" not in page and "<img" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    items = [unescape(i) for i in re.findall(r'<span class="item-text">(.*?)</span>', page)]
    assert any(item.startswith(UNTRUSTED_SENTENCE) for item in items)
