"""The CLI through its real entry point (a subprocess), as maintainers and scripts use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURE_KB


def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          env=full_env, input=stdin, timeout=600)


def test_check_kb_passes_on_the_fixture() -> None:
    out = run("check-kb", str(FIXTURE_KB))
    assert out.returncode == 0, out.stderr
    assert "OK, 25 entries" in out.stdout


def test_check_kb_lists_every_problem_and_exits_non_zero(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "category: 测试\nentries:\n"
        "  - {id: a, question: 问题一, similar: [同一个问法], answer: 答}\n"
        "  - {id: a, question: 问题二, answer: 答}\n"
        "  - {id: b, question: 问题三, similar: [同一个问法], answer: '', team: marketing}\n",
        encoding="utf-8",
    )
    out = run("check-kb", str(tmp_path), env={"FAQ_MIN_SIMILAR": "0"})
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert any(f"bad.yaml:4: entry a: duplicate id `a` (first at {tmp_path / 'bad.yaml'}:3: entry a)" in line
               for line in lines)
    assert any("entry b: answer:" in line for line in lines)
    assert any("entry b: unknown team `marketing`" in line for line in lines)
    assert any("entry b: question `同一个问法` also belongs to entry `a`" in line for line in lines)
    assert lines[-1] == "error: 4 problem(s) in the knowledge base"
    assert "Traceback" not in out.stderr


def test_missing_kb_is_one_line() -> None:
    out = run("check-kb", "/nonexistent/kb")
    assert out.returncode == 1
    assert out.stderr.strip().splitlines()[-1].startswith("error:")
    assert "Traceback" not in out.stderr


def test_build_rollback_ask_and_eval(tmp_path: Path) -> None:
    env = {"FAQ_INDEX_DIR": str(tmp_path / "index"), "FAQ_SELFTEST_FLOOR": "0", "FAQ_CACHE_DIR": str(tmp_path / "c")}
    first = run("build", "--kb", str(FIXTURE_KB), env=env)
    assert first.returncode == 0, first.stderr
    assert "self-test: top-1" in first.stdout and "published:" in first.stdout
    second = run("build", "--kb", str(FIXTURE_KB), "--force", env=env)
    assert second.returncode == 0, second.stderr
    versions = sorted(p.name for p in (tmp_path / "index" / "versions").iterdir())
    assert len(versions) == 2
    assert (tmp_path / "index" / "current").resolve().name == versions[1]
    stale = run("build", "--kb", str(FIXTURE_KB), "--if-stale", env=env)
    assert "up to date" in stale.stdout

    back = run("build", "--rollback", env=env)
    assert back.returncode == 0, back.stderr
    assert (tmp_path / "index" / "current").resolve().name == versions[0]
    same = run("build", "--kb", str(FIXTURE_KB), env=env)  # the KB of a kept version: not built again
    assert same.returncode == 0 and "is current already, not rebuilt" in same.stdout, same.stderr
    assert len(list((tmp_path / "index" / "versions").iterdir())) == 2

    ask = run("ask", "怎么把一个人拉黑", "--json", env=env)
    assert ask.returncode == 0, ask.stderr
    reply = json.loads(ask.stdout)
    assert reply["alternatives"][0]["id"] == "safety-block-user"
    assert reply["decision"] == "answer" and reply["answer"]["id"] == "safety-block-user"

    bad = run("ask", "   ", env=env)
    assert bad.returncode == 1 and bad.stderr.strip() == "error: the question is empty"

    queries = tmp_path / "q.jsonl"
    queries.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in [
        {"query": "密码忘了怎么找回", "expected": "account-password-reset-phone"},
        {"query": "怎么关闭直播权限", "expected": "live-permission-close"},
        {"query": "今天天气怎么样", "expected": None},
    ]), encoding="utf-8")
    ev = run("eval", "--kb", str(FIXTURE_KB), "--queries", str(queries), "--json", "--plots", str(tmp_path / "plots"),
             env=env)
    assert ev.returncode == 0, ev.stderr
    adopted = [p.resolve().name for p in (tmp_path / "c" / "eval").glob("*/current")]
    assert adopted == [versions[0]]  # the index folder's version of this KB, not a third build
    charts = sorted(p.name for p in (tmp_path / "plots").iterdir())  # make eval's charts: matplotlib is installed
    assert charts == ["precision_coverage.png", "reliability.png"]
    assert all((tmp_path / "plots" / c).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for c in charts)
    report = json.loads(ev.stdout)
    assert report["queries"] == 3 and report["in_scope"] == 2 and report["out_of_scope"] == 1
    assert report["top1"] == 1.0
    assert report["oos_not_answered"] == 1.0
    assert set(report["latency_ms"]) == {"p50", "p95", "p99"}

    # --errors lists what was got wrong: a question answered from another entry, a greeting labelled a handoff
    mislabelled = tmp_path / "mislabelled.jsonl"
    mislabelled.write_text(json.dumps({"query": "怎么关闭直播权限", "expected": "account-password-reset-phone"},
                                      ensure_ascii=False), encoding="utf-8")
    said = tmp_path / "said.jsonl"
    said.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in [
        {"text": "你好", "intent": "human"}, {"text": "谢谢你啊", "intent": "smalltalk", "kind": "thanks"}]),
        encoding="utf-8")
    told = tmp_path / "told.jsonl"  # a request labelled a question, a how-to labelled a bug report
    told.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in [
        {"text": "希望能加个批量下载视频的功能", "feedback": False, "category": "other", "area": "video",
         "sentiment": "neutral"},
        {"text": "怎么关闭直播权限", "feedback": True, "category": "bug", "area": "live", "sentiment": "neutral"}]),
        encoding="utf-8")
    errs = run("eval", "--kb", str(FIXTURE_KB), "--queries", str(mislabelled), "--queries", str(queries),
               "--intents", str(said), "--feedback", str(told), "--errors", env=env)
    assert errs.returncode == 0, errs.stderr
    out = errs.stdout.splitlines()
    assert "  怎么关闭直播权限 -> answer live-permission-close" in "\n".join(out)
    assert [line.split()[:2] for line in out if line.startswith(("wrong", "intents wrong"))] == [
        ["wrong", "1"], ["intents", "wrong"]]
    assert any(line.strip().startswith("human: 你好 -> smalltalk/smalltalk.greeting") for line in out)
    assert f"feedback {told} wrong 2" in " ".join(" ".join(line.split()) for line in out)
    assert "  taken as feedback (feature_request): 希望能加个批量下载视频的功能" in out
    assert "  missed bug: 怎么关闭直播权限 -> answer/question" in out
    refused = run("eval", "--kb", str(FIXTURE_KB), "--queries", str(queries), "--errors", "--baselines", env=env)
    assert refused.returncode != 0 and "without --baselines" in refused.stderr

    several = tmp_path / "several.jsonl"
    several.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in [
        {"query": "被封号了去哪申诉", "expected": ["account-unban-appeal", "community-appeal-how"]},
        {"query": "怎么关闭直播权限", "expected": "live-permission-close"},
        {"query": "今天天气怎么样", "expected": None},
    ]), encoding="utf-8")
    table = run("eval", "--kb", str(FIXTURE_KB), "--queries", str(several), "--baselines", env=env)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.strip().splitlines()
    assert lines[0].startswith("3 questions (2 in scope, 1 without an entry)")
    assert [line.split()[0] for line in lines[1:]] == ["method", "bm25", "dense", "project"]
    assert float(lines[-1].split()[1]) == 1.0  # the project's top-1: either appeal entry first is right
