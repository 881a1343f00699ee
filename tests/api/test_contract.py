"""The API's contract as documented: one error table behind the handler and every route's OpenAPI responses,
limits from settings written into the schemas, security headers, and request ids."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from assistant.api.openapi import PROBLEM, SETTING
from assistant.errors import CODES, AssistantError, error_table


def test_every_error_answer_is_documented_as_problem_json(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["components"]["schemas"]["Problem"]["properties"]["code"]["enum"] == sorted(
        c for c, cls in CODES.items() if not cls.cli_only)
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
            assert "500" in errors, (method, path)
            for status, response in errors.items():
                assert response["content"] == {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
                codes = re.findall(r"`(\w+)`", response["description"])
                assert codes and all(CODES[c].status == int(status) for c in codes), (method, path, status)
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                assert {"400", "413", "422"} <= set(errors), (method, path)
            elif "requestBody" in operation:  # an upload: its bytes are not parsed as JSON
                assert {"413", "415"} <= set(errors), (method, path)
            if operation.get("security"):
                assert {"401", "403", "429"} <= set(errors), (method, path)
            if path.startswith("/v1/") and not path.startswith(("/v1/agent", "/v1/admin")):
                assert "429" in errors and errors["429"]["headers"]["Retry-After"]["required"], (method, path)
    assert SETTING not in str(doc)


def test_limits_from_settings_are_in_the_schema(api_settings, assistant) -> None:
    from assistant.api import create_app
    from assistant.engine import Assistant

    settings = api_settings.model_copy(update={"max_question_chars": 120, "teams": ("account", "live", "product"),
                                               "default_team": "product"})
    app = create_app(settings, assistant=Assistant(assistant.data, assistant.embedder, settings))
    doc = app.openapi()
    question = doc["components"]["schemas"]["AskRequest"]["properties"]["question"]
    assert question["maxLength"] == 120 and question["pattern"].startswith("^")
    assert doc["components"]["schemas"]["TransferRequest"]["properties"]["team"]["enum"] == ["account", "live",
                                                                                             "product"]
    params = {p["name"]: p for p in doc["paths"]["/v1/agent/tickets"]["get"]["parameters"]}
    assert params["team"]["schema"]["enum"] == ["account", "live", "product"]
    with TestClient(app) as client:  # and the service holds to them
        r = client.post("/v1/ask", json={"question": "密" * 121})
        assert r.status_code == 422 and r.json()["code"] == "invalid_question"
        assert client.post("/v1/ask", json={"question": "密" * 120}).status_code == 200


def test_unknown_http_errors_still_come_from_the_table(client: TestClient) -> None:
    garbage = client.post("/v1/ask", content=b"\x00", headers={"Content-Type": "application/json"})
    for r in (client.get("/nothing"), client.put("/v1/ask"), garbage):
        assert r.json()["code"] in CODES and not r.json()["code"].startswith("http_")
        assert r.json()["title"] == CODES[r.json()["code"]].title
    assert [e.code for e in error_table()][:1] == ["invalid_json"] and CODES["internal_error"] is AssistantError


def test_security_headers(client: TestClient) -> None:
    api = client.post("/v1/ask", json={"question": "忘记密码了怎么办"})
    problem = client.get("/v1/tickets/1")
    for r in (api, problem, client.get("/healthz"), client.get("/openapi.json")):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["cache-control"] == "no-store" and r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    agent_page, widget_page = client.get("/agent"), client.get("/")
    assert "frame-ancestors 'none'" in agent_page.headers["content-security-policy"]
    assert agent_page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors *" in widget_page.headers["content-security-policy"]  # embeddable by design
    assert "x-frame-options" not in widget_page.headers
    docs = client.get("/docs")
    assert docs.status_code == 200 and "frame-ancestors 'none'" in docs.headers["content-security-policy"]
    assert not re.search(r"(src|href)=\"(https?:)?//", docs.text)  # nothing from elsewhere
    assert client.get("/static/docs/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/widget.js").headers["x-content-type-options"] == "nosniff"


def test_request_id_is_taken_or_made_and_sent_back(client: TestClient) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "edge-42.a"})
    assert given.headers["x-request-id"] == "edge-42.a"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    assert client.get("/healthz").headers["x-request-id"] != made.headers["x-request-id"]
