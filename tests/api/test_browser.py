"""The two pages in a real browser (Debian's Chromium through Playwright) against a real server on loopback.

Screenshots go to reports/screenshots/ (ignored by git) for a person to look at.
"""

from __future__ import annotations

import http.server
import threading
from functools import partial
from pathlib import Path

import pytest

from tests.api.live import LiveServer, free_port
from tests.conftest import ROOT

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "reports" / "screenshots"
TIMEOUT = 15_000


def user_page(browser, url: str):
    page = browser.new_context(viewport={"width": 900, "height": 960}, locale="zh-CN").new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(url)
    return page


def ask(page, question: str) -> None:
    box = page.locator("form.composer textarea")
    box.fill(question)
    box.press("Enter")


def test_ask_handoff_agent_reply(browser, live: LiveServer, agent: dict) -> None:
    key = agent["Authorization"].removeprefix("Bearer ")
    user = user_page(browser, live.url + "/")
    ask(user, "直播")  # one word: which question is meant?
    choices = user.locator(".msg.bot .choice:not(.other)")
    choices.first.wait_for()
    assert choices.count() == 3
    picked = choices.first.inner_text()
    choices.first.click()
    user.locator(".msg.bot .q", has_text=picked).wait_for()

    ask(user, "另外 忘记密码了怎么办")
    answer = user.locator(".msg.bot").filter(has=user.locator("ol li"), has_text="手机号").last
    answer.wait_for()
    assert "手机号" in answer.locator(".q").inner_text()
    assert answer.locator("ol li").count() >= 3
    answer.get_by_role("button", name="有帮助").click()
    user.get_by_text("感谢您的反馈！").wait_for()

    hostile = '<img src=x onerror="window.__pwned=1">我的视频背景音乐怎么换 转人工'
    ask(user, hostile)
    user.locator(".ticket", has_text="排队中").wait_for()
    assert user.locator(".msg.me .bubble").last.inner_text() == hostile
    ticket_text = user.locator(".ticket").inner_text()
    user.screenshot(path=str(SHOTS / "widget-handoff.png"))

    console = browser.new_context(viewport={"width": 1440, "height": 960}, locale="zh-CN").new_page()
    console.set_default_timeout(TIMEOUT)
    console.goto(live.url + "/agent")
    console.fill("#key", "faq_wrong")
    console.click("#signin-form button")
    console.get_by_text("密钥无效").wait_for()
    console.fill("#key", key)
    console.click("#signin-form button")
    item = console.locator("#queue li", has_text="我的视频背景音乐怎么换")
    item.click()
    console.locator("#t-title", has_text="我的视频背景音乐怎么换").wait_for()
    assert console.locator("#t-conversation li").count() == 4  # the whole conversation so far
    assert console.locator("#t-suggestions .sugg").count() == 5  # two reply templates, three bot suggestions
    console.click("#claim")
    console.locator("#t-status.claimed").wait_for()
    console.locator("#t-suggestions .sugg button").nth(2).click()
    assert console.input_value("#reply")  # the suggestion went into the reply box
    console.fill("#search", "怎么提现")
    console.click("#search-form button")
    console.locator("#search-results .sugg").first.wait_for()
    reply = "<b>您好</b>，北京今天晴，20 度，适合出门。"
    console.fill("#reply", reply)
    console.evaluate("document.querySelector('.detail').scrollTop = 0")
    console.screenshot(path=str(SHOTS / "agent-console.png"))
    console.click("#send")
    console.locator("#t-status.resolved").wait_for()
    console.locator("#t-events li", has_text="回复").wait_for()

    agent_msg = user.locator(".msg.agent .bubble")
    agent_msg.wait_for()
    assert agent_msg.inner_text() == reply
    assert agent_msg.locator("b").count() == 0
    user.locator(".ticket.resolved").wait_for()
    assert ticket_text.split(" · ")[0] in user.locator(".ticket").inner_text()
    assert user.evaluate("window.__pwned") is None
    user.screenshot(path=str(SHOTS / "widget-reply.png"))
    console.screenshot(path=str(SHOTS / "agent-console-resolved.png"))


def test_not_helpful_offers_a_person(browser, live: LiveServer) -> None:
    user = user_page(browser, live.url + "/")
    ask(user, "收不到验证码怎么办")
    user.locator(".msg.bot ol li").first.wait_for()
    user.get_by_role("button", name="没帮助").click()
    user.get_by_text("需要为您转接人工客服吗？").wait_for()
    user.get_by_role("button", name="转人工客服").click()
    user.locator("form.handoff input").fill("13800000000")
    user.locator("form.handoff textarea").fill("换了手机号收不到")
    user.screenshot(path=str(SHOTS / "widget-handoff-form.png"))
    user.locator("form.handoff button[type=submit]").click()
    user.locator(".ticket", has_text="工单 #").wait_for()
    assert user.locator("header .human").is_disabled()
    user.screenshot(path=str(SHOTS / "widget-handoff-by-button.png"))


def test_embedded_in_another_site(browser, app_factory, tmp_path: Path) -> None:
    host_port = free_port()
    page = tmp_path / "shop.html"
    with LiveServer(app_factory(cors_origins=(f"http://127.0.0.1:{host_port}",))) as live:
        page.write_text(
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>某某商城</title></head>'
            '<body style="font-family: sans-serif; background: #fafafa"><h1>某某商城 · 我的订单</h1>'
            "<p>这是一个嵌入了帮助组件的第三方页面。</p>"
            f'<script src="{live.url}/static/widget.js" defer></script></body></html>', encoding="utf-8")
        handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
        shop = http.server.ThreadingHTTPServer(("127.0.0.1", host_port), handler)
        thread = threading.Thread(target=shop.serve_forever, daemon=True)
        thread.start()
        try:
            user = user_page(browser, f"http://127.0.0.1:{host_port}/shop.html")
            user.get_by_role("button", name="在线客服").click()
            ask(user, "怎么注销账号")
            user.locator(".msg.bot ol li").first.wait_for()
            user.screenshot(path=str(SHOTS / "widget-embedded.png"))
            assert user.locator("h1").inner_text() == "某某商城 · 我的订单"  # the host page is untouched
        finally:
            shop.shutdown()
            shop.server_close()


def test_api_docs_render_offline(browser, live: LiveServer) -> None:
    """/docs draws every operation from files this service serves: any request elsewhere is blocked and fails
    the test (Swagger UI used to come from a CDN, and the page was blank without internet)."""
    elsewhere: list[str] = []
    page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    page.set_default_timeout(TIMEOUT)

    def only_loopback(route) -> None:
        if route.request.url.startswith(live.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_loopback)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(live.url + "/docs")
    page.locator(".opblock-summary-path", has_text="/v1/ask").first.wait_for()
    assert page.locator(".opblock").count() >= 15
    page.screenshot(path=str(SHOTS / "api-docs.png"))
    assert not elsewhere and not refused, (elsewhere, refused)
