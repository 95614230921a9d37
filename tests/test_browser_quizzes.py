"""A trainer's quiz in a real browser at a desktop viewport (Playwright + Debian's Chromium
against real gunicorn, as in test_browser.py): sign in through the form, draft a quiz on
missing children, edit an item, approve it, download the GIFT export and parse it back, and
open the print view (its own style allowed by the page's CSP hash)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser import (
    DESKTOP,
    NARROW_PHONE,
    _page,
    launched_chromium,
    screenshot,
    scroll_width,
)
from web_support import TEST_PASSWORD, GunicornServer, prepare_database, username_for

from tests.gift_parser import parse_gift

pytest_plugins = ["web_fixtures"]

EDITED = "Which finding did the inspection make about missing children? (edited in the browser)"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    yield from launched_chromium()


def test_desktop_trainer_drafts_edits_approves_exports_and_prints(
        chromium: Any, live_server: GunicornServer, database_url: str, tmp_path: Path) -> None:
    prepare_database(database_url)
    page = next(_page(chromium, DESKTOP, None))
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)

    page.goto(live_server.url + "/quizzes")
    page.locator("#username").fill(username_for("trainer"))
    page.locator("#password").fill(TEST_PASSWORD)
    page.locator("#sign-in").click()
    page.wait_for_url(live_server.url + "/quizzes")
    page.get_by_role("link", name="Quizzes").wait_for()  # the trainer's nav link

    page.locator("#quiz-topic").fill("missing children")
    page.locator("#quiz-seed").fill("1")
    page.locator("#create-quiz").click()
    page.wait_for_url("**/quizzes/*")
    quiz_url = page.url
    assert page.locator(".quiz-item").count() >= 3
    assert "Drafted" in page.locator(".notice--info").first.inner_text()

    item = page.locator(".quiz-item", has=page.locator(".badge", has_text="multiple choice")).first
    item_id = item.get_attribute("id")
    item.locator(".chip").first.click()  # a source chip opens the quoted passage
    reader = item.locator(".reader-link").first
    assert reader.is_visible() and reader.get_attribute("href").startswith("/documents/")

    item.locator("summary", has_text="Edit").click()
    item.locator("textarea[name=stem]").fill(EDITED)
    item.locator(".save-item").click()
    page.wait_for_load_state()
    item = page.locator(f"#{item_id}")
    assert item.locator(".quiz-stem").inner_text() == EDITED
    assert "not approved" in item.locator(".quiz-item-meta").inner_text()

    item.locator(".approve-item").click()
    page.wait_for_load_state()
    assert "approved" in page.locator(f"#{item_id} .badge--current").inner_text()
    assert page.locator("#approved-count").inner_text() == "1"
    screenshot(page, "desktop-quiz-review.png")

    with page.expect_download() as download:
        page.locator("#export-gift").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".gift"
    questions = parse_gift(saved.read_text(encoding="utf-8"))
    assert len(questions) == 1 and questions[0].kind == "multichoice"
    assert questions[0].text.startswith(EDITED)

    page.locator("#print-answers").click()
    page.wait_for_url("**/print?answers=1")
    assert page.locator("section.item").count() == 1
    assert EDITED in page.locator("section.item .stem").inner_text()
    assert page.locator(".answer").count() == 1
    # The print page's own stylesheet applied: its hash is in the page's CSP.
    assert page.evaluate("getComputedStyle(document.body).maxWidth") == "768px"
    screenshot(page, "desktop-quiz-print.png")
    page.go_back()
    page.locator("#print-questions").click()
    page.wait_for_url("**/print?answers=0")
    assert page.locator(".answer").count() == 0 and page.locator(".lines").count() == 0
    assert page.locator("ol.options li").count() >= 2
    assert blocked == []

    page.set_viewport_size(NARROW_PHONE)  # the pages still fit the narrowest phone
    for url in (quiz_url, live_server.url + "/quizzes"):
        page.goto(url)
        assert scroll_width(page) <= NARROW_PHONE["width"], url
    page.context.close()
