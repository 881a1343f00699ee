"""Signing in and out of the three console pages, which share console.js: a wrong key and a key of another role
are refused with the page's message, the key kept in the tab signs in again after a reload, and signing out
forgets it. Screenshots in reports/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.api.live import LiveServer
from tests.api.test_browser import SHOTS, TIMEOUT, user_page

# page, its pane, what it loads once signed in, the role it wants, a role it refuses, what it says to a wrong key
# and to the refused role
PAGES = [
    ("agent", "console", "#queue-count", "agent", "product", "密钥无效", "无法登录"),
    ("admin", "console", "#gap-count", "admin", "agent", "操作失败", "不是管理员密钥"),
    ("product", "board", "#count", "product", "agent", "密钥无效", "密钥无效"),
]


def sign_in(page: Any, key: str) -> None:
    page.locator("#key").fill(key)
    page.locator("#signin-form button[type=submit]").click()


@pytest.mark.parametrize(("name", "pane", "loaded", "role", "other", "wrong", "refused"), PAGES)
def test_sign_in_resume_and_sign_out(browser: Any, live: LiveServer, key_for: Any, api_settings: Any, name: str,
                                     pane: str, loaded: str, role: str, other: str, wrong: str, refused: str) -> None:
    page = user_page(browser, f"{live.url}/{name}")
    page.set_viewport_size({"width": 1440, "height": 900})
    error = page.locator("#signin-error")
    sign_in(page, "faq_wrong")
    expect(error).to_contain_text(wrong, timeout=TIMEOUT)
    page.screenshot(path=str(SHOTS / f"signin-{name}-wrong-key.png"))
    sign_in(page, key_for(api_settings, "someone", other)["Authorization"].removeprefix("Bearer "))
    expect(error).to_contain_text(refused, timeout=TIMEOUT)
    expect(page.locator(f"#{pane}")).to_be_hidden()

    sign_in(page, key_for(api_settings, "carol", role)["Authorization"].removeprefix("Bearer "))
    expect(page.locator("#who")).to_contain_text("carol", timeout=TIMEOUT)
    expect(page.locator("#signin")).to_be_hidden()
    page.reload()  # the key is kept in the tab
    expect(page.locator("#who")).to_contain_text("carol", timeout=TIMEOUT)
    expect(page.locator(f"#{pane}")).to_be_visible()
    expect(page.locator(loaded)).not_to_be_empty(timeout=TIMEOUT)
    page.screenshot(path=str(SHOTS / f"signin-{name}-signed-in.png"))

    page.locator("#signout").click()
    expect(page.locator("#signin")).to_be_visible()
    expect(error).to_be_hidden()
    page.reload()  # and forgotten on signing out
    expect(page.locator("#key")).to_be_visible(timeout=TIMEOUT)
    page.wait_for_load_state("networkidle")
    expect(page.locator(f"#{pane}")).to_be_hidden()
    page.context.close()
