"""Acceptance: the ticket lifecycle in two browser contexts at once, the user's widget and the agent's console,
over a real server. Handoff with a screenshot; the agent asks for information (pending); the user's answer goes
to the ticket and alerts the agent live; a transfer with a note shows 已转交… to the user; resolved; rated 5.
Screenshots of both pages go to reports/screenshots/."""

from __future__ import annotations

import httpx

from tests.api.live import LiveServer
from tests.api.test_attachments import png
from tests.api.test_browser import SHOTS, TIMEOUT, ask, user_page

QUESTION = "我的视频背景音乐怎么换 转人工"


def console_page(browser, url: str, key: str):  # type: ignore[no-untyped-def]
    page = browser.new_context(viewport={"width": 1440, "height": 1100}, locale="zh-CN").new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(url + "/agent")
    page.fill("#key", key)
    page.click("#signin-form button")
    return page


def reply(console, text: str, mode: str) -> None:  # type: ignore[no-untyped-def]
    console.fill("#reply", text)
    console.select_option("#reply-mode", mode)
    console.click("#send")


def test_handoff_pending_transfer_resolve_rate(browser, live: LiveServer, agent: dict) -> None:
    user = user_page(browser, live.url + "/")
    ask(user, QUESTION)
    user.locator(".ticket", has_text="排队中，第 1 位").wait_for()
    user.locator(".ticket", has_text="您现在的消息会直接发给人工客服").wait_for()
    user.locator("form.composer input[type=file]").set_input_files(
        files=[{"name": "shot.png", "mimeType": "image/png", "buffer": png(64, 40)}])
    user.get_by_text("截图已发送给客服。").wait_for()
    assert user.locator(".msg.me img.shot").evaluate("i => i.decode().then(() => i.naturalWidth)") == 64
    ticket_id = int(user.locator(".ticket .status").inner_text().split("#")[1].split(" ")[0])

    console = console_page(browser, live.url, agent["Authorization"].removeprefix("Bearer "))
    console.locator("#queue li", has_text="我的视频背景音乐怎么换").click()
    console.locator("#t-shots img.shot[src^='blob:']").wait_for()
    assert console.locator("#t-shots img.shot").evaluate("i => i.decode().then(() => i.naturalWidth)") == 64
    console.click("#claim")
    console.locator("#t-status.claimed").wait_for()
    reply(console, "麻烦发一下是哪条视频（发布日期或标题），我帮您查一下。", "pending")
    console.locator("#t-status.pending").wait_for()

    user.locator(".ticket.pending", has_text="等待您补充信息").wait_for()  # live, no reload
    user.locator(".msg.agent .bubble", has_text="麻烦发一下是哪条视频").wait_for()
    bots_before = user.locator(".msg.bot").count()
    ask(user, "就是昨天发的那条旅行vlog，标题叫《海边日落》")
    console.locator("#alert", has_text=f"#{ticket_id}").wait_for()  # the agent is alerted live
    console.locator("#queue li.attention").wait_for()
    console.locator("#t-thread li.from-user", has_text="海边日落").wait_for()
    assert console.title().startswith("(1)")
    assert user.locator(".msg.bot").count() == bots_before  # the bot did not answer it
    user.locator(".ticket.claimed", has_text="客服处理中").wait_for()
    user.locator(".ticket summary").click()
    user.screenshot(path=str(SHOTS / "widget-lifecycle-answered.png"))
    console.evaluate("document.querySelector('.detail').scrollTop = 0")
    console.screenshot(path=str(SHOTS / "agent-lifecycle-alert.png"))

    console.select_option("#transfer-team", "content-review")
    console.click("#transfer")
    console.locator("#t-message.error").wait_for()  # a transfer needs a note
    console.fill("#transfer-note", "背景音乐疑似版权问题，请审核团队确认能否替换")
    console.click("#transfer")
    console.locator("#t-status.open").wait_for()
    user.locator(".ticket", has_text="已转交内容审核团队").wait_for()
    user.screenshot(path=str(SHOTS / "widget-lifecycle-transferred.png"))

    console.click("#claim")
    console.locator("#t-status.claimed").wait_for()
    reply(console, "已为您把背景音乐替换为可商用版本，重新发布即可。", "resolve")
    console.locator("#t-status.resolved").wait_for()
    user.locator(".ticket.resolved", has_text="已解决").wait_for()
    card = user.locator(".rate-card")
    card.locator(".star").nth(4).click()
    card.locator("textarea").fill("处理得很快，谢谢！")
    user.screenshot(path=str(SHOTS / "widget-lifecycle-rating.png"))
    card.get_by_role("button", name="提交评价").click()
    user.get_by_text("感谢您的评价，我们会继续改进服务！").wait_for()
    user.screenshot(path=str(SHOTS / "widget-lifecycle-rated.png"))

    detail = httpx.get(f"{live.url}/v1/agent/tickets/{ticket_id}", headers=agent).json()
    assert (detail["status"], detail["rating"], detail["rating_comment"]) == ("resolved", 5, "处理得很快，谢谢！")
    assert [e["action"] for e in detail["events"]] == [
        "create", "attach", "claim", "ask", "message", "transfer", "claim", "resolve", "rate"]
    console.locator("#t-info dd", has_text="5 分").wait_for()
    console.evaluate("document.querySelector('.detail').scrollTop = 0")
    console.screenshot(path=str(SHOTS / "agent-lifecycle-resolved.png"))


def test_the_widget_polls_when_the_stream_does_not_get_through(browser, live: LiveServer, agent: dict) -> None:
    """A proxy that answers the stream with nothing (or cuts it): the widget keeps following by polling."""
    user = user_page(browser, live.url + "/")
    user.route("**/stream*", lambda route: route.fulfill(status=200, body="",
                                                         headers={"Content-Type": "text/event-stream"}))
    ask(user, QUESTION)
    user.locator(".ticket", has_text="排队中").wait_for()
    ticket_id = int(user.locator(".ticket .status").inner_text().split("#")[1].split(" ")[0])
    with httpx.Client(base_url=live.url, headers=agent, timeout=30) as api:
        api.post(f"/v1/agent/tickets/{ticket_id}/claim")
        api.post(f"/v1/agent/tickets/{ticket_id}/reply", json={"text": "请问具体是哪条视频？", "pending": True})
    user.locator(".ticket.pending", has_text="等待您补充信息").wait_for()
    user.locator(".msg.agent .bubble", has_text="请问具体是哪条视频？").wait_for()
