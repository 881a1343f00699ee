"""Conversations in a real browser: small talk, a follow-up, a reload that keeps the ticket, step-by-step mode,
the counter, and an upset user's ticket first in the console. Screenshots in reports/screenshots/."""

from __future__ import annotations

import time

import httpx
from playwright.sync_api import expect

from tests.api.live import LiveServer
from tests.api.test_browser import SHOTS, TIMEOUT, ask, user_page


def bot_replies(page) -> int:
    return page.locator(".msg.bot:not(.typing)").count()


def ask_and_wait(page, question: str) -> None:
    page.locator(".msg.bot").first.wait_for()  # the greeting (after /v1/voice): counted before, not as the reply
    before = bot_replies(page)
    ask(page, question)
    expect(page.locator(".msg.bot:not(.typing)")).to_have_count(before + 1, timeout=TIMEOUT)


def test_small_talk_follow_up_and_a_reload_that_keeps_the_ticket(browser, live: LiveServer, agent: dict) -> None:
    user = user_page(browser, live.url + "/")
    ask_and_wait(user, "你好")
    assert "有什么可以帮您" in user.locator(".msg.bot").last.inner_text()
    ask_and_wait(user, "谢谢你啊")
    assert user.locator(".ticket").is_hidden()  # small talk opens no ticket
    ask_and_wait(user, "怎么开通直播权限")
    ask_and_wait(user, "那怎么关掉呢")
    assert "关闭" in user.locator(".msg.bot .q").last.inner_text()  # the follow-up, resolved in context
    user.screenshot(path=str(SHOTS / "widget-follow-up.png"))

    ask_and_wait(user, "转人工")
    user.locator(".ticket", has_text="排队中").wait_for()
    ticket_id = int(user.locator(".ticket").inner_text().split("#")[1].split(" ")[0])
    bots = bot_replies(user)
    ask(user, "补充一下：从昨天开始就这样")  # while the ticket is open, messages go to the ticket
    user.locator(".msg.me", has_text="补充一下").wait_for()
    with httpx.Client(base_url=live.url, headers=agent, timeout=30) as api:
        for _ in range(100):  # the message is on its way to the ticket
            said = [e["text"] for e in api.get(f"/v1/agent/tickets/{ticket_id}").json()["events"]
                    if e["action"] == "message"]
            if said:
                break
            time.sleep(0.1)
    assert said == ["补充一下：从昨天开始就这样"] and bot_replies(user) == bots
    user.get_by_role("button", name="返回智能客服").click()  # back to the bot, explicitly
    ask_and_wait(user, "还有个问题 我的视频背景音乐怎么换")
    assert user.locator(".ticket", has_text="排队中").is_visible()

    user.reload()
    user.locator(".msg.me", has_text="那怎么关掉呢").wait_for()  # the conversation comes back from the server
    user.locator(".ticket", has_text="排队中").wait_for()  # and the ticket from local storage
    with httpx.Client(base_url=live.url, headers=agent, timeout=30) as api:
        assert api.post(f"/v1/agent/tickets/{ticket_id}/claim").status_code == 200
        assert api.post(f"/v1/agent/tickets/{ticket_id}/reply", json={"text": "您好，已为您关闭。"}).status_code == 200
    user.locator(".msg.agent", has_text="您好，已为您关闭。").wait_for(timeout=TIMEOUT)
    user.screenshot(path=str(SHOTS / "widget-reload-keeps-ticket.png"))


def test_a_follow_up_on_the_answer_just_shown_gets_the_part_that_answers_it(browser, live: LiveServer) -> None:
    """The entry just shown answers the follow-up again: the widget leads with the unit that answers it and folds
    the whole answer under 查看完整回答; a reload shows the part again, from the turn log."""
    user = user_page(browser, live.url + "/")
    ask_and_wait(user, "怎么开通直播权限")
    ask_and_wait(user, "直播权限申请多久能通过")
    last = user.locator(".msg.bot").last
    assert "刚才那条回答里" in last.locator(".lead").inner_text()
    whole = last.locator("details.whole")
    assert "1个工作日" in last.inner_text() and not whole.locator("ol").is_visible()
    whole.locator("summary", has_text="查看完整回答").click()
    expect(whole.locator("ol")).to_be_visible()
    assert "创作者中心" in whole.inner_text()
    user.screenshot(path=str(SHOTS / "widget-follow-up-focus.png"))
    user.reload()
    user.locator(".msg.me", has_text="直播权限申请多久能通过").wait_for()
    assert "1个工作日" in user.locator(".msg.bot.history").last.inner_text()


