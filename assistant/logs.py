"""Logging, configured in one place for the service (uvicorn's own loggers included) and the command line.

Every line has a timestamp, the level, the logger, the process (there may be several, FAQ_WORKERS) and the
request id (``-`` outside a request), as text or as one JSON object a line (FAQ_LOG_FORMAT=json, for log
shippers). The request id is set by the API's middleware from ``X-Request-ID`` (or made up) and follows the
request into the worker threads that serve it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.config
from contextvars import ContextVar
from typing import Any

from .config import Settings

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s pid=%(process)d req=%(request_id)s %(message)s"


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (the formatters expect it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


def _timestamp(record: logging.LogRecord) -> str:
    """ISO 8601 with milliseconds and the UTC offset of this machine's zone."""
    return dt.datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


class TextFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's)
        return _timestamp(record)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname, "logger": record.name, "pid": record.process,
            "request_id": getattr(record, "request_id", "-"), "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def log_config(settings: Settings) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dictionary (uvicorn takes it as ``log_config`` for every worker)."""
    level = settings.log_level.upper()
    formatter: dict[str, Any] = (
        {"()": JsonFormatter} if settings.log_format == "json"
        else {"()": TextFormatter, "format": TEXT_FORMAT})
    quiet = {"level": "WARNING", "handlers": ["stderr"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"default": formatter},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "default",
                       "filters": ["request_id"]},
            # libraries' loggers (some set their own level to DEBUG) reach the root: warnings and worse only
            "libraries": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "default",
                          "filters": ["request_id"], "level": "WARNING"},
        },
        "loggers": {
            "assistant": {"level": level, "handlers": ["stderr"], "propagate": False},
            "uvicorn": {"level": level, "handlers": ["stderr"], "propagate": False},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.access": {"level": level, "handlers": ["stderr"], "propagate": False},
            "alembic": quiet, "sqlalchemy": quiet, "httpx": quiet,
        },
        "root": {"level": "WARNING", "handlers": ["libraries"]},
    }


def configure_logging(settings: Settings) -> None:
    logging.config.dictConfig(log_config(settings))
