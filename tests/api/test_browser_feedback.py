"""The feedback collector in a real browser (the issue's acceptance test): a user suggests something in the chat,
a second user suggests the same in other words, the product board shows one topic with 2 reports, a product key
marks it planned, and the first user's widget shows the new status. Screenshots in reports/screenshots/."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.api.live import LiveServer
from tests.api.test_browser import SHOTS, TIMEOUT, ask, user_page


def test_two_users_one_topic_planned_on_the_board(browser, live: LiveServer, key_for, api_settings) -> None:
    first = user_page(browser, live.url + "/")
    ask(first, "我想给你们提个建议，能不能加个批量下载视频的功能")
    first.locator(".feedback-bar", has_text="已收到").wait_for(timeout=TIMEOUT)
    first.screenshot(path=str(SHOTS / "feedback-widget-received.png"))

    second = user_page(browser, live.url + "/")
    ask(second, "希望能一次批量下载好几个视频 一个一个存太麻烦了")
    second.locator(".feedback-bar", has_text="已收到").wait_for(timeout=TIMEOUT)

    key = key_for(api_settings, "pm-li", "product")["Authorization"].split(" ", 1)[1]
    board = user_page(browser, live.url + "/product")
    board.locator("#key").fill(key)
    board.locator("#signin-form button[type=submit]").click()
    topic = board.locator(".topic")
    expect(topic).to_have_count(1, timeout=TIMEOUT)
    expect(topic.locator(".reports")).to_have_text("2 条反馈")
    board.screenshot(path=str(SHOTS / "feedback-board-one-topic.png"), full_page=True)
    topic.locator("select.set-status").select_option("planned")
    topic.get_by_role("button", name="设为").click()
    board.locator("#message", has_text="已通知 2 位用户").wait_for(timeout=TIMEOUT)
    board.locator(".topic .status.planned").wait_for(timeout=TIMEOUT)
    board.screenshot(path=str(SHOTS / "feedback-board-planned.png"), full_page=True)

    first.locator(".feedback-bar", has_text="已采纳，计划在后续版本上线").wait_for(timeout=TIMEOUT)
    first.locator(".msg.bot", has_text="有新进展").wait_for(timeout=TIMEOUT)
    first.screenshot(path=str(SHOTS / "feedback-widget-planned.png"))


def test_the_feedback_form(browser, live: LiveServer) -> None:
    user = user_page(browser, live.url + "/")
    user.get_by_role("button", name="意见反馈").click()
    form = user.locator("form.feedback-form")
    form.locator("textarea").fill("夜间模式下私信的字看不清 希望优化一下")
    form.locator("input:not([type=file])").fill("138 0000 0000")
    user.screenshot(path=str(SHOTS / "feedback-form.png"))
    form.locator("button[type=submit]").click()
    user.locator(".msg.bot", has_text="反馈编号").wait_for(timeout=TIMEOUT)
    user.locator(".feedback-bar", has_text="已收到").wait_for(timeout=TIMEOUT)
    user.screenshot(path=str(SHOTS / "feedback-form-sent.png"))


def test_a_bug_report_that_asks_for_help(browser, live: LiveServer) -> None:
    """Feedback that asks (…怎么办) gets the KB's answer or a person, and the widget says it was recorded too."""
    user = user_page(browser, live.url + "/")
    ask(user, "私信里的语音条一直点不开 重装了也没用 怎么办")
    user.locator(".msg.bot .note", has_text="也已经记录").wait_for(timeout=TIMEOUT)
    user.locator(".feedback-bar", has_text="已收到").wait_for(timeout=TIMEOUT)
    user.screenshot(path=str(SHOTS / "feedback-widget-asks-for-help.png"))
