"""API keys for agents and admins, kept as SHA-256 hashes in a JSON file in the data folder.

A key is 32 random bytes, so a plain (fast) hash is enough: there is nothing to brute-force that a slow
password hash would protect. The file is rewritten atomically and re-read when it changes on disk, so
``assistant keys revoke`` takes effect on a running server without a restart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from .errors import KeyStoreError

Role = Literal["agent", "admin", "product"]
ROLES: tuple[Role, ...] = ("agent", "admin", "product")  # product: the product board (desk/feedback)
PREFIX = "faq_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's name and role. An admin may do everything an agent or product key may."""

    name: str
    role: Role

    def allows(self, role: Role) -> bool:
        return self.role == role or self.role == "admin"


@dataclass(frozen=True)
class KeyRecord:
    name: str
    role: Role
    sha256: str
    created: str


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class KeyRing:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._records: tuple[KeyRecord, ...] = ()

    def records(self) -> tuple[KeyRecord, ...]:
        with self._lock:
            try:
                stat = self.path.stat()
            except FileNotFoundError:
                self._stamp, self._records = None, ()
                return ()
            stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
            if stamp != self._stamp:
                raw = json.loads(self.path.read_text(encoding="utf-8"))
                self._records = tuple(KeyRecord(**item) for item in raw["keys"])
                self._stamp = stamp
            return self._records

    def authenticate(self, key: str) -> Principal | None:
        digest = _digest(key)
        found = None
        for record in self.records():  # compare against every record: the time taken says nothing
            if hmac.compare_digest(record.sha256, digest):
                found = Principal(record.name, record.role)
        return found

    def add(self, name: str, role: Role) -> str:
        """Store a new key and return it; it cannot be recovered later."""
        if not re.fullmatch(r"[\w.@\-]{1,64}", name):
            raise KeyStoreError(f"name {name!r}: use 1-64 letters, digits, '.', '_', '@' or '-'")
        if role not in ROLES:
            raise KeyStoreError(f"role {role!r}: use one of {', '.join(ROLES)}")
        records = self.records()
        if any(r.name == name for r in records):
            raise KeyStoreError(f"a key named {name!r} exists; revoke it first or choose another name")
        key = PREFIX + secrets.token_urlsafe(32)
        created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self._write((*records, KeyRecord(name, role, _digest(key), created)))
        return key

    def revoke(self, name: str) -> None:
        records = self.records()
        if not any(r.name == name for r in records):
            raise KeyStoreError(f"no key named {name!r}")
        self._write(tuple(r for r in records if r.name != name))

    def _write(self, records: tuple[KeyRecord, ...]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"keys": [asdict(r) for r in records]}, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
