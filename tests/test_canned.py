"""Canned replies in the KB folder: validated by check-kb (file and reply named), searched and filled in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.config import DEFAULT_TEAMS
from assistant.errors import KBError
from assistant.kb import load_kb
from assistant.kb.canned import CANNED_FILE, CannedLibrary, read_canned
from tests.conftest import FIXTURE_KB

KB = Path(__file__).resolve().parent.parent / "kb"


def test_the_shipped_replies_are_valid() -> None:
    problems: list[str] = []
    replies = read_canned(KB / CANNED_FILE, DEFAULT_TEAMS, problems)
    assert not problems and len(replies) >= 5
    assert all("#" not in r.text or "{{ticket_id}}" in r.text for r in replies)  # not cut by a YAML comment


def test_check_kb_names_the_file_and_the_reply(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, kb)
    (kb / CANNED_FILE).write_text(
        "replies:\n  - {id: a, title: 问候, text: '您好 {{name}}'}\n"
        "  - {id: b, title: 转交, text: 好的, teams: [nowhere]}\n"
        "  - {id: c, title: 空}\n  - {id: d, title: 结束, text: 再见}\n  - {id: d, title: 结束, text: 再见}\n", "utf-8")
    with pytest.raises(KBError) as err:
        load_kb(kb, DEFAULT_TEAMS)
    found = "\n".join(err.value.problems)
    for label in ("reply a: unknown team [] or variable ['name']", "reply b: unknown team ['nowhere']",
                  "reply c: needs a non-empty id, title and text", "reply d: the id is used twice"):
        assert f"{kb / CANNED_FILE}: {label}" in found


def test_search_filters_by_team_and_fills_variables(tmp_path: Path) -> None:
    (tmp_path / CANNED_FILE).write_text(
        "replies:\n  - {id: hi, title: 问候, text: '工单 #{{ticket_id}} 由{{team}}处理', tags: [开场]}\n"
        "  - {id: pay, title: 订单号, text: 请提供订单号, teams: [payments]}\n", "utf-8")
    library = CannedLibrary(tmp_path, DEFAULT_TEAMS)
    assert [r.id for r in library.search("")] == ["hi", "pay"]
    assert [r.id for r in library.search("", team="account")] == ["hi"]
    assert [r.id for r in library.search("开场")] == ["hi"]
    assert library.search("开场")[0].render({"ticket_id": "7", "team": "账号"}) == "工单 #7 由账号处理"
    (tmp_path / CANNED_FILE).write_text("replies: [oops", "utf-8")  # a broken edit keeps the last good replies
    assert [r.id for r in library.search("")] == ["hi", "pay"]
