"""One voice: every sentence the assistant says comes from the KB's voice.yaml, none is written into the code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"
CJK = re.compile(r"[\u4e00-\u9fff]")
SENTENCE = re.compile(r"[\u4e00-\u9fff][^|\[\]]*[，。！？；：]")  # Chinese text with sentence punctuation
REGEX = re.compile(r"\(\?|\|.*\||\[\^?[^\]]+\]")  # patterns (alternatives, groups, classes) are data
VOICE = (PACKAGE / "resources" / "voice.yaml").read_text("utf-8")
JS_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'')


def _sentences(text: str) -> bool:
    """A sentence a user would read: Chinese with sentence punctuation, or a phrase of the voice's own texts."""
    if REGEX.search(text) or len(CJK.findall(text)) < 4:
        return False
    runs = re.findall(r"[\u4e00-\u9fff]{6,}", text)
    return bool(SENTENCE.search(text) or any(run in VOICE for run in runs))


def _python_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


def test_no_chinese_sentence_is_written_into_python() -> None:
    found = {f"{p.relative_to(PACKAGE)}: {s[:30]}" for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts
             for s in _python_literals(p) if _sentences(s)}
    assert not found, f"user-facing Chinese belongs in voice.yaml: {sorted(found)}"


def test_no_chinese_text_is_written_into_javascript() -> None:
    found = []
    for path in (PACKAGE / "web").glob("*.js"):
        lines = path.read_text("utf-8").splitlines()
        code = "\n".join(line for line in lines if not line.strip().startswith(("//", "*", "/*")))
        found += [f"{path.name}: {a or b}" for a, b in JS_STRING.findall(code)
                  if re.search(r"[\u4e00-\u9fff]", a or b)]
    assert not found, f"the widget and the console take their texts from /v1/voice: {found}"


def test_the_detector_would_catch_a_hard_coded_sentence(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text('"""说明：文档里的中文可以。"""\nMESSAGE = "这个问题我还不能准确回答，请稍候。"\n'
                   'WORDS = ("开通", "关闭")\n', "utf-8")
    assert [s for s in _python_literals(bad) if _sentences(s)] == ["这个问题我还不能准确回答，请稍候。"]


def test_the_pages_ask_only_for_texts_the_voice_has() -> None:
    import yaml

    voice = yaml.safe_load(VOICE)
    console = re.compile(r"\bC\(\"([\w.]*\w)\"")  # not a prefix such as C("role." + role)
    pages = ["agent.js", "admin.js", "admin_charts.js", "product.js"]
    calls = {"widget.js": re.compile(r"\bT\(\"([\w.]+)\""), **{name: console for name in pages}}
    section = {"widget.js": "widget", **{name: "console" for name in pages}}
    missing = [f"{name}: {key}" for name, pattern in calls.items()
               for key in pattern.findall((PACKAGE / "web" / name).read_text("utf-8"))
               if key not in voice[section[name]]]
    said = re.findall(r"\bSAY\(\"([\w.]+)\"", (PACKAGE / "web" / "widget.js").read_text("utf-8"))
    missing += [f"widget.js: say.{key}" for key in said if key not in voice["say"]]
    assert not missing and said, missing


def test_an_older_index_gets_the_texts_added_since() -> None:
    from assistant.kb.voice import Voice, default_voice, with_defaults

    shipped = default_voice().texts
    old = Voice({s: {k: v for k, v in texts.items() if not k.startswith("ticket.")} for s, texts in shipped.items()})
    old.texts["say"]["greeting"] = {"default": "老版本的问候"}
    merged = with_defaults(old)
    assert merged.say("ticket.queued", position=2, minutes=10) == "排队中，第 2 位，预计 10 分钟"
    assert merged.say("greeting") == "老版本的问候"  # the index's own texts win
