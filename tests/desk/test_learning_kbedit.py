"""Accepted suggestions are written into the KB's YAML in place: order, comments and style kept, `updated` set,
the KB checked before the file is replaced."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from assistant.config import DEFAULT_TEAMS
from assistant.desk.learning.kbedit import NewEntry, add_entry, add_similar, apply, scalar
from assistant.errors import KbEditRejected
from assistant.kb import load_kb

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "kb"
SHIPPED = Path(__file__).resolve().parent.parent.parent / "kb"
TODAY = dt.date(2026, 11, 29)


@pytest.fixture(params=["fixture", "shipped"])
def kb_dir(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE if request.param == "fixture" else SHIPPED, tmp_path / "kb")
    return tmp_path / "kb"


def _entry(kb: Path, entry_id: str):  # type: ignore[no-untyped-def]
    return load_kb(kb, DEFAULT_TEAMS).by_id()[entry_id]


def test_similar_questions_are_added_in_place(kb_dir: Path) -> None:
    before = load_kb(kb_dir, DEFAULT_TEAMS)
    entry = before.entries[3]
    edit = add_similar(kb_dir, entry.id, ["密码: 忘了 #怎么办", "- 一个怪问题"], TODAY)
    apply(kb_dir, [edit], DEFAULT_TEAMS)
    after = _entry(kb_dir, entry.id)
    assert after.similar == (*entry.similar, "密码: 忘了 #怎么办", "- 一个怪问题")
    assert after.updated == TODAY
    removed = [ln for ln in edit.diff(kb_dir).splitlines() if ln.startswith("-") and not ln.startswith("---")]
    assert all("updated:" in ln for ln in removed)  # nothing else of the file changed
    assert edit.before.count("#") <= edit.after.count("#")
    assert [e.id for e in load_kb(kb_dir, DEFAULT_TEAMS).entries] == [e.id for e in before.entries]


def test_questions_from_traffic_go_to_a_learned_list_after_the_similar_ones(kb_dir: Path) -> None:
    entry = load_kb(kb_dir, DEFAULT_TEAMS).entries[2]
    apply(kb_dir, [add_similar(kb_dir, entry.id, ["咋整啊这个"], TODAY, key="learned")], DEFAULT_TEAMS)
    apply(kb_dir, [add_similar(kb_dir, entry.id, ["还是不会弄"], TODAY, key="learned")], DEFAULT_TEAMS)
    after = _entry(kb_dir, entry.id)
    assert (after.similar, after.learned) == (entry.similar, ("咋整啊这个", "还是不会弄"))
    assert after.questions == (*entry.questions, "咋整啊这个", "还是不会弄")  # indexed and answered like the rest
    taken = entry.similar[0]  # one of the entry's own similar questions, again as learned: a duplicate, refused
    with pytest.raises(KbEditRejected, match="listed twice"):
        apply(kb_dir, [add_similar(kb_dir, entry.id, [taken], TODAY, key="learned")], DEFAULT_TEAMS)


def test_an_entry_without_similar_questions_gets_the_key(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "a.yaml").write_text("# top comment\ncategory: 其他\nentries:\n  - id: one\n    question: 问题一\n"
                               "    answer: 答案一\n    # keep me\n  - id: two\n    question: 问题二\n"
                               "    similar: []\n    answer: 答案二\n", "utf-8")
    apply(kb, [add_similar(kb, "one", ["问一下问题一"], TODAY)], DEFAULT_TEAMS)
    apply(kb, [add_similar(kb, "two", ["问题二怎么办"], TODAY)], DEFAULT_TEAMS)
    text = (kb / "a.yaml").read_text("utf-8")
    assert "# top comment" in text and "# keep me" in text
    entries = load_kb(kb, DEFAULT_TEAMS).by_id()
    assert entries["one"].similar == ("问一下问题一",) and entries["two"].similar == ("问题二怎么办",)
    assert entries["one"].updated == TODAY


def test_a_new_entry_goes_to_its_category_file(kb_dir: Path) -> None:
    kb = load_kb(kb_dir, DEFAULT_TEAMS)
    category = kb.entries[-1].category
    new = NewEntry("learned-gap-1", category, "换绑邮箱要多久生效", ("邮箱改了多久能用",),
                   "一般十分钟内生效。\n\n如果超过一小时，请重新登录。", DEFAULT_TEAMS[0])
    apply(kb_dir, [add_entry(kb_dir, new, TODAY)], DEFAULT_TEAMS)
    after = load_kb(kb_dir, DEFAULT_TEAMS)
    added = after.by_id()["learned-gap-1"]
    assert (added.category, added.similar, added.team, added.updated) == (category, new.similar, new.team, TODAY)
    assert added.answer.startswith("一般十分钟内生效。") and len(after.entries) == len(kb.entries) + 1


def test_an_edit_that_breaks_the_kb_is_refused_and_nothing_is_written(kb_dir: Path) -> None:
    kb = load_kb(kb_dir, DEFAULT_TEAMS)
    new = NewEntry(kb.entries[0].id, kb.entries[0].category, "重复的编号", (), "答案", None)
    edit = add_entry(kb_dir, new, TODAY)
    with pytest.raises(KbEditRejected, match="invalid"):
        apply(kb_dir, [edit], DEFAULT_TEAMS)
    assert edit.path.read_text("utf-8") == edit.before
    with pytest.raises(KbEditRejected, match="no entry"):
        add_similar(kb_dir, "no-such-entry", ["问题"], TODAY)


@pytest.mark.parametrize("text", ["普通的问题", "a: b", "含 #号", "- 开头", "'引号", "yes", "123", "[列表]"])
def test_scalars_read_back_as_the_same_text(text: str) -> None:
    assert yaml.safe_load(f"k: {scalar(text)}")["k"] == text
