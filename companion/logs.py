"""Log lines as JSON objects, each carrying the id of the request it belongs to."""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# Set for the duration of a request by the web app (`X-Request-ID`, in and out).
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else was passed as `extra=` and is kept.
# uvicorn's `color_message` repeats the message with terminal colour codes.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = request_id.get()
        if current is not None:
            line["request_id"] = current
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


# A one-time link's token in a path (/invite/<token>, /reset/<token>): never written out.
_LINK_TOKEN = re.compile(r"/(invite|reset)/[^/?#\s\"]+")


class HideLinkTokens(logging.Filter):
    """Replace the token of a one-time link in a log line's arguments (uvicorn's access
    line has the path a browser asked for) with `…`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _LINK_TOKEN.sub(r"/\1/…", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = _LINK_TOKEN.sub(r"/\1/…", record.msg)
        return True


def log_config(*, json_lines: bool, level: str = "info") -> dict[str, Any]:
    """A `logging.config.dictConfig` for `companion serve` (uvicorn's loggers included).

    In JSON mode the app writes its own access line per request (with the request
    id, which uvicorn's access logger cannot see), so uvicorn's is silenced; in plain
    lines it is the other way round.
    """
    formatter = (
        {"()": JsonFormatter}
        if json_lines
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    handler = {"class": "logging.StreamHandler", "formatter": "default"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "filters": {"links": {"()": HideLinkTokens}},
        "handlers": {"default": {**handler, "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["default"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"handlers": [], "level": level.upper(), "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {
                "handlers": [],
                "filters": ["links"],
                "propagate": not json_lines,
                "level": "WARNING" if json_lines else level.upper(),
            },
            # In plain lines uvicorn's access line says it all; the app's own one is for
            # JSON, where its fields (request id, route template) are readable.
            "companion.access": {"level": level.upper() if json_lines else "WARNING"},
        },
    }
