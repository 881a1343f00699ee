"""A PostgreSQL outage while the service runs: clients get a clean 503 problem+json that names no host, port
or driver; /metrics still answers at once; and the service recovers by itself when the database is back."""

from __future__ import annotations

import logging
import time

import pytest
from starlette.testclient import TestClient

from assistant.api import create_app
from assistant.config import Settings
from tests.pg import PgCluster

HANDOFF = "我的视频背景音乐怎么换"  # no entry answers it: the bot hands it to a person (a ticket)


def _assert_clean_503(r, pg: PgCluster) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["code"] == "store_unavailable"
    for internal in (str(pg.port), "127.0.0.1", "psycopg", "postgres", "connection to server"):
        assert internal not in r.text, (internal, r.text)


def test_postgresql_outage_and_recovery(api_settings: Settings, assistant, caplog: pytest.LogCaptureFixture) -> None:
    with PgCluster() as pg:
        pg.admin("CREATE DATABASE desk")
        settings = api_settings.model_copy(update={"database_url": f"{pg.dsn}/desk"})
        with TestClient(create_app(settings, assistant=assistant)) as client:
            before = client.post("/v1/tickets", json={"description": "停机前的工单"})
            assert before.status_code == 201 and client.get("/readyz").status_code == 200
            assert "faq_ticket_store_up 1.0" in client.get("/metrics").text

            pg.stop()
            with caplog.at_level(logging.ERROR, logger="assistant"):
                _assert_clean_503(client.post("/v1/tickets", json={"description": "停机时的工单"}), pg)
                _assert_clean_503(client.post("/v1/ask", json={"question": HANDOFF}), pg)
                _assert_clean_503(client.get(f"/v1/tickets/{before.json()['ticket_id']}",
                                             headers={"X-Ticket-Token": before.json()["ticket_token"]}), pg)
                _assert_clean_503(client.get("/readyz"), pg)
                started = time.monotonic()
                metrics = client.get("/metrics")
                assert metrics.status_code == 200 and time.monotonic() - started < 2.0
                assert "faq_ticket_store_up 0.0" in metrics.text
            logged = [r.getMessage() for r in caplog.records if r.name == "assistant.desk"]
            assert logged and str(pg.port) in logged[0]  # the operator is told where and why

            pg.start()  # the same cluster back: no restart of the service
            deadline = time.monotonic() + 30
            while client.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline, "the service did not recover"
                time.sleep(0.2)
            after = client.post("/v1/tickets", json={"description": "恢复后的工单"})
            assert after.status_code == 201
            ticket = before.json()
            read = client.get(f"/v1/tickets/{ticket['ticket_id']}", headers={"X-Ticket-Token": ticket["ticket_token"]})
            assert read.status_code == 200 and read.json()["question"] == "停机前的工单"
            assert client.post("/v1/ask", json={"question": HANDOFF}).json()["ticket_id"]
            assert "faq_ticket_store_up 1.0" in client.get("/metrics").text
