"""The lifecycle service on a real store (both kinds) and the real Assistant: routing, suggestions, rules."""

from __future__ import annotations

import pytest

from assistant.desk import DeskStore, HelpDesk
from assistant.desk.helpdesk import HumanRequest
from assistant.errors import InvalidQuestion, SessionNotFound, TicketConflict, UnknownTeam


@pytest.fixture()
def service(store: DeskStore, settings) -> HelpDesk:
    return HelpDesk(store, settings.teams, settings.default_team, suggestions=3)


def test_an_answer_opens_no_ticket_but_is_remembered(service: HelpDesk, assistant) -> None:
    reply, ticket, token = service.ask(assistant, "忘记密码了怎么办", "sess-answer", "web")
    assert reply.decision == "answer" and ticket is None and token is None
    turns = service.store.turns.conversations(["sess-answer"])["sess-answer"]
    assert [(t.question, t.decision, t.entry_id) for t in turns] == [
        ("忘记密码了怎么办", "answer", "account-password-reset-phone")]
    assert "手机号" in turns[0].answer


def test_a_handoff_opens_one_ticket_per_session(service: HelpDesk, assistant) -> None:
    reply, ticket, token = service.ask(assistant, "我的视频背景音乐怎么换", "sess-handoff", "web")
    assert reply.decision == "handoff" and ticket is not None and token
    assert ticket.team == reply.team and ticket.source == "bot" and ticket.confidence == reply.confidence
    assert len(ticket.suggestions) == 3 and all(s["answer"] for s in ticket.suggestions)
    _, again, token2 = service.ask(assistant, "转人工", "sess-handoff", "web")  # a second hand-off: the same ticket
    assert again is not None and again.id == ticket.id and token2 is None
    assert len(service.store.turns.conversations(["sess-handoff"])["sess-handoff"]) == 2


@pytest.mark.parametrize(("question", "team"), [("我要起诉你们，律师函已经准备好了", "safety"),
                                                ("忘记密码了怎么办 转人工", None)])
def test_routing(service: HelpDesk, assistant, question: str, team: str | None) -> None:
    reply, ticket, _ = service.ask(assistant, question, "sess-route", "web")
    assert reply.decision == "handoff" and ticket is not None
    assert ticket.team == (team or reply.team)
    assert ticket.team in service.teams


def test_asking_for_a_person(service: HelpDesk, assistant) -> None:
    service.ask(assistant, "直播", "sess-human", "web")
    ticket, token = service.request_human(assistant, HumanRequest("sess-human", contact="微信 abc"))
    assert token and ticket.question == "直播" and ticket.source == "user" and ticket.contact == "微信 abc"
    assert ticket.reason == "the user asked for a person"
    only_text, _ = service.request_human(assistant, HumanRequest(description="我的直播间被封了，想问原因"))
    assert only_text.question == "我的直播间被封了，想问原因"
    spaced, _ = service.request_human(assistant, HumanRequest(question="   ", description=" 账号被盗了 "))
    assert spaced.question == "账号被盗了"
    unreadable, _ = service.request_human(assistant, HumanRequest(question="😀😀"))
    assert unreadable.team == service.default_team and unreadable.suggestions == ()
    with pytest.raises(SessionNotFound):  # a session in which nothing was asked
        service.request_human(assistant, HumanRequest("sess-nothing"))
    with pytest.raises(InvalidQuestion):
        service.request_human(assistant, HumanRequest(description="  "))


def test_a_step_that_cannot_be_done_is_recorded(service: HelpDesk, assistant) -> None:
    ticket, _ = service.request_human(assistant, HumanRequest(
        "sess-step", question="忘记密码了怎么办", entry_id="account-password-reset-phone", failed_step=2))
    assert (ticket.entry_id, ticket.failed_step) == ("account-password-reset-phone", 2)
    assert ticket.description is not None and ticket.description.startswith("第 2 步做不了：输入账号绑定的手机号")
    no_step, _ = service.request_human(assistant, HumanRequest(
        "sess-step-2", question="忘记密码了怎么办", entry_id="account-password-reset-phone", failed_step=9))
    assert no_step.failed_step is None and no_step.description is None  # no such step: nothing made up


def test_an_upset_or_endangered_user_comes_first(service: HelpDesk, assistant) -> None:
    calm, _, _ = service.ask(assistant, "我的视频背景音乐怎么换", "sess-calm", "web")
    service.ask(assistant, "什么垃圾平台 凭什么封我号！！！", "sess-angry", "web")
    _, angry, _ = service.ask(assistant, "转人工", "sess-angry", "web")
    _, threat, _ = service.ask(assistant, "有人说要来我家杀了我", "sess-threat", "web")
    assert angry is not None and (angry.priority, angry.emotion) == (1, "angry")
    assert threat is not None and threat.priority == 2 and threat.team == "safety"
    queue = service.store.tickets.list_tickets({"open"})
    assert [t.session_id for t in queue][:2] == ["sess-threat", "sess-angry"]


def test_rules(service: HelpDesk, assistant) -> None:
    _, ticket, _ = service.ask(assistant, "我的视频背景音乐怎么换", "sess-rules", "web")
    assert ticket is not None
    with pytest.raises(TicketConflict):
        service.lifecycle.reply(ticket.id, "alice", "您好")  # not claimed yet
    with pytest.raises(TicketConflict):
        service.lifecycle.release(ticket.id, "alice")
    service.lifecycle.claim(ticket.id, "alice")
    with pytest.raises(TicketConflict):
        service.lifecycle.claim(ticket.id, "bob")
    with pytest.raises(TicketConflict):
        service.lifecycle.transfer(ticket.id, "bob", "account", "账号")  # someone else's claim
    with pytest.raises(UnknownTeam):
        service.lifecycle.transfer(ticket.id, "alice", "marketing", "营销")
    moved = service.lifecycle.transfer(ticket.id, "bob", "account", "账号问题", supervisor=True)
    assert moved.status == "open" and moved.team == "account"
    service.lifecycle.claim(ticket.id, "bob")
    kept = service.lifecycle.reply(ticket.id, "bob", "请问是哪个城市？", keep_open=True)
    assert kept.status == "claimed"
    done = service.lifecycle.reply(ticket.id, "bob", "北京今天晴。")
    assert done.status == "resolved" and done.reply == "北京今天晴。"


def test_the_default_team_must_be_a_team(store: DeskStore) -> None:
    with pytest.raises(UnknownTeam):
        HelpDesk(store, ("account",), "product")
