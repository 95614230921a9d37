"""Immediate risk and personal data reach the officer: the API and the no-JavaScript page."""

from __future__ import annotations

from flask.testing import FlaskClient

from assistant.urgent import urgent_reply

pytest_plugins = ["web_fixtures"]

URGENT = "a baby is not breathing at the address right now, what do I do"
WITH_NAME = "Kayden Smith, 14, DOB 03/04/2011, missing again - what must I record?"


def test_immediate_risk_gets_the_act_now_reply_first(client: FlaskClient) -> None:
    body = client.post("/api/ask", json={"question": URGENT}).get_json()
    assert body["urgent_reply"].startswith("Act now")
    assert "999" in body["urgent_reply"] and "**" not in body["urgent_reply"]
    page = client.post("/", data={"question": URGENT}).get_data(as_text=True)
    urgent_at = page.index('class="urgent" role="alert"')
    guidance_at = min(i for i in (page.find('class="items"'), page.find('class="abstention"'))
                      if i >= 0)
    assert urgent_at < guidance_at


def test_ordinary_questions_get_no_urgent_reply(client: FlaskClient) -> None:
    body = client.post("/api/ask", json={"question": "how do I assess risk at a DA job?"})
    assert body.get_json()["urgent_reply"] is None


def test_personal_data_is_held_for_a_warning_then_answered_when_confirmed(
        client: FlaskClient) -> None:
    held = client.post("/api/ask", json={"question": WITH_NAME}).get_json()
    assert held["status"] == "personal_data_warning"
    assert {"NAME", "AGE", "DOB"} <= set(held["personal_data"])
    assert "answer" not in held and "citations" not in held
    assert "Kayden" not in held["redacted_question"] and "[DOB]" in held["redacted_question"]
    body = client.post("/api/ask", json={"question": WITH_NAME,
                                         "confirm_personal_data": True}).get_json()
    assert body["status"] in ("answered", "abstained") and "citations" in body
    assert {"NAME", "DOB"} <= set(body["personal_data"])
    page = client.post("/", data={"question": WITH_NAME}).get_data(as_text=True)
    assert 'id="pd-warning"' in page and "Ask anyway" in page and 'class="turn' not in page
    page = client.post("/", data={"question": WITH_NAME, "confirm_personal_data": "1"})
    assert "Personal data:" in page.get_data(as_text=True)


def test_a_child_in_danger_is_never_held_behind_the_personal_data_warning(
        client: FlaskClient) -> None:
    held = client.post("/api/ask", json={"question": f"Kayden Smith: {URGENT}"}).get_json()
    assert held["status"] == "personal_data_warning"
    assert held["urgent_reply"].startswith("Act now")


def test_the_reply_comes_from_the_prompt_file() -> None:
    assert "999" in urgent_reply() and "section 46" in urgent_reply()
