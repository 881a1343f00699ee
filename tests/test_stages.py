"""The stages end to end on the fixture KB with the deterministic hashing embedder (assistant/testing.py): a real
build (jieba, BM25, FAISS, adapter, calibration), the serving path and the HTTP app, in seconds. The same path
with the real model is covered by the slow tier."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from starlette.testclient import TestClient

from assistant import index as index_mod
from assistant.build import IndexBuilder
from assistant.config import Settings
from assistant.engine import Assistant
from assistant.engine.features import FEATURES, F
from assistant.testing import HashingEmbedder


@pytest.fixture(scope="module")
def hashed(settings: Settings, fixture_kb, tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    embedder = HashingEmbedder()
    root = tmp_path_factory.mktemp("hashed-index")
    result = IndexBuilder(settings, embedder, progress=False).build(fixture_kb, root)
    assert result.version is not None
    return Assistant(index_mod.load(result.version, embedder.name, embedder.dimension), embedder, settings)


def test_the_hashing_embedder_is_deterministic_and_normalised() -> None:
    a, b = HashingEmbedder(), HashingEmbedder()
    x = a.encode(["忘记密码了怎么办", "直播权限怎么开通", ""])
    np.testing.assert_array_equal(x, b.encode(["忘记密码了怎么办", "直播权限怎么开通", ""]))
    assert x.dtype == np.float32 and x.shape == (3, a.dimension)
    assert np.allclose(np.linalg.norm(x[:2], axis=1), 1.0) and not x[2].any()
    same, other = a.encode(["忘记密码怎么找回", "直播权限怎么关闭"]) @ x[0]
    assert same > other


def test_feature_columns_are_named_in_order() -> None:
    assert tuple(f.name for f in sorted(F)) == FEATURES
    assert FEATURES[F.knn_votes] == "knn_votes" and len(FEATURES) == 14


def test_the_manifest_records_the_build(hashed: Assistant, fixture_kb) -> None:
    m = hashed.data.manifest
    assert m.model.name == "hash-ngrams-256" and m.model.dimension == 256
    assert m.kb.entries == len(fixture_kb.entries) and m.kb.sha256 == fixture_kb.sha256
    assert m.selftest is not None and m.selftest.queries == fixture_kb.question_count
    assert set(m.build_seconds) >= {"embed", "lexical", "adapters", "calibration", "faiss"}
    assert 0.0 < m.calibration.thresholds["clarify"] <= m.calibration.thresholds["answer"] <= 1.0


def test_the_self_test_asks_every_question_whatever_the_calibration_sample(settings: Settings, fixture_kb,
                                                                          tmp_path: Path) -> None:
    capped = settings.model_copy(update={"calibration_max_queries": 100})
    assert fixture_kb.question_count > 100
    m = IndexBuilder(capped, HashingEmbedder(), progress=False).build(fixture_kb, tmp_path).manifest
    assert m.selftest is not None and m.selftest.queries == fixture_kb.question_count
    # calibration itself asked only the sample, each question in scope and with its entry left out
    assert m.calibration.examples["in_scope"] <= 100


def test_a_kb_question_is_answered_from_its_entry(hashed: Assistant) -> None:
    reply = hashed.ask("忘记密码了，怎么通过绑定的手机号找回？")
    assert reply.decision == "answer" and reply.answer is not None
    assert reply.answer.id == "account-password-reset-phone"
    assert set(reply.timing) >= {"prepare_ms", "embed_ms", "dense_ms", "rank_ms", "total_ms"}


def test_rules_hand_off_whatever_the_score(hashed: Assistant) -> None:
    safety = hashed.ask("有人威胁我 说要报复")
    assert (safety.decision, safety.team) == ("handoff", "safety")
    human = hashed.ask("忘记密码了 转人工")
    assert human.decision == "handoff" and "person" in human.reason


def test_suggestions_rank_the_entries(hashed: Assistant) -> None:
    found = hashed.suggest("怎么把一个人拉黑", k=3)
    assert len(found) == 3 and found[0].id == "safety-block-user"
    assert found[0].score >= found[1].score >= 0


@pytest.fixture()
def client(hashed: Assistant, settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    from assistant.api import create_app

    app = create_app(settings.model_copy(update={"data_dir": tmp_path / "data", "rate_limit": 0}), assistant=hashed)
    with TestClient(app) as c:
        yield c


def test_the_service_answers_and_opens_one_ticket_per_session(client: TestClient) -> None:
    answered = client.post("/v1/ask", json={"question": "忘记密码了，怎么通过绑定的手机号找回？"}).json()
    assert answered["decision"] == "answer" and answered["ticket_id"] is None
    session = answered["session_id"]
    handed = client.post("/v1/ask", json={"question": "转人工", "session_id": session}).json()
    assert handed["decision"] == "handoff" and handed["ticket_id"] and handed["ticket_token"]
    followed = client.get(f"/v1/tickets/{handed['ticket_id']}", headers={"X-Ticket-Token": handed["ticket_token"]})
    assert followed.status_code == 200 and followed.json()["status"] == "open"
    again = client.post("/v1/tickets", json={"session_id": session})
    assert again.status_code == 200 and again.json()["ticket_id"] == handed["ticket_id"]


def test_a_clear_pick_is_offered_rather_than_handed_off(hashed: Assistant) -> None:
    from dataclasses import replace

    ranked = hashed.rank_many(["怎么把一个人拉黑"])[0]
    low = hashed.thresholds.clarify / 2
    n = len(ranked.entries)
    clear = replace(ranked, confidence=low, scores=np.array([3.0] + [0.0] * (n - 1)))
    flat = replace(ranked, confidence=low, scores=np.zeros(n))
    offered = hashed.decider.decide(clear, None, 1.0)
    assert offered.decision == "clarify"
    assert offered.alternatives[0].id == hashed.data.entries[int(ranked.entries[0])].id
    assert "clearly ahead" in offered.reason
    assert hashed.decider.decide(flat, None, 1.0).decision == "handoff"  # no pick stands out: a person


def test_a_ticket_that_cannot_be_opened_fails_its_own_message_not_the_batch(hashed: Assistant, settings: Settings,
                                                                             tmp_path: Path, monkeypatch) -> None:
    """The ask lane answers concurrent requests together: a handoff whose ticket the store refuses gets that error
    (the user sees 503), and the other messages of the batch are still answered."""
    from assistant.desk import DeskStore, HelpDesk
    from assistant.desk.helpdesk import Asked
    from assistant.errors import InvalidQuestion, StoreUnavailable

    store = DeskStore.from_dsn(f"sqlite:///{tmp_path / 'desk.db'}")
    desk = HelpDesk(store, settings.teams, settings.default_team)

    def refused(new):  # the database fails on this one write
        raise StoreUnavailable("the ticket store is unavailable")

    monkeypatch.setattr(store.tickets, "create_ticket", refused)
    done = desk.ask_many(hashed, [Asked("转人工", "session-a"), Asked("忘记密码了，怎么通过绑定的手机号找回？", "b-1"),
                                  Asked("   ", "session-c")])
    assert isinstance(done[0], StoreUnavailable) and isinstance(done[2], InvalidQuestion)
    reply, ticket, token = done[1]
    assert reply.decision == "answer" and ticket is None
    with pytest.raises(StoreUnavailable):
        desk.ask(hashed, "转人工", "session-d", "web")
    store.close()
