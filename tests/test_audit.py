"""The audit log, the redaction of what is stored, feedback, the content-gap report,
retention and the command line, on a migrated test database (real app, real index)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from web_support import client_as, username_for

from assistant import audit, cli, users
from assistant.audit import AuditEvent
from assistant.db import session_scope, upgrade, utcnow
from assistant.feedback import Feedback, content_gaps
from assistant.personal_data import KINDS, detect

pytest_plugins = ["web_fixtures"]
pytestmark = pytest.mark.database

ANSWERED = "When must a referral be made to children's social care?"
ABSTAINED = "what is the speed limit on a motorway for a learner driver?"
# One example of each kind (written for this test), with the value that must never be stored.
EXAMPLES = {
    "NAME": ("Can Kayden Smith stay with his aunt after a referral?", "Kayden"),
    "AGE": ("Kayden Smith, 14, ran off again: when is a referral made?", "14,"),
    "DOB": ("Girl with DOB 03/04/2011 - when is a referral made?", "03/04/2011"),
    "ADDRESS": ("Child found at 12 Acacia Road, referral needed?", "Acacia"),
    "POSTCODE": ("Child found near SW1A 2AA, referral needed?", "SW1A"),
    "PHONE": ("Mum rang from 07700 900123, referral needed?", "900123"),
    "EMAIL": ("School emailed from k.smith@example.com, referral needed?", "k.smith"),
    "NI_NUMBER": ("Carer's NI number JT 48 29 17 B, referral needed?", "JT 48"),
    "NHS_NUMBER": ("NHS number 943 476 5919 on the form, referral needed?", "943 476"),
    "PNC_ID": ("Father has PNC ID 11/123456X, referral needed?", "123456X"),
    "REFERENCE": ("Linked to crime ref 42/12345/24, referral needed?", "42/12345"),
    "VEHICLE_REG": ("Seen in a car reg AB12 CDE, referral needed?", "AB12"),
}


def _db(app: Flask) -> Any:
    return session_scope(app.config["SAFEGUIDE_DATABASE_URL"])


def _row(app: Flask, request_id: str) -> AuditEvent:
    with _db(app) as session:
        row = audit.find_event(session, request_id)
        assert row is not None, f"no audit row for {request_id}"
        return row


def test_every_kind_has_an_example() -> None:
    assert set(EXAMPLES) == set(KINDS)
    for kind, (question, _) in EXAMPLES.items():
        assert kind in {f.kind for f in detect(question)}, kind


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_stored_rows_are_redacted_for_each_kind(small_app: Flask, kind: str) -> None:
    question, value = EXAMPLES[kind]
    client = client_as(small_app, "officer")
    held = client.post("/api/ask", json={"question": question}).get_json()
    assert held["status"] == "personal_data_warning" and kind in held["personal_data"]
    assert value not in held["redacted_question"] and f"[{kind}]" in held["redacted_question"]
    body = client.post("/api/ask", json={"question": question,
                                         "confirm_personal_data": True}).get_json()
    for request_id in (held["request_id"], body["request_id"]):
        row = _row(small_app, request_id)
        assert value not in row.question and f"[{kind}]" in row.question
        assert kind in row.personal_data.split(",")
    assert _row(small_app, held["request_id"]).status == "warned"
    response = client.post("/api/feedback", json={
        "request_id": body["request_id"], "rating": "down", "reason": "incomplete",
        "comment": f"About {question}"})
    assert response.status_code == 201, response.get_json()
    with _db(small_app) as session:
        stored = session.get(Feedback, response.get_json()["id"])
        assert value not in stored.comment and f"[{kind}]" in stored.comment
        assert value not in stored.question


def test_answered_abstained_and_refused_questions_are_audited(small_app: Flask) -> None:
    client = client_as(small_app, "custody")
    answered = client.post("/api/ask", json={"question": ANSWERED}, headers={
        "X-Request-ID": "audit-answered-1"}).get_json()
    row = _row(small_app, "audit-answered-1")
    assert (row.status, row.username, row.role) == ("answered", username_for("custody"),
                                                     "custody")
    assert row.question == ANSWERED and row.at.tzinfo is not None and row.latency_ms > 0
    shown = json.loads(row.citations)
    assert [c["chunk_id"] for c in shown] == [c["chunk_id"] for c in answered["citations"]]
    assert row.index_version == answered["index_version"]

    client.post("/api/ask", json={"question": ABSTAINED}, headers={
        "X-Request-ID": "audit-abstained-1"})
    row = _row(small_app, "audit-abstained-1")
    assert row.status == "abstained" and row.citations == "[]"

    too_long = client.post("/api/ask", json={"question": "Kayden Smith " + "x" * 1200},
                           headers={"X-Request-ID": "audit-refused-1"})
    assert too_long.status_code == 400
    row = _row(small_app, "audit-refused-1")
    assert row.status == "refused" and "Kayden" not in row.question
    hidden = client.post("/", data={"question": "\u200b\U000E0041"},  # only hidden characters
                         headers={"X-Request-ID": "audit-refused-2"})
    assert hidden.status_code == 400
    assert _row(small_app, "audit-refused-2").status == "refused"


def test_the_audit_log_is_append_only(small_app: Flask) -> None:
    client_as(small_app, "officer").post("/api/ask", json={"question": ANSWERED},
                                         headers={"X-Request-ID": "audit-append-1"})
    with pytest.raises(PermissionError), _db(small_app) as session:
        row = audit.find_event(session, "audit-append-1")
        row.question = "rewritten"
        session.flush()


def test_supervisors_view_and_export_the_audit_log_officers_cannot(small_app: Flask) -> None:
    client_as(small_app, "officer").post("/api/ask", json={"question": ANSWERED},
                                         headers={"X-Request-ID": "audit-export-1"})
    supervisor = client_as(small_app, "supervisor")
    page = supervisor.get("/audit").get_data(as_text=True)
    assert "audit-export-1" in page and username_for("officer") in page
    response = supervisor.get("/audit.csv")
    assert response.mimetype == "text/csv" and "attachment" in \
        response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    exported = next(r for r in rows if r["request_id"] == "audit-export-1")
    assert exported["status"] == "answered" and exported["question"] == ANSWERED
    assert supervisor.get("/audit?status=answered").status_code == 200
    for role in ("officer", "custody", "trainer"):
        assert client_as(small_app, role).get("/audit.csv").status_code == 403


def test_feedback_needs_an_answer_the_user_was_shown(small_app: Flask) -> None:
    officer, trainer = client_as(small_app, "officer"), client_as(small_app, "trainer")
    body = officer.post("/api/ask", json={"question": ANSWERED}).get_json()
    up = officer.post("/api/feedback", json={"request_id": body["request_id"],
                                             "rating": "up"})
    assert up.status_code == 201
    with _db(small_app) as session:
        stored = session.get(Feedback, up.get_json()["id"])
        assert stored.citations == _row(small_app, body["request_id"]).citations
        assert stored.question == ANSWERED
    someone_elses = trainer.post("/api/feedback", json={"request_id": body["request_id"],
                                                        "rating": "down"})
    assert someone_elses.status_code == 400
    bad_reason = officer.post("/api/feedback", json={
        "request_id": body["request_id"], "rating": "down", "reason": "boring"})
    assert bad_reason.status_code == 400 and "reason" in bad_reason.get_json()["error"]
    assert officer.post("/api/feedback", json={"rating": "up"}).status_code == 400


def test_feedback_without_javascript_is_a_form_post(small_app: Flask) -> None:
    officer = client_as(small_app, "officer")
    page = officer.post("/", data={"question": ANSWERED}).get_data(as_text=True)
    form = page[page.index("<noscript>"):page.index("</noscript>")]
    assert 'action="/feedback"' in form and 'name="csrf_token"' in form
    request_id = re.search(r'name="request_id" value="([^"]+)"', form).group(1)
    sent = officer.post("/feedback", data={"request_id": request_id, "rating": "down",
                                           "reason": "out_of_date",
                                           "comment": "call me on 07700 900123"})
    assert sent.status_code == 200 and "feedback was recorded" in sent.get_data(as_text=True)
    with _db(small_app) as session:
        stored = session.query(Feedback).filter_by(request_id=request_id).one()
        assert (stored.rating, stored.reason) == ("down", "out_of_date")
        assert "07700" not in stored.comment
    refused = officer.post("/feedback", data={"request_id": request_id, "rating": "sideways"})
    assert refused.status_code == 400 and "rating" in refused.get_data(as_text=True)


def test_the_content_gap_report_lists_the_most_frequent_first(small_app: Flask) -> None:
    officer = client_as(small_app, "officer")
    gap_question = "how do I fill in a form 27B stroke 6 for a dog?"
    for _ in range(3):
        officer.post("/api/ask", json={"question": gap_question})
    rated = officer.post("/api/ask", json={"question": ANSWERED}).get_json()
    officer.post("/api/feedback", json={"request_id": rated["request_id"], "rating": "down",
                                        "reason": "out_of_date"})
    with _db(small_app) as session:
        gaps = content_gaps(session)
    questions = [g.question for g in gaps]
    assert gap_question in questions and ANSWERED in questions
    first = next(g for g in gaps if g.question == gap_question)
    assert first.abstained >= 3
    assert [g.total for g in gaps] == sorted((g.total for g in gaps), reverse=True)
    down = next(g for g in gaps if g.question == ANSWERED)
    assert down.rated_down >= 1 and "out_of_date" in down.reasons
    page = client_as(small_app, "admin").get("/content-gaps").get_data(as_text=True)
    assert gap_question in page and "out of date" in page
    assert client_as(small_app, "officer").get("/content-gaps").status_code == 403


def test_retention_purges_only_older_rows(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'purge.db'}"
    upgrade(url)
    now = utcnow()
    with session_scope(url) as session:
        for days, request_id in ((400, "old"), (366, "just-old"), (10, "recent")):
            session.add(AuditEvent(at=now - timedelta(days=days), username="u", role="officer",
                                   request_id=request_id, question="q", status="answered",
                                   personal_data="", urgent=False, citations="[]",
                                   latency_ms=1.0, index_version=""))
    with session_scope(url) as session:
        assert audit.purge(session, 365, now=now) == 2
        assert [r.request_id for r in session.scalars(select(AuditEvent))] == ["recent"]
        with pytest.raises(ValueError):
            audit.purge(session, 0)


# --- the command line ------------------------------------------------------------------------


@pytest.fixture
def run(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("SAFEGUIDE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SAFEGUIDE_INSTANCE_DIR", str(tmp_path))

    def run_cli(*args: str) -> tuple[int, str]:
        out = io.StringIO()
        return cli.main(list(args), out=out), out.getvalue()

    return run_cli


def test_first_run_creates_an_admin_once_with_a_one_time_password(run: Any) -> None:
    code, first = run("setup")
    assert code == 0 and "one-time password" in first
    password = first.split("one-time password")[1].split()[0]
    assert len(password) >= 16
    code, again = run("setup")
    assert code == 0 and again == ""  # users exist: nothing printed, no new admin
    code, listing = run("users", "list")
    assert listing.startswith("admin\tadmin\tactive")
    code, revision = run("db", "current")
    assert revision.strip() == "0002"


def test_users_and_tokens_from_the_command_line(run: Any, capsys: Any) -> None:
    run("db", "upgrade")
    code, out = run("users", "add", "PC.Jones", "--role", "custody")
    assert code == 0 and "created pc.jones (custody)" in out and "one-time password" in out
    assert run("users", "add", "pc.jones", "--role", "custody")[0] == 1  # exists
    with pytest.raises(SystemExit) as refused:  # argparse names the roles
        run("users", "add", "x", "--role", "chief")
    assert refused.value.code == 2
    code, out = run("tokens", "create", "pc.jones", "--name", "report script")
    secret = out.strip().splitlines()[-1]
    assert secret.startswith(users.TOKEN_PREFIX)
    code, out = run("tokens", "list")
    assert "pc.jones\treport script\tlive" in out and secret not in out
    token_id = out.split("\t")[0]
    assert run("tokens", "revoke", token_id)[1].startswith("revoked")
    assert "revoked" in run("tokens", "list", "pc.jones")[1]
    assert "disabled" in run("users", "disable", "pc.jones")[1]
    assert "disabled" in run("users", "list")[1]
    code, out = run("users", "reset", "pc.jones")
    assert "one-time password" in out
    assert run("users", "reset", "nobody")[0] == 1
    assert "no user 'nobody'" in capsys.readouterr().err


def test_audit_export_and_purge_from_the_command_line(run: Any, tmp_path: Any) -> None:
    run("db", "upgrade")
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with session_scope(url) as session:
        audit.record(session, audit.AuditEntry("u", "officer", "cli-1",
                                               "Kayden Smith DOB 03/04/2011", "abstained"))
    out_file = tmp_path / "audit.csv"
    assert run("audit", "export", "--out", str(out_file))[0] == 0
    rows = list(csv.DictReader(io.StringIO(out_file.read_text(encoding="utf-8"))))
    assert rows[0]["request_id"] == "cli-1" and rows[0]["question"] == "[NAME] DOB [DOB]"
    assert run("audit", "purge")[1].startswith("purged 0 audit rows older than 365 days")
    assert run("audit", "purge", "--days", "1")[1].startswith("purged 0")
