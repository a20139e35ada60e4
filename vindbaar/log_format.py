"""Logs as one JSON object per line, each carrying the id of the request it belongs to.

Log lines name routes by their template and errors by their type: never an API key, a user token, a
user or session id, or what a shopper typed (a test reads every line to be sure).
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

#: The id of the request being answered (set by the HTTP layer; None outside requests).
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def _stamped_record_factory() -> None:
    """Stamp each record with the request id when it is made (a handler may format it later, elsewhere)."""
    base = logging.getLogRecordFactory()
    if getattr(base, "stamps_request_id", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        record.request_id = request_id.get()
        return record

    factory.stamps_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


_stamped_record_factory()


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id", ...extra fields}`` per line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = record.exc_info[0].__name__ if record.exc_info[0] else "unknown"
        return json.dumps(line, default=str)


def use_json_logs(level: int = logging.INFO) -> None:
    """Send every log record to stderr as JSON (replacing the root logger's handlers)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
