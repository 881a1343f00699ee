"""Images on a ticket over HTTP: the type is told by the bytes, the size and count are limited, the file lies
under the data folder (0600), and only the ticket's token or an agent key reads it back. Bad uploads are
problem+json and leave nothing behind."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from starlette.testclient import TestClient

from assistant.config import Settings
from tests.api.test_agent_api import handoff


def png(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"


def problem(r, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json") and r.json()["code"] == code


def test_upload_and_read_back(client: TestClient, agent: dict, api_settings: Settings) -> None:
    body = handoff(client, session="sess-shot-0001")
    tid, user = body["ticket_id"], {"X-Ticket-Token": body["ticket_token"]}
    image = png()
    r = client.post(f"/v1/tickets/{tid}/attachments", content=image,
                    headers={**user, "Content-Type": "application/octet-stream"})
    assert r.status_code == 201 and r.json()["content_type"] == "image/png" and r.json()["size"] == len(image)
    aid = r.json()["id"]
    assert client.post(f"/v1/tickets/{tid}/attachments", content=GIF, headers=user).json()["content_type"] == \
        "image/gif"
    assert client.post(f"/v1/tickets/{tid}/attachments", content=WEBP, headers=user).json()["content_type"] == \
        "image/webp"
    seen = client.get(f"/v1/tickets/{tid}", headers=user).json()
    assert [a["content_type"] for a in seen["attachments"]] == ["image/png", "image/gif", "image/webp"]
    back = client.get(f"/v1/tickets/{tid}/attachments/{aid}", headers=user)
    assert back.status_code == 200 and back.content == image and back.headers["content-type"] == "image/png"
    assert back.headers["x-content-type-options"] == "nosniff"
    assert client.get(f"/v1/agent/tickets/{tid}/attachments/{aid}", headers=agent).content == image
    problem(client.get(f"/v1/tickets/{tid}/attachments/{aid}"), 401, "ticket_token_required")
    problem(client.get(f"/v1/tickets/{tid}/attachments/{aid}", headers={"X-Ticket-Token": "x"}), 404,
            "ticket_not_found")
    problem(client.get(f"/v1/agent/tickets/{tid}/attachments/{aid}"), 401, "unauthorized")
    other = handoff(client, session="sess-shot-0002")
    problem(client.get(f"/v1/tickets/{other['ticket_id']}/attachments/{aid}",
                       headers={"X-Ticket-Token": other["ticket_token"]}), 404, "ticket_not_found")
    detail = client.get(f"/v1/agent/tickets/{tid}", headers=agent).json()
    assert detail["attention"] and len(detail["attachments"]) == 3
    assert [e["action"] for e in detail["events"]].count("attach") == 3
    files = list((api_settings.data_dir / "attachments" / str(tid)).iterdir())
    assert len(files) == 3 and all(f.stat().st_mode & 0o777 == 0o600 for f in files)


def test_bad_uploads_leave_nothing(app_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = app_factory(attachment_max_bytes=2048, attachment_max_count=1)
    folder = app.state.settings.data_dir / "attachments"
    with TestClient(app) as client:
        body = handoff(client, session="sess-shot-0003")
        tid, user = body["ticket_id"], {"X-Ticket-Token": body["ticket_token"]}
        problem(client.post(f"/v1/tickets/{tid}/attachments", content=b"<svg onload=alert(1)>", headers=user),
                415, "unsupported_attachment")
        html = b"<html>" + b"\x89PNG" * 10  # the declared type does not count: the bytes do
        problem(client.post(f"/v1/tickets/{tid}/attachments", content=html,
                            headers={**user, "Content-Type": "image/png"}), 415, "unsupported_attachment")
        problem(client.post(f"/v1/tickets/{tid}/attachments", content=png() + b"\x00" * 4096, headers=user), 413,
                "payload_too_large")
        problem(client.post(f"/v1/tickets/{tid}/attachments", content=b"", headers=user), 415,
                "unsupported_attachment")
        assert not folder.exists() or not any(folder.rglob("*.*"))
        assert client.post(f"/v1/tickets/{tid}/attachments", content=png(), headers=user).status_code == 201
        problem(client.post(f"/v1/tickets/{tid}/attachments", content=GIF, headers=user), 409,
                "too_many_attachments")
        assert len(list(folder.rglob("*.*"))) == 1
        chunked = client.post(f"/v1/tickets/{tid}/attachments", content=io.BytesIO(png() + b"\x00" * 9000),
                              headers=user)
        problem(chunked, 413, "payload_too_large")
        assert client.get(f"/v1/tickets/{tid}", headers=user).json()["attachments"][0]["content_type"] == \
            "image/png"
