"""Images a user attaches to a ticket (the KB's answers ask for 截图). The type is told by the bytes, never by
the name or the declared type; the file is kept under the data folder (0600) and its row and audit event are
written in one transaction, which fails (and the file is removed) if the ticket is closed or full."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import DateTime, ForeignKey, Integer, String, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ...errors import PayloadTooLarge, TicketConflict, TicketNotFound, TooManyAttachments, UnsupportedAttachment
from ..clock import Clock, system_clock
from ..db import Database
from ..tables import Base, EventRow, TicketRow, as_utc
from .models import ACTIVE

TYPES = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}


class AttachmentRow(Base):
    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    uploader: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(200))  # relative to the attachments folder


@dataclass(frozen=True)
class Attachment:
    id: int
    ticket_id: int
    at: dt.datetime
    uploader: str
    content_type: str
    size: int


def sniff(data: bytes) -> str | None:
    """The image type the bytes say (png, jpeg, gif, webp), or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _attachment(row: AttachmentRow) -> Attachment:
    return Attachment(row.id, row.ticket_id, as_utc(row.at), row.uploader, row.content_type, row.size)


class SqlAttachmentStore:
    def __init__(self, db: Database, folder: Path, max_bytes: int, max_count: int,
                 clock: Clock = system_clock) -> None:
        self.db = db
        self.folder = folder
        self.max_bytes = max_bytes
        self.max_count = max_count
        self.clock = clock

    def add(self, ticket_id: int, data: bytes, uploader: str = "user") -> Attachment:
        kind = sniff(data)
        if len(data) > self.max_bytes:
            raise PayloadTooLarge(f"an attachment may be {self.max_bytes} bytes at most, not {len(data)}")
        if kind is None:
            raise UnsupportedAttachment("the file is not a PNG, JPEG, GIF or WebP image")
        digest = hashlib.sha256(data).hexdigest()
        relative = f"{ticket_id}/{digest[:32]}.{kind}"
        written = self._write(relative, data)
        try:
            return self._record(ticket_id, kind, data, digest, relative, uploader)
        except BaseException:
            if written:
                (self.folder / relative).unlink(missing_ok=True)
            raise

    def _write(self, relative: str, data: bytes) -> bool:
        """Write the file (0600) unless the same bytes are there already; True when written now."""
        path = self.folder / relative
        if path.exists():
            return False
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temp = path.with_suffix(".part")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
        return True

    def _record(self, ticket_id: int, kind: str, data: bytes, digest: str, relative: str,
                uploader: str) -> Attachment:
        now = self.clock()
        with self.db.session(write=True) as session:
            ticket = session.scalars(select(TicketRow).where(TicketRow.id == ticket_id).with_for_update()).first()
            if ticket is None:
                raise TicketNotFound(f"there is no ticket {ticket_id}")
            if ticket.status not in ACTIVE:
                raise TicketConflict(f"ticket {ticket_id} is {ticket.status}; reopen it to add images")
            count = session.execute(select(func.count()).where(AttachmentRow.ticket_id == ticket_id)).scalar() or 0
            if count >= self.max_count:
                raise TooManyAttachments(f"ticket {ticket_id} holds {count} images, the most it may")
            row = AttachmentRow(ticket_id=ticket_id, at=now, uploader=uploader, content_type=TYPES[kind],
                                size=len(data), sha256=digest, path=relative)
            session.add(row)
            session.flush()
            session.add(EventRow(ticket_id=ticket_id, at=now, actor=uploader, action="attach",
                                 from_status=ticket.status, to_status=ticket.status, team=None,
                                 text=f"attachment {row.id} ({TYPES[kind]}, {len(data)} bytes)"))
            if uploader == "user":
                session.execute(update(TicketRow).where(TicketRow.id == ticket_id)
                                .values(attention=True, updated_at=now))
            return _attachment(row)

    def list(self, ticket_id: int) -> list[Attachment]:
        query = select(AttachmentRow).where(AttachmentRow.ticket_id == ticket_id).order_by(AttachmentRow.id)
        with self.db.session() as session:
            return [_attachment(row) for row in session.scalars(query)]

    def read(self, ticket_id: int, attachment_id: int) -> tuple[Attachment, bytes]:
        with self.db.session() as session:
            row = session.get(AttachmentRow, attachment_id)
            if row is None or row.ticket_id != ticket_id:
                raise TicketNotFound(f"ticket {ticket_id} has no attachment {attachment_id}")
            found, path = _attachment(row), self.folder / row.path
        try:
            return found, path.read_bytes()
        except OSError as exc:
            raise TicketNotFound(f"attachment {attachment_id} of ticket {ticket_id} is missing on disk") from exc
