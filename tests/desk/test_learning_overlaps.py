"""Competing entries: an entry copied under a new id with its questions reworded retrieves the original; the pair
is reported with a suggested merge."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.desk.learning.overlaps import overlaps


def test_a_copied_entry_is_reported_as_an_overlap(settings: Any, embedder: Any, fixture_kb: Any,
                                                                   tmp_path: Path) -> None:
    from assistant.build import IndexBuilder

    original = fixture_kb.by_id()["account-password-reset-phone"]
    copy = original.model_copy(update={"id": "password-again", "question": "密码忘记了用手机号怎么找回",
                                       "similar": tuple(q + "呢" for q in original.similar)})
    kb = replace(fixture_kb, entries=(*fixture_kb.entries, copy))
    data = IndexBuilder(settings, embedder, progress=False).build(kb).data
    found = {(o.entry_id, o.other_id): o for o in overlaps(data)}
    pair = found.get(("password-again", original.id)) or found[(original.id, "password-again")]
    assert pair.action == "merge" and pair.share >= 0.6 and pair.questions
