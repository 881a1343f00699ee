"""`assistant kb import | export` on messy tables (CSV, Excel, JSON Lines): duplicates, conflicts, problems named
by file:line, nothing written on bad input, and a round trip through each format. The CLI runs in process."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner, Result

from assistant.cli import main
from assistant.kb import load_kb
from tests.conftest import FIXTURE_KB

ANSWER = "在「我」→「编辑资料」里修改昵称。"
MESSY_CSV = (
    "\ufeff 标准问题 ,相似问题,答案,分类,团队\n"
    '怎么修改昵称？,"改名字在哪里\n昵称怎么换；换个昵称",' + ANSWER + ",账号,account\n"
    ",,,,\n"
    "\n"
    "\u3000怎么修改昵称\u3000,名字怎么改|改昵称 ;改名字在哪里," + ANSWER + " ,账号,account\n"
    '直播怎么开,,"1. 打开 App\r\n2. 点击「开直播」",直播,live\n'
    "直播怎么开,开播,先实名认证再开播。,直播,live\n"
    "退款多久到账,,原路退回，1-3个工作日到账。,支付,payments\n"
)


def kb_cli(*args: str) -> Result:
    return CliRunner().invoke(main, ["kb", *args])


def entries_of(folder: Path) -> dict[str, dict]:
    out = {}
    for f in folder.glob("*.yaml"):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and "entries" in doc:
            out.update({e["question"]: {**e, "category": doc["category"]} for e in doc["entries"]})
    return out


def test_a_messy_csv_is_cleaned_merged_and_reported(tmp_path: Path) -> None:
    src = tmp_path / "faq.csv"
    src.write_text(MESSY_CSV, encoding="utf-8")
    out = kb_cli("import", str(src), "--kb", str(tmp_path / "kb"))
    assert out.exit_code == 0, out.output
    assert f"duplicate {src}:6: 「怎么修改昵称」 as at {src}:2: merged" in out.output
    assert f"conflict  {src}:9: 「直播怎么开」 as at {src}:7: skipped" in out.output
    assert "2 blank skipped" in out.output and "2 new entries (1 without similar questions)" in out.output
    got = entries_of(tmp_path / "kb")
    assert set(got) == {"怎么修改昵称？", "退款多久到账"}
    nick = got["怎么修改昵称？"]
    assert nick["similar"] == ["改名字在哪里", "昵称怎么换", "换个昵称", "名字怎么改", "改昵称"]
    assert nick["answer"] == ANSWER and nick["team"] == "account" and nick["id"] == "zhanghao-001"
    assert "similar" not in got["退款多久到账"]
    kb = load_kb(tmp_path / "kb")
    assert len(kb.entries) == 2
    check = CliRunner().invoke(main, ["check-kb", str(tmp_path / "kb")])
    assert check.exit_code == 1 and "0 similar questions; at least 6 are wanted (FAQ_MIN_SIMILAR)" in check.stderr
    check = CliRunner(env={"FAQ_MIN_SIMILAR": "0"}).invoke(main, ["check-kb", str(tmp_path / "kb")])
    assert check.exit_code == 0 and "OK, 2 entries" in check.output


@pytest.mark.parametrize(("option", "answer"),
                         [("first", "1. 打开 App\n2. 点击「开直播」"), ("last", "先实名认证再开播。")])
def test_a_conflict_keeps_the_answer_asked_for(tmp_path: Path, option: str, answer: str) -> None:
    src = tmp_path / "faq.csv"
    src.write_text(MESSY_CSV, encoding="utf-8")
    out = kb_cli("import", str(src), "--kb", str(tmp_path / "kb"), "--conflicts", option)
    assert out.exit_code == 0, out.output
    live = entries_of(tmp_path / "kb")["直播怎么开"]
    assert live["answer"] == answer and live["similar"] == ["开播"]
    assert (tmp_path / "kb" / "zhibo.yaml").read_text(encoding="utf-8").count("answer: |") == (option == "first")


def test_duplicates_may_be_skipped(tmp_path: Path) -> None:
    src = tmp_path / "faq.csv"
    src.write_text(MESSY_CSV, encoding="utf-8")
    assert kb_cli("import", str(src), "--kb", str(tmp_path / "kb"), "--duplicates", "skip").exit_code == 0
    assert entries_of(tmp_path / "kb")["怎么修改昵称？"]["similar"] == ["改名字在哪里", "昵称怎么换", "换个昵称"]


def test_questions_the_kb_has_stay_its_own(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, kb)
    before = {f.name: f.read_bytes() for f in kb.iterdir()}
    src = tmp_path / "more.jsonl"
    rows = [
        {"question": "收不到短信验证码怎么办？", "similar": ["验证码没来"], "answer": "等一下", "category": "账号"},
        {"standard question": "怎么改昵称", "similar questions": "密码忘了咋办|昵称能改几次", "answer": "在资料页改。",
         "category": "账号", "team": "account"},
    ]
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    out = kb_cli("import", str(src), "--kb", str(kb))
    assert out.exit_code == 0, out.output
    first = f"conflict  {src}:1: 「收不到短信验证码怎么办？」 as at entry account-code-not-received"
    assert f"{first} ({kb / 'cat00.yaml'})" in out.output
    assert f"duplicate {src}:2: 「密码忘了咋办」 as at entry account-password-reset-phone" in out.output
    assert {f.name: f.read_bytes() for f in kb.iterdir() if f.name in before} == before  # the KB's files untouched
    assert len(load_kb(kb).entries) == 26
    new = [e for e in load_kb(kb).entries if e.question == "怎么改昵称"][0]
    assert new.similar == ("昵称能改几次",) and new.id == "zhanghao-001"


def test_bad_rows_are_named_by_file_and_line_and_nothing_is_written(tmp_path: Path) -> None:
    src = tmp_path / "bad.csv"
    src.write_text("question,answer,category,team,id\n好问题,好答案,账号,account,a-1\n"
                   '"跨两行的\n问题",,账号,account,\n没有团队,答,账号,marketing,\n重复,答,账号,,a-1\n',
                   encoding="utf-8")
    out = kb_cli("import", str(src), "--kb", str(tmp_path / "kb"))
    assert out.exit_code == 1
    lines = out.stderr.splitlines()
    assert f"{src}:3: no answer" in lines
    assert any(line.startswith(f"{src}:5: unknown team `marketing`") for line in lines)
    assert f"{src}:6: duplicate id `a-1` (first at {src}:2)" in lines
    assert not (tmp_path / "kb").exists()
    src.write_text("问,答\n1,2\n", encoding="utf-8")
    out = kb_cli("import", str(src), "--kb", str(tmp_path / "kb"))
    assert out.exit_code == 1 and f"{src}:1: no column for question and answer" in out.stderr


def test_an_id_the_kb_has_names_both_places(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, kb)
    src = tmp_path / "ids.csv"
    src.write_text("id,question,answer,category\naccount-stolen,一个新问题,答,账号\n", encoding="utf-8")
    out = kb_cli("import", str(src), "--kb", str(kb))
    assert out.exit_code == 1
    assert f"{src}:2: duplicate id `account-stolen` (first at {kb / 'cat00.yaml'})" in out.stderr


def test_gb18030_csv_and_excel_with_chinese_headers(tmp_path: Path) -> None:
    src = tmp_path / "gbk.csv"
    src.write_bytes("标准问题,答案,类别\n怎么注销账号,在设置里注销。,账号\n".encode("gb18030"))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["标准问题", "相似问题", "答案", "分类", "团队"])
    sheet.append(["怎么开直播", "开播在哪\n怎么直播", "点「开直播」。", "直播", "live"])
    sheet.append([None, None, None, None, None])
    sheet.append(["直播没声音", None, None, "直播", "live"])
    book.save(tmp_path / "faq.xlsx")
    assert kb_cli("import", str(src), "--kb", str(tmp_path / "kb")).exit_code == 0
    out = kb_cli("import", str(tmp_path / "faq.xlsx"), "--kb", str(tmp_path / "kb"))
    assert out.exit_code == 1 and f"{tmp_path / 'faq.xlsx'}:4: no answer" in out.stderr
    sheet.delete_rows(4)
    book.save(tmp_path / "faq.xlsx")
    assert kb_cli("import", str(tmp_path / "faq.xlsx"), "--kb", str(tmp_path / "kb")).exit_code == 0
    got = entries_of(tmp_path / "kb")
    assert got["怎么注销账号"]["answer"] == "在设置里注销。"
    assert got["怎么开直播"]["similar"] == ["开播在哪", "怎么直播"] and got["怎么开直播"]["team"] == "live"


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "jsonl"])
def test_export_then_import_gives_the_same_entries(tmp_path: Path, suffix: str) -> None:
    table = tmp_path / f"kb.{suffix}"
    out = kb_cli("export", str(table), "--kb", str(FIXTURE_KB))
    assert out.exit_code == 0 and "wrote 25 entries" in out.output
    assert kb_cli("import", str(table), "--kb", str(tmp_path / "copy")).exit_code == 0
    again = {e.id: e for e in load_kb(tmp_path / "copy").entries}
    assert again == {e.id: e for e in load_kb(FIXTURE_KB).entries}
    again_out = kb_cli("import", str(table), "--kb", str(tmp_path / "copy"))
    assert "0 new entries" in again_out.output and "nothing written" in again_out.output
