"""Real-browser tests: Playwright driving Debian's Chromium against the app served by gunicorn.

The server is real gunicorn with ``gunicorn.conf.py`` on a free loopback port (the
``live_server`` fixtures in ``web_fixtures.py``), the same as ``make run`` serves. The main
flow runs at the issue's phone viewport (390x844) and at a desktop one; every page is also
checked for horizontal scrolling at 360 px, the narrowest common phone.

Chromium comes from apt (``make browser-deps``); Playwright's own browser download is not
used. Without /usr/bin/chromium these tests skip, except under ``CI=true`` where they fail.
Screenshots go to ``test-artifacts/browser/`` in the repository (git-ignored).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from sqlalchemy import select
from web_support import (
    ANSWERED_QUESTION,
    ARTIFACTS,
    DRAFT_QUESTION,
    OUT_OF_SCOPE_QUESTION,
    SUPERSEDED_QUESTION,
    TEST_PASSWORD,
    UNTRUSTED_SENTENCE,
    GunicornServer,
    prepare_database,
    token_for,
    username_for,
)

from assistant import audit
from assistant.db import session_scope
from assistant.feedback import Feedback

pytest_plugins = ["web_fixtures"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}  # the phone (an iPhone 12 to 14)
NARROW_PHONE = {"width": 360, "height": 740}  # the narrowest common phone: no sideways scroll
DESKTOP = {"width": 1280, "height": 800}
SCREENSHOTS = ARTIFACTS / "browser"
TIMEOUT_MS = 30_000


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
        pytest.fail(f"CI is set but {CHROMIUM} is missing: run `make browser-deps`")
    pytest.skip(f"{CHROMIUM} is not installed (run `make browser-deps`); set CI=true to "
                "make this a failure")


def launched_chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, closed when the generator is."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_chromium()


@pytest.fixture(scope="module")
def officer(database_url: str) -> dict[str, str]:
    """Signs the page tests in as the officer test user (an API token on every request);
    ``test_phone_sign_in_...`` signs in through the real form instead."""
    prepare_database(database_url)
    return {"Authorization": f"Bearer {token_for(database_url, 'officer')}"}


def _page(browser: Any, viewport: dict[str, int], headers: dict[str, str] | None,
          **options: Any) -> Iterator[Any]:
    mobile = viewport["width"] < 600
    context = browser.new_context(viewport=viewport, is_mobile=mobile, has_touch=mobile,
                                  device_scale_factor=2 if mobile else 1,
                                  extra_http_headers=headers or {}, **options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


@pytest.fixture
def phone(browser: Any, officer: dict[str, str]) -> Iterator[Any]:
    yield from _page(browser, PHONE, officer)


@pytest.fixture
def narrow_phone(browser: Any, officer: dict[str, str]) -> Iterator[Any]:
    yield from _page(browser, NARROW_PHONE, officer)


@pytest.fixture
def desktop(browser: Any, officer: dict[str, str]) -> Iterator[Any]:
    yield from _page(browser, DESKTOP, officer, permissions=["clipboard-read", "clipboard-write"])


@pytest.fixture
def phone_without_js(browser: Any, officer: dict[str, str]) -> Iterator[Any]:
    yield from _page(browser, PHONE, officer, java_script_enabled=False)


def scroll_width(page: Any) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path))
    return path


def tab_to_question_box(page: Any) -> list[str]:
    """Press Tab until the question box has focus; return what got focus on the way."""
    seen = []
    for _ in range(8):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id || document.activeElement.textContent")
        seen.append(focused.strip())
        if focused == "question":
            return seen
    raise AssertionError(f"Tab never reached the question box: {seen}")


def ask_by_keyboard(page: Any, question: str) -> Any:
    page.locator("#question").focus()
    page.keyboard.type(question)
    before = page.locator(".turn").count()
    page.keyboard.press("Enter")
    page.locator(".turn").nth(before).wait_for()
    return page.locator(".turn").nth(before)


def open_first_citation_and_follow_it(page: Any, viewport: dict[str, int], tap: bool) -> None:
    """Open the first chip, check the highlighted span, follow the reader link."""
    turn = page.locator(".turn--answered").last
    chip = turn.locator(".chip").first
    chip.tap() if tap else chip.click()
    passage = turn.locator(".cite[open] .passage").first
    passage.wait_for(state="visible")
    mark = passage.locator("mark")
    assert mark.is_visible()
    assert mark.inner_text().strip() == turn.locator(".item-text").first.inner_text().strip()
    assert passage.locator(".passage-title").inner_text()
    assert passage.locator(".passage-meta").inner_text()
    assert passage.locator(".passage-section").inner_text()
    assert scroll_width(page) <= viewport["width"]
    link = passage.locator(".reader-link")
    href = link.get_attribute("href")
    span_text = mark.inner_text().strip()
    link.tap() if tap else link.click()
    page.wait_for_url("**/documents/**")
    chunk_id = unquote(urlsplit(href).fragment)
    cited = page.locator(".chunk.is-cited")
    cited.wait_for()
    assert cited.get_attribute("id") == chunk_id
    assert page.evaluate("document.querySelector(':target').id") == chunk_id
    assert page.evaluate("document.activeElement.id") == chunk_id
    marked = " ".join(m.strip() for m in cited.locator("mark").all_inner_texts())
    assert marked == span_text
    page.wait_for_function(  # the span is scrolled into view (its first line at least)
        "() => { const r = document.querySelector('.chunk.is-cited mark')"
        ".getBoundingClientRect(); return r.top >= 0 && r.top + 20 <= window.innerHeight; }")
    assert scroll_width(page) <= viewport["width"]


# --- tests ------------------------------------------------------------------------------


def test_phone_ask_by_keyboard_open_citation_and_land_on_the_passage(
    phone: Any, live_server: GunicornServer,
) -> None:
    page = phone
    response = page.goto(live_server.url + "/")
    assert response.headers["server"].startswith("gunicorn")  # not a development server
    seen = tab_to_question_box(page)
    assert seen[0] == "Skip to the question box"
    page.keyboard.type(ANSWERED_QUESTION)
    page.keyboard.press("Enter")
    turn = page.locator(".turn--answered")
    turn.wait_for()
    assert turn.locator(".item").count() >= 1
    assert turn.locator(".chip").count() == turn.locator(".item").count()
    assert page.locator("#question").input_value() == ""
    copy = turn.locator(".copy-answer")
    assert copy.is_visible() and copy.inner_text() == "Copy answer with sources"
    assert scroll_width(page) <= PHONE["width"]
    turn.locator(".chip").first.tap()
    turn.locator(".cite[open] mark").first.wait_for(state="visible")
    turn.locator(".cite[open]").first.scroll_into_view_if_needed()
    screenshot(page, "phone-answer.png")
    turn.locator(".chip").first.tap()  # close again, then the full flow from a fresh chip
    open_first_citation_and_follow_it(page, PHONE, tap=True)
    screenshot(page, "phone-reader.png")
    assert page.dialogs == []


def test_desktop_ask_open_citation_and_land_on_the_passage(
    desktop: Any, live_server: GunicornServer,
) -> None:
    page = desktop
    page.goto(live_server.url + "/")
    page.locator("#question").fill(ANSWERED_QUESTION)
    page.locator("#ask-button").click()
    turn = page.locator(".turn--answered")
    turn.wait_for()
    turn.locator(".copy-answer").click()
    page.wait_for_function("document.getElementById('form-status').textContent.includes('copied')")
    copied = page.evaluate("navigator.clipboard.readText()")
    first_item = turn.locator(".item-text").first.inner_text().strip()
    assert copied.startswith(first_item + " [1]")
    assert "\n\nSources:\n[1] " in copied and f"{live_server.url}/documents/" in copied
    open_first_citation_and_follow_it(page, DESKTOP, tap=False)
    screenshot(page, "desktop-reader.png")


def test_follow_up_sends_the_thread_and_keeps_both_turns(
    phone: Any, live_server: GunicornServer,
) -> None:
    page = phone
    page.goto(live_server.url + "/")
    ask_by_keyboard(page, "what is police protection?")
    with page.expect_request(lambda r: r.url.endswith("/api/ask")) as request:
        ask_by_keyboard(page, "who must the constable inform?")
    sent = request.value.post_data_json
    assert sent["question"] == "who must the constable inform?"
    assert [turn["question"] for turn in sent["history"]] == ["what is police protection?"]
    assert page.locator(".turn").count() == 2
    assert page.locator("#new-thread").is_visible()
    hidden = page.locator("input[name=history]")
    assert [hidden.nth(i).input_value() for i in range(hidden.count())] == [
        "what is police protection?", "who must the constable inform?"]


def test_abstention_looks_different_and_topics_ask_again(
    phone: Any, live_server: GunicornServer,
) -> None:
    page = phone
    page.goto(live_server.url + "/")
    answered = ask_by_keyboard(page, ANSWERED_QUESTION)
    abstained = ask_by_keyboard(page, OUT_OF_SCOPE_QUESTION)
    assert "turn--abstained" in abstained.get_attribute("class")
    assert abstained.locator(".chip").count() == 0
    assert "Not found in the guidance" in abstained.inner_text()
    style = "e => { const s = getComputedStyle(e); return [s.borderTopStyle, s.backgroundColor]; }"
    assert answered.evaluate(style) != abstained.evaluate(style)
    assert abstained.evaluate(style)[0] == "dashed"
    assert scroll_width(page) <= PHONE["width"]
    screenshot(page, "phone-abstention.png")
    topics = abstained.locator("button.topic")
    assert topics.count() >= 1
    with page.expect_request(lambda r: r.url.endswith("/api/ask")) as request:
        topics.first.tap()
    page.locator(".turn").nth(2).wait_for()
    assert request.value.post_data_json["history"] == []  # a topic starts a fresh thread


def test_no_horizontal_scrolling_at_360px(
    narrow_phone: Any, live_server: GunicornServer,
) -> None:
    page = narrow_phone
    for path in ("/", "/documents", "/documents/hmicfrs-cambridgeshire-2021",
                 "/documents/children-act-1989-s46-s21", "/no-such-page"):
        page.goto(live_server.url + path)
        assert scroll_width(page) <= NARROW_PHONE["width"], path
    page.goto(live_server.url + "/")  # an answer with an open citation, then an abstention
    answered = ask_by_keyboard(page, ANSWERED_QUESTION)
    answered.locator(".chip").first.tap()
    answered.locator(".cite[open] mark").first.wait_for(state="visible")
    assert scroll_width(page) <= NARROW_PHONE["width"]
    abstained = ask_by_keyboard(page, OUT_OF_SCOPE_QUESTION)
    assert "turn--abstained" in abstained.get_attribute("class")
    assert scroll_width(page) <= NARROW_PHONE["width"]
    answered.locator(".cite[open]").first.scroll_into_view_if_needed()
    screenshot(page, "narrow-phone-answer.png")


def test_without_javascript_the_form_post_answers(
    phone_without_js: Any, live_server: GunicornServer,
) -> None:
    page = phone_without_js
    page.goto(live_server.url + "/")
    page.locator("#question").fill(ANSWERED_QUESTION)
    page.locator("#ask-button").click()
    page.wait_for_load_state()
    turn = page.locator(".turn--answered")
    turn.wait_for()
    assert turn.locator(".item").count() >= 1
    assert not turn.locator(".copy-answer").is_visible()  # needs JavaScript: stays hidden
    turn.locator(".chip").first.tap()  # <details>: opens without JavaScript
    assert turn.locator(".cite[open] mark").first.is_visible()
    assert scroll_width(page) <= PHONE["width"]
    href = turn.locator(".cite[open] .reader-link").first.get_attribute("href")
    turn.locator(".cite[open] .reader-link").first.tap()
    page.wait_for_url("**/documents/**")
    chunk_id = unquote(urlsplit(href).fragment)
    assert page.locator(":target").get_attribute("id") == chunk_id  # CSS highlight, no JS
    assert page.locator(":target mark").first.is_visible()
    assert scroll_width(page) <= PHONE["width"]


def test_without_javascript_feedback_is_a_form(phone_without_js: Any,
                                              live_server: GunicornServer) -> None:
    page = phone_without_js
    page.goto(live_server.url + "/")
    page.locator("#question").fill(ANSWERED_QUESTION)
    page.locator("#ask-button").click()
    turn = page.locator(".turn--answered")
    turn.wait_for()
    form = turn.locator("form.feedback")
    assert form.is_visible() and not turn.locator("div.feedback").is_visible()
    form.locator("select[name=reason]").select_option("incomplete")
    form.locator("button[value=down]").tap()
    page.wait_for_url("**/feedback")
    assert page.get_by_role("status").inner_text().startswith("Thank you")
    assert scroll_width(page) <= PHONE["width"]


def test_untrusted_text_is_shown_never_run_and_labels_show(
    browser: Any, small_live_server: GunicornServer, officer: dict[str, str],
) -> None:
    page = next(_page(browser, PHONE, officer))
    page.goto(small_live_server.url + "/")
    question = ("What must officers never paste into the custody record? "
                "<img src=x onerror=alert(9)>")
    turn = ask_by_keyboard(page, question)
    assert turn.locator(".turn-question").inner_text().endswith("<img src=x onerror=alert(9)>")
    assert page.locator("main img").count() == 0
    items = turn.locator(".item-text").all_inner_texts()
    assert any(text.startswith(UNTRUSTED_SENTENCE) for text in items)
    superseded = ask_by_keyboard(page, SUPERSEDED_QUESTION)
    assert superseded.locator(".notice").is_visible()
    assert superseded.locator(".chip-flag").is_visible()
    superseded.locator(".chip").first.tap()
    assert superseded.locator(".badge--superseded").is_visible()
    draft = ask_by_keyboard(page, DRAFT_QUESTION)
    draft.locator(".chip").first.tap()
    assert draft.locator(".badge--draft").is_visible()
    page.goto(small_live_server.url + "/documents/alpha-guide")
    assert UNTRUSTED_SENTENCE in page.locator(".doc-body").inner_text()
    assert page.locator(".doc-body script, .doc-body img").count() == 0
    assert page.dialogs == []
    page.context.close()


def test_script_and_server_render_the_same_answer_markup(
    browser: Any, live_server: GunicornServer, officer: dict[str, str],
) -> None:
    """static/ask.js and templates/_turn.html must stay in step (same elements, same classes).

    ``<noscript>`` parts (the feedback form) exist only for pages without JavaScript."""
    shape = ("t => [...t.querySelectorAll('*')].filter(e => !e.closest('noscript'))"
             ".map(e => e.tagName + '.' + e.className"
             " + (e.tagName === 'A' ? '@' + e.getAttribute('href') : ''))")
    shapes = []
    for options in ({}, {"java_script_enabled": False}):
        pages = _page(browser, PHONE, officer, **options)
        page = next(pages)
        for question in (ANSWERED_QUESTION, OUT_OF_SCOPE_QUESTION):
            page.goto(live_server.url + "/")
            page.locator("#question").fill(question)
            page.locator("#ask-button").click()
            page.locator(".turn").first.wait_for()
            shapes.append(page.locator(".turn").first.evaluate(shape))
        page.context.close()
    with_script, without_script = shapes[:2], shapes[2:]
    assert with_script == without_script


def test_missing_chromium_skips_locally_and_fails_under_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="make browser-deps"):
        _require_chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        _require_chromium()


def test_phone_sign_in_warning_edit_answer_feedback_sign_out(
    browser: Any, live_server: GunicornServer, database_url: str,
) -> None:
    """The accountable flow on a phone, through the real forms: the session cookie and the
    CSRF token (the page's fetch calls send it), no API token."""
    prepare_database(database_url)
    page = next(_page(browser, PHONE, None))
    page.goto(live_server.url + "/")
    assert urlsplit(page.url).path == "/login"  # signed out: sent to sign in
    page.locator("#username").fill(username_for("officer"))
    page.locator("#password").fill(TEST_PASSWORD)
    page.locator("#sign-in").tap()
    page.wait_for_url(live_server.url + "/")

    page.locator("#question").fill(f"Kayden Smith, 14, is in police protection. "
                                   f"{ANSWERED_QUESTION}")
    page.locator("#ask-button").tap()
    warning = page.locator("#pd-warning")
    warning.wait_for(state="visible")
    assert "name" in page.locator("#pd-kinds").inner_text()
    assert "Kayden" not in page.locator("#pd-preview").inner_text()
    assert "[NAME]" in page.locator("#pd-preview").inner_text()
    assert page.locator(".turn").count() == 0  # nothing answered yet
    page.screenshot(path=str(SCREENSHOTS / "phone-personal-data-warning.png"))
    page.locator("#pd-edit").tap()
    assert warning.is_hidden()
    assert page.evaluate("document.activeElement.id") == "question"

    page.locator("#question").fill(ANSWERED_QUESTION)
    page.locator("#ask-button").tap()
    turn = page.locator(".turn").first
    turn.wait_for()
    assert turn.locator(".item").count() > 0
    turn.locator(".feedback-down").tap()
    turn.locator(".feedback-reason").select_option("incomplete")
    turn.locator(".feedback-comment").fill("Missing the 72 hour limit; ring me on 07700 900123")
    turn.locator(".feedback-send").tap()
    page.get_by_text("your feedback was recorded").wait_for()
    assert scroll_width(page) <= PHONE["width"]
    page.screenshot(path=str(SCREENSHOTS / "phone-feedback.png"))

    page.locator("#sign-out").tap()
    page.wait_for_url(live_server.url + "/login")
    page.goto(live_server.url + "/")
    assert urlsplit(page.url).path == "/login"
    page.context.close()

    with session_scope(database_url) as session:
        statuses = [row.status for row in audit.events(session, limit=20)
                    if row.username == username_for("officer")]
        held = [row for row in audit.events(session, status="warned")
                if row.username == username_for("officer")]
        rated = session.scalars(select(Feedback).order_by(Feedback.id.desc())).first()
        assert "answered" in statuses and held
        assert "Kayden" not in held[0].question and "[NAME]" in held[0].question
        assert rated is not None and rated.rating == "down" and rated.reason == "incomplete"
        assert "07700" not in rated.comment and "[PHONE]" in rated.comment
        assert rated.question == ANSWERED_QUESTION and "document_id" in rated.citations