def test_a_reload_shows_a_clarify_turns_choices_again(browser, live: LiveServer) -> None:
    user = user_page(browser, live.url + "/")
    ask_and_wait(user, "直播")
    offered = user.locator(".msg.bot .choice:not(.other)").all_inner_texts()
    assert len(offered) == 3
    user.reload()
    history = user.locator(".msg.bot.history", has_text="您是不是想问")
    history.wait_for()  # the prompt, and with it the same choices, still clickable
    assert history.locator(".choice:not(.other)").all_inner_texts() == offered
    assert history.locator(".choice.other").count() == 1
    user.screenshot(path=str(SHOTS / "widget-reload-clarify.png"))
    before = bot_replies(user)
    history.locator(".choice:not(.other)").first.click()
    expect(user.locator(".msg.bot:not(.typing)")).to_have_count(before + 1, timeout=TIMEOUT)
    assert user.locator(".msg.bot .q").last.inner_text() == offered[0]


def test_a_threat_shows_the_emergency_message_and_the_entrys_steps_and_a_reload_keeps_both(browser,
                                                                                        live: LiveServer) -> None:
    user = user_page(browser, live.url + "/")
    ask_and_wait(user, "有人一直私信威胁我 怎么把他拉黑")
    reply = user.locator(".msg.bot").last
    assert "110" in reply.inner_text() and reply.locator(".q").inner_text() == "怎么拉黑一个用户？"
    assert reply.locator("ol li").count() == 3  # the steps, while the safety team takes it
    user.locator(".ticket", has_text="工单 #").wait_for()
    user.screenshot(path=str(SHOTS / "widget-safety-steps.png"))
    user.reload()
    history = user.locator(".msg.bot.history", has_text="110")
    history.wait_for()
    assert history.locator("ol li").count() == 3


def test_step_by_step_and_a_step_that_cannot_be_done(browser, live: LiveServer, agent: dict) -> None:
    user = user_page(browser, live.url + "/")
    ask_and_wait(user, "忘记密码了怎么办")
    user.get_by_role("button", name="一步一步来").click()
    user.locator(".step-card", has_text="第 1 步，共 3 步").wait_for()
    user.get_by_role("button", name="下一步").last.click()
    user.locator(".step-card", has_text="第 2 步，共 3 步").wait_for()
    user.screenshot(path=str(SHOTS / "widget-steps.png"))
    user.get_by_role("button", name="这一步做不了").last.click()
    user.get_by_role("button", name="转人工客服").last.click()
    user.locator("form.handoff button[type=submit]").click()
    user.locator(".ticket", has_text="工单 #").wait_for()
    ticket_id = int(user.locator(".ticket").inner_text().split("#")[1].split(" ")[0])
    with httpx.Client(base_url=live.url, headers=agent, timeout=30) as api:
        ticket = api.get(f"/v1/agent/tickets/{ticket_id}").json()
    assert (ticket["entry_id"], ticket["failed_step"]) == ("account-password-reset-phone", 2)
    assert ticket["description"].startswith("第 2 步做不了：")


def test_a_long_message_shows_a_counter_instead_of_being_cut(browser, live: LiveServer) -> None:
    user = user_page(browser, live.url + "/")
    box = user.locator("form.composer textarea")
    box.fill("密" * 501)
    user.locator(".counter.over", has_text="501/500").wait_for()
    assert user.locator("form.composer button[type=submit]").is_disabled()
    assert box.input_value() == "密" * 501  # nothing was cut
    user.screenshot(path=str(SHOTS / "widget-counter.png"))


