"""The trainer's quiz workflow through real HTTP on the Flask app over the shipped corpus's
real index: draft from a topic, edit, reorder, delete, add an own item, approve, export
(only approved items), print, conflicts between tabs, errors, who may see which quiz, CSRF."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_support import TEST_PASSWORD, client_as, username_for

from assistant import users
from assistant.db import session_scope
from assistant.quiz import QuizGenerator, store
from assistant.quiz.model import Quiz
from tests.gift_parser import parse_gift

pytest_plugins = ["web_fixtures"]
pytestmark = pytest.mark.database

TOPIC = "missing children"
EDITED = 'Which of these did the report find? (edited: <b>bold</b> & {braces})'


def _quiz_id(response: Any) -> int:
    assert response.status_code == 302, response.data[:500]
    found = re.fullmatch(r"/quizzes/(\d+)", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def _stored(app: Flask, quiz_id: int) -> store.QuizRecord:
    with session_scope(app.config["SAFEGUIDE_DATABASE_URL"]) as session:
        return store.load(session, quiz_id, 0, sees_all=True)


def _post(client: FlaskClient, app: Flask, path: str, **data: str) -> Any:
    """A form post from a page showing the quiz's current version."""
    quiz_id = int(path.split("/")[2])
    return client.post(path, data={"version": str(_stored(app, quiz_id).version), **data})


@pytest.fixture(scope="module")
def trainer(shipped_app: Flask) -> FlaskClient:
    return client_as(shipped_app, "trainer")


@pytest.fixture(scope="module")
def drafted(shipped_app: Flask, trainer: FlaskClient) -> int:
    response = trainer.post("/quizzes", data={"topic": TOPIC, "seed": "1"})
    return _quiz_id(response)


