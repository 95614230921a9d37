"""Checklists over HTTP (the shipped corpus's real index): the JSON shapes, 404s, the pages,
and the checklist an answer offers, in the API and on the page."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

pytest_plugins = ["web_fixtures"]

CUSTODY = "sample-custody-children"


def test_api_lists_every_checklist(client: FlaskClient) -> None:
    response = client.get("/api/checklists")
    assert response.status_code == 200
    body = response.get_json()
    assert body["index_version"]
    by_id = {c["id"]: c for c in body["checklists"]}
    assert CUSTODY in by_id and len(by_id) == 5
    custody = by_id[CUSTODY]
    assert set(custody) == {"id", "title", "document_id", "document_title", "edition",
                            "status", "audiences", "items", "url"}
    assert custody["status"] == "draft" and custody["url"] == f"/checklists/{CUSTODY}"
    assert custody["items"] >= 10 and "custody" in custody["audiences"]


def test_api_checklist_items_carry_their_cited_passage(client: FlaskClient) -> None:
    body = client.get(f"/api/checklists/{CUSTODY}").get_json()
    assert body["problems"] == [] and body["index_version"]
    assert [i["position"] for i in body["items"]] == list(range(1, len(body["items"]) + 1))
    for item in body["items"]:
        assert set(item) == {"position", "text", "citation", "source", "chunk_id",
                             "procedure_url"}
        source = item["source"]
        start, end = source["span"]
        assert source["text"][start:end] == source["span_text"]
        assert source["url"] == (f"/documents/{source['document_id']}?span="
                                 f"{source['url'].split('span=')[1].split('#')[0]}"
                                 f"#{source['chunk_id']}")
        assert item["procedure_url"].startswith(f"/documents/{CUSTODY}?span=")
    reader = client.get(body["items"][0]["source"]["url"])
    assert reader.status_code == 200
    assert body["items"][0]["source"]["span_text"] in reader.get_data(as_text=True)


def test_unknown_checklist_is_a_json_404_and_a_page_404(client: FlaskClient) -> None:
    response = client.get("/api/checklists/no-such-list")
    assert response.status_code == 404
    assert "no checklist with id 'no-such-list'" in response.get_json()["error"]
    page = client.get("/checklists/no-such-list")
    assert page.status_code == 404 and "There is no checklist" in page.get_data(as_text=True)


def test_checklist_pages_render_items_ticks_and_sources(client: FlaskClient) -> None:
    listing = client.get("/checklists").get_data(as_text=True)
    assert f'href="/checklists/{CUSTODY}"' in listing and "Draft / sample" in listing
    page = client.get(f"/checklists/{CUSTODY}").get_data(as_text=True)
    items = client.get(f"/api/checklists/{CUSTODY}").get_json()["items"]
    assert page.count('type="checkbox"') == len(items)
    assert page.count('class="chip"') == len(items)
    assert "SAMPLE / draft: not force policy" in page
    assert "nothing is saved or sent" in page
    assert 'src="/static/checklist.js"' in page


def test_answer_offers_the_matching_checklist(client: FlaskClient) -> None:
    body = client.post("/api/ask", json={"question": "what must custody staff record for a "
                                                     "juvenile in custody?"}).get_json()
    offers = body["offered_checklists"]
    assert offers and offers[0]["id"] == CUSTODY
    assert set(offers[0]) == {"id", "title", "status", "reason", "similarity", "url"}
    assert offers[0]["url"] == f"/checklists/{CUSTODY}"
    page = client.post("/", data={"question": "s46 - what do I need to record?"})
    assert 'href="/checklists/sample-police-protection"' in page.get_data(as_text=True)


def test_out_of_scope_question_offers_no_checklist(client: FlaskClient) -> None:
    body: dict[str, Any] = client.post(
        "/api/ask", json={"question": "what's the speed limit on a motorway?"}).get_json()
    assert body["abstained"] and body["offered_checklists"] == []
