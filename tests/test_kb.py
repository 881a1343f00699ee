"""KB loading and validation: YAML folder, JSON Lines, and one-line errors naming file and entry."""

import json
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.errors import KBError
from assistant.kb import kb_checksum, load_kb
from tests.conftest import BENCHMARKS, FIXTURE_KB, SHIPPED_KB

TEAMS = ("account", "live", "product")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def entry(i: str, q: str, similar: list[str], team: str = "account") -> str:
    sims = "".join(f"\n      - {s}" for s in similar)
    return f"""
  - id: {i}
    question: {q}
    similar:{sims}
    answer: 答案{i}
    team: {team}"""


def test_fixture_kb_loads(fixture_kb) -> None:
    assert len(fixture_kb.entries) == 25
    assert len({e.category for e in fixture_kb.entries}) >= 10
    assert "直播权限" in fixture_kb.dict_terms
    assert fixture_kb.synonyms["口令"] == "密码"
    assert "转人工" in fixture_kb.intents.rule("human").patterns  # the fixture's older handoff.yaml, as patterns
    assert fixture_kb.intents.rule("smalltalk.thanks").patterns  # and the shipped intents for the rest


def test_shipped_intents_and_voice_load_and_check(tmp_path: Path) -> None:
    kb = load_kb(SHIPPED_KB)
    assert kb.voice.say("ticket.created", id=7).count("#7") == 1
    assert {r.name for r in kb.intents.rules} >= {"safety", "legal", "human", "offdomain", "smalltalk.ping"}
    write(tmp_path / "a.yaml", "category: 账号\nentries:" + entry("a-1", "忘记密码", ["密码忘了"]))
    write(tmp_path / "intents.yaml", "human:\n  patterns: ['(unclosed']\nnobody:\n  examples: [x]\n")
    write(tmp_path / "voice.yaml", "say:\n  ticket.created: 工单 {number}\n")
    with pytest.raises(KBError) as err:
        load_kb(tmp_path, TEAMS)
    problems = "\n".join(err.value.problems)
    assert "pattern `(unclosed` is not a valid regular expression" in problems
    assert "unknown intent `nobody`" in problems
    assert "`say.ticket.created` (default) uses {number}; it may use only {id}" in problems
    assert "`say.greeting` is missing" in problems


def test_a_kind_of_danger_is_read_from_intents_yaml_and_an_unknown_kind_is_a_problem() -> None:
    from assistant.engine.intent import Rule
    from assistant.kb.intents import parse_intents

    doc = {"dangers": {"fraud": {"patterns": ["转账|验证码"], "unless": ["不想活"]}}}
    problems: list[str] = []
    rule = Rule(parse_intents(doc, "intents.yaml", problems).rule("danger.fraud"))
    assert not problems
    assert rule.match("他让我转账") == "转账" and rule.match("被骗转账了 不想活了") is None
    parse_intents({"dangers": {"arson": {"patterns": ["放火"]}}}, "intents.yaml", problems)
    assert any("unknown intent `danger.arson`" in p for p in problems)


def test_a_named_veto_keeps_a_pattern_from_applying_and_an_unknown_one_is_a_problem() -> None:
    from assistant.engine.intent import Rule
    from assistant.kb.intents import parse_intents

    doc = {"vetoes": {"asked": "转人工|找人工"},
           "human": {"patterns": ["真人"], "unless": [{"match": "怎么(联系|找)", "except": "asked"}]}}
    problems: list[str] = []
    rule = Rule(parse_intents(doc, "intents.yaml", problems).rule("human"))
    assert not problems
    assert rule.match("怎么联系真人") is None  # a how-to
    assert rule.match("怎么联系真人 给我转人工") == "真人"  # a how-to, and a request: the veto's veto
    assert rule.match("要真人") == "真人"
    doc["human"]["unless"] = [{"match": "怎么", "except": "nobody"}, {"match": "怎么"}]
    parse_intents(doc, "intents.yaml", problems)
    assert any("`except: nobody` names no entry of `vetoes` (known: asked)" in p for p in problems)
    assert any("needs `match` (a regular expression) and `except`" in p for p in problems)
    assert all(p.startswith("intents.yaml: `human.unless`") for p in problems)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "category: 账号\nentries:" + entry("a-1", "忘记密码", ["密码忘了"])
          + entry("a-1", "重复的id", ["别的问法"]) + entry("a-2", "怎么开直播", ["密码忘了"])
          + entry("a-3", "找客服", ["人工"], team="nobody"))
    write(tmp_path / "b.yaml", "category: 直播\nentries:\n  - id: b-1\n    question: ''\n    answer: x\n")
    with pytest.raises(KBError) as err:
        load_kb(tmp_path, TEAMS)
    problems = err.value.problems
    text = "\n".join(problems)
    assert len(problems) == 4, text
    a = tmp_path / "a.yaml"
    assert f"{a}:9: entry a-1: duplicate id `a-1` (first at {a}:3: entry a-1)" in text
    assert f"entry a-2: question `密码忘了` also belongs to entry `a-1` ({a}:3)" in text
    assert "entry a-3: unknown team `nobody`" in text
    assert "b.yaml:3: entry b-1: question:" in text
    assert all("\n" not in p for p in problems)


