"""Logs as JSON lines, one object per record, carrying the ids that tie a line to its request.

Each line holds ``timestamp`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``, then the
ids in force where the record was made: ``request_id`` (one per HTTP request or socket, also
sent back as the ``X-Request-ID`` header), ``turn_id`` (one per chat turn on a socket),
``trace_id`` and ``span_id`` (when tracing is on, ``infra.tracing``), then a fixed set of
numeric or template fields a caller passes in ``extra`` (``FIELDS``) and ``exception`` (the
traceback). The message and the traceback are the record's own, so the PII masking that is
installed on every record (``tools.analyze.log_filter``) applies to them before they get here.
"""

from __future__ import annotations

import json
import logging
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from infra.tracing import current_ids

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
TURN_ID: ContextVar[str | None] = ContextVar("turn_id", default=None)

# Fields a record may carry in ``extra``: route templates, names from fixed sets and numbers,
# never free text (free text belongs in the message, which is masked).
FIELDS = ("method", "route", "status", "duration_ms", "outcome", "tool_calls")


def new_id() -> str:
    """A fresh request or turn id: 32 hex digits."""
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """One JSON object per record (see the module docstring for its fields)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (request_id := REQUEST_ID.get()) is not None:
            line["request_id"] = request_id
        if (turn_id := TURN_ID.get()) is not None:
            line["turn_id"] = turn_id
        if (ids := current_ids()) is not None:
            line["trace_id"], line["span_id"] = ids
        for name in FIELDS:
            value = record.__dict__.get(name)
            if isinstance(value, str | int | float):
                line[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        # Not ASCII-escaped: what a reader (or the PII test) searches is the text itself.
        return json.dumps(line, ensure_ascii=False, default=str)


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` (also uvicorn's ``log_config``) that writes every
    record, ours and uvicorn's, as JSON lines to stderr; uvicorn's access log stays off (the
    app logs each request itself, with its route template instead of its raw path)."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"json": handler},
        "root": {"handlers": ["json"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "level": "WARNING", "propagate": True},
            "uvicorn.error": {"handlers": [], "level": "WARNING", "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