def test_an_upset_users_ticket_comes_first_in_the_console(browser, live: LiveServer, agent: dict) -> None:
    calm = user_page(browser, live.url + "/")
    ask_and_wait(calm, "我的视频背景音乐怎么换")
    calm.locator(".ticket", has_text="排队中").wait_for()
    angry = user_page(browser, live.url + "/")
    ask_and_wait(angry, "什么垃圾平台 凭什么封我号！！！")
    assert angry.locator(".msg.bot .empathy").last.inner_text().startswith("非常抱歉")
    ask_and_wait(angry, "转人工")
    angry.locator(".ticket", has_text="排队中").wait_for()

    console = browser.new_context(viewport={"width": 1440, "height": 960}, locale="zh-CN").new_page()
    console.set_default_timeout(TIMEOUT)
    console.goto(live.url + "/agent")
    console.fill("#key", agent["Authorization"].removeprefix("Bearer "))
    console.click("#signin-form button")
    first = console.locator("#queue li").first
    first.locator(".badge.prio", has_text="较高").wait_for()
    assert "凭什么封我号" in first.inner_text() or "转人工" in first.inner_text()
    first.click()
    console.locator("#t-info", has_text="用户情绪：生气").wait_for()
    console.screenshot(path=str(SHOTS / "agent-console-priority.png"))


def test_feedback_near_kb_entries_shows_them_under_the_thanks_and_after_a_reload(browser, live: LiveServer) -> None:
    user = user_page(browser, live.url + "/")
    ask_and_wait(user, "半夜收到消息说我的号在广州登录了 我人在哈尔滨根本没登")  # told as a bug
    reply = user.locator(".msg.bot").last
    assert "已经记录" in reply.inner_text()  # thanked (feedback.bug)
    reply.locator(".note", has_text="可以看看这些").wait_for()
    offered = reply.locator(".choice:not(.other)").all_inner_texts()
    assert "账号被盗了怎么办？" in offered
    user.screenshot(path=str(SHOTS / "widget-feedback-choices.png"))
    user.reload()
    history = user.locator(".msg.bot.history", has_text="可以看看这些")
    history.wait_for()
    assert history.locator(".choice:not(.other)").all_inner_texts() == offered
    before = bot_replies(user)
    history.locator(".choice", has_text="账号被盗了怎么办？").click()
    expect(user.locator(".msg.bot:not(.typing)")).to_have_count(before + 1, timeout=TIMEOUT)
    assert user.locator(".msg.bot .q").last.inner_text() == "账号被盗了怎么办？"


def test_the_bot_called_useless_apologises_and_offers_a_person(browser, live: LiveServer) -> None:
    """垃圾机器人 啥也不会 (held60 had three such) is not off-domain: an apology, a word on how to ask again and the
    button to a person, with no ticket opened until it is pressed."""
    user = user_page(browser, live.url + "/")
    ask_and_wait(user, "垃圾机器人 啥也不会")
    last = user.locator(".msg.bot").last
    assert "抱歉" in last.inner_text() and "超出" not in last.inner_text()
    last.get_by_role("button", name="转人工客服").wait_for()
    assert user.locator(".ticket").is_hidden()
    user.screenshot(path=str(SHOTS / "widget-bot-called-useless.png"))
    last.get_by_role("button", name="转人工客服").click()
    user.locator("form.handoff button[type=submit]").click()
    user.locator(".ticket", has_text="工单 #").wait_for()


def test_an_emoji_alone_is_small_talk_or_a_polite_note(browser, live: LiveServer) -> None:
    """👍 or 🙏 sent alone says something (a small-talk reply, no ticket); 😭 alone says nothing to answer: the voice's
    note asks for words (held56's 👌👌 got the note before)."""
    user = user_page(browser, live.url + "/")
    ask_and_wait(user, "🙏🙏")
    assert "不客气" in user.locator(".msg.bot").last.inner_text()
    ask_and_wait(user, "👍")
    assert "夸奖" in user.locator(".msg.bot").last.inner_text()
    ask(user, "😭")
    user.locator(".sys.error", has_text="请用文字简单描述").wait_for()
    assert user.locator(".ticket").is_hidden()
    user.screenshot(path=str(SHOTS / "widget-emoji-alone.png"))
