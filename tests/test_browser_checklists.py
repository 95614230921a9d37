"""The custody checklist in a real browser on a phone (Playwright + Debian's Chromium against
real gunicorn, as in test_browser.py): open it from the list, tick items, check the print
view with print media emulated, copy it, and check that ticks live only in the page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_browser import (
    DESKTOP,
    NARROW_PHONE,
    PHONE,
    _page,
    launched_chromium,
    screenshot,
    scroll_width,
)
from web_support import GunicornServer

pytest_plugins = ["web_fixtures"]

CUSTODY = "sample-custody-children"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_chromium()


def test_phone_custody_checklist_tick_and_print(browser: Any,
                                                live_server: GunicornServer) -> None:
    page = next(_page(browser, PHONE, live_server.headers))
    page.goto(live_server.url + "/checklists")
    page.locator(f'a[href="/checklists/{CUSTODY}"]').tap()
    page.wait_for_url(f"**/checklists/{CUSTODY}")
    items = page.locator(".check-item")
    count = items.count()
    assert count >= 10
    assert page.locator("#check-progress").inner_text() == f"0 of {count} ticked"
    assert scroll_width(page) <= PHONE["width"]

    for position in (1, 2, 7):  # tap the label: the whole row is the target
        page.locator(f"#item-{position} .check-text").tap()
    assert page.locator("#check-progress").inner_text() == f"3 of {count} ticked"
    assert page.locator(".check-item.is-done").count() == 3
    box = page.locator("#tick-1").bounding_box()
    row = page.locator("#item-1 .check-row").bounding_box()
    assert box["width"] >= 24 and row["height"] >= 44  # thumb-sized targets

    chip = page.locator("#item-1 .chip")
    chip.tap()
    mark = page.locator("#item-1 .cite[open] mark")
    mark.wait_for(state="visible")
    assert "appropriate adult" in mark.inner_text()
    assert scroll_width(page) <= PHONE["width"]
    screenshot(page, "phone-checklist.png")

    assert not page.locator("#item-1 .print-source").is_visible()  # screen: chip, no text
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".site-footer").is_visible()
    assert not page.locator(".checklist-actions").is_visible()
    assert not page.locator("#item-1 .chip").is_visible()
    assert page.locator(".print-footer").is_visible()
    sources = page.locator(".print-source")
    assert all(sources.nth(i).is_visible() for i in range(count))
    assert "HMICFRS 2021" in sources.first.inner_text()
    assert page.locator(".checklist-draft").is_visible()  # SAMPLE stays on paper
    assert page.locator("#tick-1").is_checked() and page.locator("#tick-7").is_checked()
    screenshot(page, "phone-checklist-print.png")
    page.emulate_media(media="screen")

    assert page.evaluate("window.localStorage.length") == 0  # nothing kept in the browser
    page.reload()
    assert page.locator(".tick:checked").count() == 0
    assert page.dialogs == []
    page.context.close()


def test_copy_checklist_with_ticks_and_sources(browser: Any,
                                               live_server: GunicornServer) -> None:
    page = next(_page(browser, DESKTOP, live_server.headers,
                      permissions=["clipboard-read", "clipboard-write"]))
    page.goto(f"{live_server.url}/checklists/{CUSTODY}")
    page.locator("#tick-2").check()
    page.locator("#copy-checklist").click()
    page.wait_for_function(
        "document.getElementById('check-progress').textContent.includes('copied')")
    lines = page.evaluate("navigator.clipboard.readText()").split("\n")
    assert lines[0] == page.locator(".checklist-title").inner_text().strip()
    ticked = [line for line in lines if line.startswith("[x] ")]
    assert len(ticked) == 1
    assert ticked[0].startswith("[x] " + page.locator("#item-2 .check-text").inner_text())
    assert f"{live_server.url}/documents/hmicfrs-cambridgeshire-2021?span=" in ticked[0]
    page.locator("#clear-ticks").click()
    assert page.locator(".tick:checked").count() == 0
    page.context.close()


def test_answer_links_to_its_checklist_and_pages_fit_360px(browser: Any,
                                                           live_server: GunicornServer) -> None:
    page = next(_page(browser, NARROW_PHONE, live_server.headers))
    for path in ("/checklists", f"/checklists/{CUSTODY}", "/checklists/sample-police-protection"):
        page.goto(live_server.url + path)
        assert scroll_width(page) <= NARROW_PHONE["width"], path
    page.goto(live_server.url + "/")
    page.locator("#question").fill("s46 - what do I need to record?")
    page.locator("#ask-button").tap()
    offer = page.locator(".turn--answered .offer-link")
    offer.first.wait_for()
    assert offer.first.get_attribute("href") == "/checklists/sample-police-protection"
    assert scroll_width(page) <= NARROW_PHONE["width"]
    offer.first.tap()
    page.wait_for_url("**/checklists/sample-police-protection")
    assert page.locator(".check-item").count() >= 5
    page.context.close()