def test_broken_yaml_and_wrong_shape(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "category: x\nentries: [unclosed\n")
    write(tmp_path / "b.yaml", "- just a list\n")
    with pytest.raises(KBError) as err:
        load_kb(tmp_path, TEAMS)
    assert f"{tmp_path / 'a.yaml'}:3:1: not valid YAML (while parsing a flow sequence at 2:10: expected ',' or ']', " \
        "but got '<stream end>')" in err.value.problems
    assert any("b.yaml: expected a mapping" in p for p in err.value.problems)


def test_yaml_errors_keep_the_parsers_line_and_column(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "category: x\nentries:\n  - id: a\n    question: \"没关上的引号\n    answer: 答\n")
    write(tmp_path / "b.yaml", "category: x\nentries:\n  - id: b\n\tquestion: 制表符\n")
    with pytest.raises(KBError) as err:
        load_kb(tmp_path, TEAMS)
    a, b = sorted(err.value.problems)
    assert a.startswith(f"{tmp_path / 'a.yaml'}:6:1: not valid YAML (while scanning a quoted scalar at 4:15: ")
    assert b.startswith(f"{tmp_path / 'b.yaml'}:4:1: not valid YAML (")


def test_jsonl_kb_with_line_numbers(tmp_path: Path) -> None:
    good = {"id": "x-1", "category": "c", "question": "q1", "similar": ["s1"], "answer": "a"}
    bad = {"id": "x-2", "category": "c", "question": "q2", "similar": [], "answer": "  "}
    path = write(tmp_path / "kb.jsonl", "\n".join([json.dumps(good), "{not json", json.dumps(bad)]) + "\n")
    with pytest.raises(KBError) as err:
        load_kb(path)
    assert err.value.problems[0].startswith(f"{path}:2: not valid JSON")
    assert err.value.problems[1].startswith(f"{path}:3: answer:")


@pytest.mark.skipif(not BENCHMARKS.exists(), reason="needs ../shared/benchmarks")
def test_public_faq_set_loads_as_jsonl() -> None:
    kb = load_kb(BENCHMARKS / "ths_faq" / "kb.jsonl")
    assert len(kb.entries) == 270
    assert kb.entries[0].id == "ths-000" and len(kb.entries[0].similar) == 5


def test_checksum_covers_dictionary_and_synonyms(tmp_path: Path) -> None:
    for f in FIXTURE_KB.iterdir():
        write(tmp_path / f.name, f.read_text(encoding="utf-8"))
    before = kb_checksum(tmp_path)
    (tmp_path / "dict.txt").write_text("新术语\n", encoding="utf-8")
    after_dict = kb_checksum(tmp_path)
    (tmp_path / "synonyms.yaml").write_text("密码: [口令]\n", encoding="utf-8")
    assert len({before, after_dict, kb_checksum(tmp_path)}) == 3


def test_shipped_kb_passes_check_and_scope() -> None:
    kb = load_kb(SHIPPED_KB, ("account", "content-review", "live", "payments", "safety", "creator", "product"))
    assert len(kb.entries) >= 200
    assert len({e.category for e in kb.entries}) >= 12
    short = [e.id for e in kb.entries if len(e.similar) < 6]
    assert not short, f"entries with fewer than 6 similar questions: {short}"
    assert all(e.team for e in kb.entries)


def test_the_minimum_of_similar_questions_is_a_setting(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "category: 账号\nentries:" + entry("a-1", "忘记密码", ["密码忘了", "找回密码"])
          + "\n  - id: a-2\n    question: 怎么注销\n    answer: 在设置里\n")
    assert len(load_kb(tmp_path, TEAMS).entries) == 2  # what a build reads: any number
    with pytest.raises(KBError) as err:
        load_kb(tmp_path, TEAMS, min_similar=2)
    assert err.value.problems == [f"{tmp_path / 'a.yaml'}:10: entry a-2: 0 similar questions; at least 2 are "
                                  "wanted (FAQ_MIN_SIMILAR)"]
    assert len(load_kb(FIXTURE_KB, min_similar=Settings().min_similar).entries) == 25