def test_a_quiz_drafted_on_the_web_is_the_cli_quiz_with_its_sources(
        shipped_app, trainer, drafted, built_index):
    record = _stored(shipped_app, drafted)
    assert record.owner == username_for("trainer") and record.version == 1
    cli = QuizGenerator.from_settings(built_index).build(topics=[TOPIC], seed=1)
    assert record.quiz == cli  # same index, topic and seed: the same quiz
    assert {"scenario", "multiple_choice"} <= {i.kind for i in record.quiz.items}
    assert not record.quiz.approved_items

    page = trainer.get(f"/quizzes/{drafted}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Drafted" in html  # the flash after the redirect
    for item in record.quiz.items:
        assert f'id="item-{item.id}"' in html
    first_source = record.quiz.items[0].sources[0]
    assert f'href="{first_source.url.replace("&", "&amp;")}"' in html  # chip to the reader
    assert first_source.url.startswith(f"/documents/{first_source.document_id}")
    assert html.count('class="chip"') == sum(len(i.sources) for i in record.quiz.items)
    assert html.count('name="csrf_token"') >= 1 + 5 * len(record.quiz.items)
    listing = trainer.get("/quizzes").get_data(as_text=True)
    assert f'href="/quizzes/{drafted}"' in listing and "missing children" in listing


def test_edit_reorder_delete_add_approve_and_export_only_approved_items(
        shipped_app, trainer, drafted):
    quiz = _stored(shipped_app, drafted).quiz
    choice = next(i for i in quiz.items if i.kind == "multiple_choice")
    options = {f"option_{n}": o.text for n, o in enumerate(choice.options, start=1)}
    correct = str(next(n for n, o in enumerate(choice.options, start=1) if o.correct))

    assert _post(trainer, shipped_app, f"/quizzes/{drafted}/items/{choice.id}/approve")\
        .status_code == 302
    edited = _post(trainer, shipped_app, f"/quizzes/{drafted}/items/{choice.id}/edit",
                   stem=EDITED, question=choice.question, feedback=choice.feedback,
                   correct=correct, **options)
    assert edited.status_code == 302
    assert edited.headers["Location"] == f"/quizzes/{drafted}#item-{choice.id}"
    after = _stored(shipped_app, drafted).quiz.item(choice.id)
    assert after.stem == EDITED and not after.approved  # editing withdraws approval
    assert after.options == choice.options  # options and their feedback kept
    page = trainer.get(f"/quizzes/{drafted}").get_data(as_text=True)
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; {braces}" in page and "<b>bold</b>" not in page

    ids = [i.id for i in _stored(shipped_app, drafted).quiz.items]
    assert _post(trainer, shipped_app, f"/quizzes/{drafted}/items/{ids[1]}/move",
                 direction="up").status_code == 302
    moved = [i.id for i in _stored(shipped_app, drafted).quiz.items]
    assert moved == [ids[1], ids[0], *ids[2:]]
    assert _post(trainer, shipped_app, f"/quizzes/{drafted}/items/{ids[1]}/move",
                 direction="up").status_code == 400  # already first: a message, no change
    assert _post(trainer, shipped_app, f"/quizzes/{drafted}/items/{ids[-1]}/delete")\
        .status_code == 302
    assert ids[-1] not in [i.id for i in _stored(shipped_app, drafted).quiz.items]

    added = _post(trainer, shipped_app, f"/quizzes/{drafted}/items", kind="true_false",
                  stem="A child can be kept in police protection for up to 72 hours.",
                  tf_answer="true", feedback="Children Act 1989, s46.")
    assert added.status_code == 302
    own = _stored(shipped_app, drafted).quiz.items[-1]
    assert own.origin == "trainer" and own.answer == "true" and not own.sources

    refused = trainer.get(f"/quizzes/{drafted}/export.gift")
    assert refused.status_code == 400 and "approve items first" in refused.get_data(True)

    for item_id in (choice.id, own.id):
        assert _post(trainer, shipped_app, f"/quizzes/{drafted}/items/{item_id}/approve")\
            .status_code == 302
    stored = _stored(shipped_app, drafted).quiz
    assert [i.id for i in stored.approved_items] == [i.id for i in stored.items
                                                     if i.id in (choice.id, own.id)]

    gift = trainer.get(f"/quizzes/{drafted}/export.gift")
    assert gift.status_code == 200 and gift.mimetype == "text/plain"
    assert "attachment" in gift.headers["Content-Disposition"]
    parsed = parse_gift(gift.get_data(as_text=True))
    assert [q.kind for q in parsed] == ["multichoice" if i.id == choice.id else "truefalse"
                                        for i in stored.approved_items]
    texts = [q.text for q in parsed]
    assert f"{EDITED}\n\n{choice.question}" in texts and own.stem in texts
    assert len(parsed) == 2  # the unapproved items stay out

    rows = list(csv.DictReader(io.StringIO(
        trainer.get(f"/quizzes/{drafted}/export.csv").get_data(as_text=True))))
    assert sorted(r["id"] for r in rows) == sorted([choice.id, own.id])

    questions = trainer.get(f"/quizzes/{drafted}/print?answers=0")
    answers = trainer.get(f"/quizzes/{drafted}/print?answers=1")
    assert questions.status_code == answers.status_code == 200
    assert "&lt;b&gt;bold" in questions.get_data(True)
    assert "(answers)" in answers.get_data(True) and "(answers)" not in questions.get_data(True)
    assert "(correct)" not in questions.get_data(True)
    policy = answers.headers["Content-Security-Policy"]
    assert "'sha256-" in policy and "unsafe-inline" not in policy and "script" not in policy

    approved_all = _post(trainer, shipped_app, f"/quizzes/{drafted}/approve-all")
    assert approved_all.status_code == 302
    everything = _stored(shipped_app, drafted).quiz
    assert len(everything.approved_items) == len(everything.items)
    assert len(parse_gift(trainer.get(f"/quizzes/{drafted}/export.gift")
                          .get_data(as_text=True))) == len(everything.items)


def test_a_broken_edit_is_explained_and_what_was_typed_stays(shipped_app, trainer, drafted):
    quiz = _stored(shipped_app, drafted).quiz
    scenario = next(i for i in quiz.items if i.kind == "scenario")
    response = _post(trainer, shipped_app, f"/quizzes/{drafted}/items/{scenario.id}/edit",
                     stem="My rewritten case", question=scenario.question, answer="  ")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "a scenario needs a model answer" in html and 'role="alert"' in html
    assert "My rewritten case</textarea>" in html  # the typed text is back in the open form
    assert _stored(shipped_app, drafted).quiz == quiz  # nothing saved

    no_options = _post(trainer, shipped_app, f"/quizzes/{drafted}/items",
                       kind="multiple_choice", stem="Pick one", option_1="only", correct="1")
    assert no_options.status_code == 400 and "needs 2 to 6 options" in no_options.get_data(True)


def test_a_page_out_of_date_cannot_overwrite_a_newer_save(shipped_app, trainer, drafted):
    record = _stored(shipped_app, drafted)
    first = record.quiz.items[0]
    older_tab = {"version": str(record.version)}
    assert trainer.post(f"/quizzes/{drafted}/rename",
                        data={**older_tab, "title": "Renamed in tab one"}).status_code == 302
    stale = trainer.post(f"/quizzes/{drafted}/items/{first.id}/delete", data=older_tab)
    assert stale.status_code == 409
    assert "changed in another tab" in stale.get_data(as_text=True)
    assert trainer.post(f"/quizzes/{drafted}/delete",
                        data={**older_tab, "confirm": "yes"}).status_code == 409
    now = _stored(shipped_app, drafted)
    assert now.quiz.title == "Renamed in tab one" and first.id in [i.id for i in now.quiz.items]
    for version in ({}, {"version": "²"}):  # a form without the page's version
        assert trainer.post(f"/quizzes/{drafted}/approve-all", data=version).status_code == 400


def test_drafting_errors_are_messages_on_the_page(trainer):
    for data, message in (({"topic": "", "section": ""}, "at least one topic"),
                          ({"section": "99. Nowhere"}, "no indexed section"),
                          ({"topic": TOPIC, "seed": "-3"}, "the seed is a whole number"),
                          ({"topic": TOPIC, "seed": "²"}, "the seed is a whole number"),
                          ({"topic": "x" * 151}, "longer than 150")):
        response = trainer.post("/quizzes", data=data)
        assert response.status_code == 400, data
        html = response.get_data(as_text=True)
        assert message in html and 'id="new-quiz"' in html
    kept = trainer.post("/quizzes", data={"section": "99. Nowhere", "title": "Kept title"})
    assert 'value="Kept title"' in kept.get_data(as_text=True)


def _client_for(app: Flask, username: str, role: str) -> FlaskClient:
    with session_scope(app.config["SAFEGUIDE_DATABASE_URL"]) as session:
        user = users.find_user(session, username) or \
            users.create_user(session, username, role, TEST_PASSWORD)
        secret = users.create_token(session, user, "tests")[1]
    client = client_as(app, None)
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def test_only_trainers_and_admins_and_a_trainer_sees_only_their_quizzes(
        shipped_app, trainer, drafted):
    for role in ("officer", "custody", "supervisor"):
        client = client_as(shipped_app, role)
        assert client.get("/quizzes").status_code == 403
        assert client.get(f"/quizzes/{drafted}/export.gift").status_code == 403
        assert 'href="/quizzes"' not in client.get("/").get_data(as_text=True)  # no nav link
    assert 'href="/quizzes"' in trainer.get("/").get_data(as_text=True)

    other = _client_for(shipped_app, "test-trainer-other", "trainer")
    assert other.get(f"/quizzes/{drafted}").status_code == 404  # as if it did not exist
    assert other.post(f"/quizzes/{drafted}/delete",
                      data={"version": "1", "confirm": "yes"}).status_code == 404
    assert f'href="/quizzes/{drafted}"' not in other.get("/quizzes").get_data(as_text=True)
    assert trainer.get("/quizzes/999999").status_code == 404

    admin = client_as(shipped_app, "admin")
    listing = admin.get("/quizzes").get_data(as_text=True)
    assert f'href="/quizzes/{drafted}"' in listing and username_for("trainer") in listing
    assert admin.get(f"/quizzes/{drafted}").status_code == 200

    mine = _quiz_id(other.post("/quizzes", data={"section": "8. Decision making"}))
    assert trainer.get(f"/quizzes/{mine}").status_code == 404
    unconfirmed = _post(other, shipped_app, f"/quizzes/{mine}/delete")
    assert unconfirmed.status_code == 400 and "confirm" in unconfirmed.get_data(as_text=True)
    assert _post(other, shipped_app, f"/quizzes/{mine}/delete", confirm="yes")\
        .status_code == 302
    assert "was deleted" in other.get("/quizzes").get_data(as_text=True)
    with pytest.raises(store.QuizNotFoundError):
        _stored(shipped_app, mine)


def test_a_form_post_without_the_csrf_token_is_refused(shipped_app, drafted):
    browser = client_as(shipped_app, None)  # cookies and forms, no API token
    login = browser.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    signed_in = browser.post("/login", data={"username": username_for("trainer"),
                                             "password": TEST_PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    before: Quiz = _stored(shipped_app, drafted).quiz
    forged = browser.post(f"/quizzes/{drafted}/approve-all",
                          data={"version": str(_stored(shipped_app, drafted).version)})
    assert forged.status_code == 400 and "CSRF" in forged.get_data(as_text=True)
    assert browser.post("/quizzes", data={"topic": TOPIC}).status_code == 400
    assert _stored(shipped_app, drafted).quiz == before
    page = browser.get(f"/quizzes/{drafted}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    accepted = browser.post(f"/quizzes/{drafted}/rename",
                            data={"csrf_token": token, "version": version, "title": "Signed"})
    assert accepted.status_code == 302 and _stored(shipped_app, drafted).quiz.title == "Signed"
