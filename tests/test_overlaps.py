"""`assistant build` warns about a new entry whose questions mostly retrieve another entry first, naming both
(build/overlaps.py, build/report.py). Real model, the fixture KB plus a near-copy of one of its entries."""

from __future__ import annotations

import shutil
from pathlib import Path

from assistant.build import IndexBuilder
from assistant.build.report import build_report
from assistant.kb import load_kb
from tests.conftest import FIXTURE_KB

COPY = """
- id: account-forgot-password-again
  question: 登录密码忘记了咋整
  similar:
    - 密码忘了咋办呢
    - 忘记登陆密码了怎么重置呀
    - 怎么用手机号找回密码呀
    - 找回密码在哪里呀
    - 重置密码要怎么弄呢
  answer: 在登录页点「忘记密码」，用手机号验证后设置新密码。
  team: account
"""


def test_a_new_entry_that_copies_another_is_named_with_it(tmp_path: Path, settings, embedder) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, kb_dir)
    with (kb_dir / "cat00.yaml").open("a", encoding="utf-8") as fh:
        fh.write(COPY)
    old_ids = {e.id for e in load_kb(FIXTURE_KB).entries}
    result = IndexBuilder(settings, embedder, progress=False).build(load_kb(kb_dir, settings.teams), tmp_path / "ix")
    st = result.manifest.selftest
    assert st is not None
    found = {(o.entry, o.other) for o in st.overlaps}
    assert ("account-forgot-password-again", "account-password-reset-phone") in found, st.overlaps
    lines = build_report(result, tmp_path / "ix", old_ids)
    warnings = [line for line in lines if line.startswith("warning:")]
    assert len(warnings) == 1, warnings  # the existing entry it steals from is not new: no warning for it
    assert warnings[0].startswith("warning: new entry account-forgot-password-again overlaps entry "
                                  "account-password-reset-phone: ")
    assert not [line for line in build_report(result, tmp_path / "ix", old_ids | {"account-forgot-password-again"})
                if line.startswith("warning:")]
