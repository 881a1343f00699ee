"""The maintainers' console in a real browser: a question handed off three times in other words shows up as one
gap; the admin accepts the suggested entry, builds, looks at the preview and publishes; the same question is
then answered in the widget. Screenshots go to reports/screenshots/ (ignored by git)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.api.live import LiveServer
from tests.api.test_browser import SHOTS, TIMEOUT, ask, user_page
from tests.api.test_learning_api import AGENT_REPLY, DRAFTS, learning_settings

BUILD_TIMEOUT = 300_000  # a build of the fixture KB on a busy 2-core machine


@pytest.fixture()
def learning_live(api_settings: Any, built_index: Path, tmp_path: Path, assistant: Any, key_for: Any):
    from assistant.api import create_app

    settings = learning_settings(api_settings, built_index, tmp_path)
    with LiveServer(create_app(settings, assistant=assistant)) as server:
        yield server, settings, key_for(settings, "root", "admin"), key_for(settings, "alice", "agent")


def answer_tickets(url: str, agent: dict[str, str]) -> None:
    with httpx.Client(base_url=url, headers=agent) as http:
        for t in http.get("/v1/agent/tickets", params={"status": "open"}).json()["tickets"]:
            http.post(f"/v1/agent/tickets/{t['id']}/claim").raise_for_status()
            http.post(f"/v1/agent/tickets/{t['id']}/reply", json={"text": AGENT_REPLY}).raise_for_status()


def test_three_handoffs_become_one_gap_an_accepted_entry_and_an_answer(browser: Any, learning_live: Any) -> None:
    live, settings, admin, agent = learning_live
    for question in DRAFTS:  # three users, three sessions, three ways of asking
        user = user_page(browser, live.url + "/")
        ask(user, question)
        user.locator(".ticket", has_text="排队中").wait_for()
        user.context.close()
    answer_tickets(live.url, agent)

    page = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN").new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(live.url + "/admin")
    page.locator("#key").fill(admin["Authorization"].removeprefix("Bearer "))
    page.get_by_role("button", name="登录").click()
    gap = page.locator("#gap-list li", has_text=DRAFTS[0])
    gap.wait_for()
    assert page.locator("#gap-list li").count() == 1 and gap.locator(".count").inner_text() == "3"
    gap.click()
    assert page.locator("#gap-items li").count() == 3
    page.locator("#suggestion", has_text="新建条目").wait_for()
    assert AGENT_REPLY in page.locator("#suggestion").inner_text()
    assert page.locator("#diff .add", has_text="learned-gap-").count() == 1
    page.screenshot(path=str(SHOTS / "admin-gap.png"), full_page=True)

    page.get_by_role("button", name="接受建议").click()
    page.locator("#message", has_text="已接受").wait_for()
    expect(page.locator("#gap-list li")).to_have_count(0)  # the list is reloaded after the message shows
    page.get_by_role("button", name="检查并构建预览").click()
    page.locator("#preview-rows tr").first.wait_for(timeout=BUILD_TIMEOUT)
    rows = page.locator("#preview-rows tr").all_inner_texts()  # the three questions: handed off, now answered
    assert sorted(r.split("\t")[0] for r in rows) == sorted(DRAFTS)
    assert all("转人工" in r.split("\t")[1] and "已回答" in r.split("\t")[2] for r in rows)
    page.screenshot(path=str(SHOTS / "admin-preview.png"))
    page.get_by_role("button", name="发布新版本").click()
    page.locator("#message", has_text="已发布").wait_for(timeout=60_000)

    user = user_page(browser, live.url + "/")
    ask(user, DRAFTS[0])
    user.locator(".msg.bot .q", has_text=DRAFTS[0]).wait_for()
    assert AGENT_REPLY[:10] in user.locator(".msg.bot").last.inner_text()
    user.screenshot(path=str(SHOTS / "admin-widget-answered.png"))

    page.get_by_role("button", name="数据看板").click()
    page.locator("#top-gaps").wait_for(state="attached")
    page.locator("#kpis .kpi").first.wait_for()
    page.screenshot(path=str(SHOTS / "admin-insights.png"), full_page=True)
    page.get_by_role("button", name="操作记录").click()
    page.locator("#event-list li", has_text="发布").wait_for()
    assert page.locator("#event-list li", has_text="接受").count() == 1
    page.screenshot(path=str(SHOTS / "admin-events.png"))
