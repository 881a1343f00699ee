"""Bad input gets a 4xx problem+json with a stable code, never a 500; and the limits that protect the service."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from assistant.api import create_app
from assistant.api.ratelimit import RateLimiter, client_key
from assistant.errors import RateLimited

JSON = {"Content-Type": "application/json"}

CASES = [
    ("POST", "/v1/ask", b'{"question": "\xe5\xaf\x86', JSON, 400, "invalid_json"),
    ("POST", "/v1/ask", b"not json at all", JSON, 400, "invalid_json"),
    ("POST", "/v1/ask", b'{"question": "\xff\xfe\xfa"}', JSON, 400, "invalid_json"),  # not UTF-8
    ("POST", "/v1/ask", '{"question": "密码忘了"}'.encode("gb18030"),
     {"Content-Type": "application/json; charset=gb18030"}, 400, "invalid_json"),
    ("POST", "/v1/ask", '{"question": "mot de passe oublié"}'.encode("latin-1"), JSON, 400, "invalid_json"),
    ("POST", "/v1/ask", b'{"question": ' + b"[" * 1000 + b"]" * 1000 + b"}", JSON, 400, "invalid_json"),
    ("POST", "/v1/ask", b'{"question": "hi", "n": ' + b"9" * 5000 + b"}", JSON, 400, "invalid_json"),
    ("POST", "/v1/tickets", b'[' * 100_000 + b']' * 100_000, JSON, 413, "payload_too_large"),
    ("POST", "/v1/ask", b"", JSON, 422, "invalid_request"),
    ("POST", "/v1/ask", b'["a list"]', JSON, 422, "invalid_request"),
    ("POST", "/v1/ask", b"{}", JSON, 422, "invalid_request"),
    ("POST", "/v1/ask", b'{"question": 42}', JSON, 422, "invalid_request"),
    ("POST", "/v1/ask", b'{"question": null}', JSON, 422, "invalid_request"),
    ("POST", "/v1/ask", b'{"question": ["a"]}', JSON, 422, "invalid_request"),
    ("POST", "/v1/ask", b'{"question": ""}', JSON, 422, "invalid_request"),  # the schema's pattern
    ("POST", "/v1/ask", b'{"question": "   \\n\\t "}', JSON, 422, "invalid_request"),
    ("POST", "/v1/ask", '{"question": "😀 🎉"}'.encode(), JSON, 422, "invalid_request"),
    ("POST", "/v1/ask", json.dumps({"question": "密" * 501}).encode(), JSON, 422, "invalid_question"),
    ("POST", "/v1/ask", b'{"question": "\\u0000\\u0001"}', JSON, 422, "invalid_request"),
    ("POST", "/v1/ask", b'{"question": "\\ud800\\u5bc6\\u7801"}', JSON, 422, "invalid_request"),
    ("POST", "/v1/tickets", b'{"description": "\\u5bc6\\u0000"}', JSON, 422, "invalid_request"),
    ("POST", "/v1/ask", b'{"question": "hi", "session_id": "short"}', JSON, 422, "invalid_request"),
    ("POST", "/v1/ask", b'{"question": "hi", "session_id": "../../etc/passwd"}', JSON, 422, "invalid_request"),
    ("POST", "/v1/ask", b'{"question": "hi", "channel": "<script>"}', JSON, 422, "invalid_request"),
    ("POST", "/v1/ask", b'question=hi', {"Content-Type": "application/x-www-form-urlencoded"}, 422,
     "invalid_request"),
    ("POST", "/v1/tickets", b'{"contact": 13800000000}', JSON, 422, "invalid_request"),
    ("POST", "/v1/tickets", json.dumps({"description": "长" * 2001}).encode(), JSON, 422, "invalid_request"),
    ("POST", "/v1/feedback", b'{"session_id": "abcdefgh", "entry_id": "x", "helpful": "yes"}', JSON, 422,
     "invalid_request"),
    ("POST", "/v1/feedback", b'{"session_id": "abcdefgh", "entry_id": "", "helpful": true}', JSON, 422,
     "invalid_request"),
    ("GET", "/v1/tickets/abc", b"", {"X-Ticket-Token": "t"}, 422, "invalid_request"),
    ("GET", "/v1/tickets/0", b"", {"X-Ticket-Token": "t"}, 422, "invalid_request"),
    ("GET", "/v1/tickets/-1", b"", {"X-Ticket-Token": "t"}, 422, "invalid_request"),
    ("GET", "/v1/tickets/99999999999999999999999", b"", {"X-Ticket-Token": "t"}, 422, "invalid_request"),
    ("GET", "/v1/tickets/2147483647", b"", {"X-Ticket-Token": "t"}, 404, "ticket_not_found"),
    ("GET", "/v1/nothing-here", b"", {}, 404, "not_found"),
    ("DELETE", "/v1/ask", b"", {}, 405, "method_not_allowed"),
    ("POST", "/v1/ask", b'{"question": "' + b"x" * 70000 + b'"}', JSON, 413, "payload_too_large"),
]


@pytest.mark.parametrize(("method", "path", "body", "headers", "status", "code"), CASES,
                         ids=[f"{c[0]} {c[1][:30]} {c[5]}" for c in CASES])
def test_bad_input(client: TestClient, method: str, path: str, body: bytes, headers: dict, status: int,
                   code: str) -> None:
    r = client.request(method, path, content=body or None, headers=headers)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["code"] == code and problem["status"] == status
    assert problem["title"] and problem["detail"] and problem["type"] == f"/problems/{code}"
    assert problem["instance"] == path.split("?")[0]


def test_agent_endpoints_reject_bad_input_too(client: TestClient, agent: dict) -> None:
    for method, path, body in [("POST", "/v1/agent/tickets/1/reply", b'{"text": 5}'),
                               ("POST", "/v1/agent/tickets/1/transfer", b"{}"),
                               ("POST", "/v1/agent/tickets/x/claim", b""),
                               ("GET", "/v1/agent/suggest?k=3", b""),
                               ("GET", "/v1/agent/suggest?q=hi&k=many", b""),
                               ("GET", "/v1/agent/tickets?limit=0", b"")]:
        r = client.request(method, path, content=body or None, headers={**agent, **JSON})
        assert r.status_code == 422, (path, r.text)
        assert r.headers["content-type"] == "application/problem+json"


def test_a_chunked_body_over_the_limit(client: TestClient) -> None:
    def chunks():
        yield b'{"question": "'
        for _ in range(100):
            yield b"x" * 1000
        yield b'"}'

    r = client.post("/v1/ask", content=chunks(), headers=JSON)
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"


def test_html_in_a_question_comes_back_as_text(client: TestClient) -> None:
    question = '<img src=x onerror="alert(1)">账号被盗了'
    body = client.post("/v1/ask", json={"question": question}).json()
    assert body["question"] == question  # JSON, not HTML: the pages insert it with textContent


def test_rate_limit(api_settings, assistant) -> None:
    app = create_app(api_settings.model_copy(update={"rate_limit": 3}), assistant=assistant)
    with TestClient(app) as client:
        codes = [client.post("/v1/ask", json={"question": "忘记密码了怎么办"}).status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        limited = client.get("/v1/tickets/1", headers={"X-Ticket-Token": "t"})
        assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
        assert int(limited.headers["retry-after"]) >= 1
        assert client.get("/healthz").status_code == 200  # operations and pages are not limited
        assert client.get("/").status_code == 200
        assert "faq_rate_limited_total 1.0" in client.get("/metrics").text


def test_rate_limit_refills_per_client() -> None:
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])
    for _ in range(60):
        limiter.check("a")
    with pytest.raises(RateLimited) as caught:
        limiter.check("a")
    assert caught.value.headers["Retry-After"] == "1"
    limiter.check("b")  # another client has its own bucket
    now[0] += 1.0
    limiter.check("a")
    RateLimiter(0).check("a")  # 0 = off


def test_cors(api_settings, assistant) -> None:
    app = create_app(api_settings.model_copy(update={"cors_origins": ("https://shop.example.com",)}),
                     assistant=assistant)
    with TestClient(app) as client:
        pre = client.options("/v1/ask", headers={"Origin": "https://shop.example.com",
                                                 "Access-Control-Request-Method": "POST",
                                                 "Access-Control-Request-Headers": "content-type"})
        assert pre.status_code == 200
        assert pre.headers["access-control-allow-origin"] == "https://shop.example.com"
        r = client.post("/v1/ask", json={"question": "忘记密码了怎么办"}, headers={"Origin": "https://shop.example.com"})
        assert r.headers["access-control-allow-origin"] == "https://shop.example.com"
        other = client.post("/v1/ask", json={"question": "忘记密码了怎么办"}, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_workers_share_one_count(tmp_path) -> None:
    """Two limiters on one file stand for two worker processes: together they allow the limit, not twice it."""
    now = [100.0]
    first, second = (RateLimiter(10, clock=lambda: now[0], path=tmp_path / "requests") for _ in range(2))
    allowed = 0
    for n in range(40):
        try:
            (first if n % 2 else second).check("203.0.113.7")
            allowed += 1
        except RateLimited:
            pass
    assert allowed == 10
    second.check("203.0.113.8")  # another client
    now[0] += 6.0  # 10 a minute: one token back every 6 s, in both
    first.check("203.0.113.7")
    with pytest.raises(RateLimited):
        second.check("203.0.113.7")


def test_clients_are_addresses_and_ipv6_networks() -> None:
    assert client_key("203.0.113.7") == "203.0.113.7"
    assert client_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key(None) == "unknown" and client_key("testclient") == "testclient"


def test_failed_keys_are_limited_per_client(app_factory, api_settings, key_for) -> None:
    good = key_for(api_settings, "alice", "agent")
    with TestClient(app_factory(auth_failure_limit=5)) as client:
        assert client.get("/v1/agent/me").status_code == 401  # no key at all: not a guess, not counted
        codes = [client.get("/v1/agent/me", headers={"Authorization": f"Bearer guess-{n}"}).status_code
                 for n in range(8)]
        assert codes == [401] * 5 + [429] * 3
        locked = client.get("/v1/agent/me", headers=good)  # this client is locked out for now, key or not
        assert locked.status_code == 429 and locked.json()["code"] == "rate_limited"
        assert int(locked.headers["retry-after"]) >= 1
        assert client.post("/v1/admin/reload", headers=good).status_code == 429
    with TestClient(app_factory(auth_failure_limit=5)) as other:  # a fresh service (another client, as it were)
        assert other.get("/v1/agent/me", headers=good).status_code == 200
