"""Logs as one JSON object per line, with nothing personal in them.

No email, name or IP address is ever logged. Paths are logged only where
they cannot hold a secret (public pages); otherwise the URL pattern is
logged instead of the path, so a confirmation or withdrawal token never
reaches a log file. As a last guard, long token-like strings in any message
are masked.
"""

import json
import logging
import re
from datetime import UTC, datetime

# Random tokens and signatures: long runs of letters, digits, "-", "_", ":"
# with at least one digit (so dotted module paths and words stay readable).
TOKEN_LIKE = re.compile(r"(?=[A-Za-z0-9_\-:]*\d)[A-Za-z0-9_\-:]{20,}")
EMAIL_LIKE = re.compile(r"[^\s@<>\"']+@[^\s@<>\"']+\.[A-Za-z]{2,}")
STANDARD_ATTRIBUTES = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
# Extra fields that are ours and hold nothing personal or secret.
TRUSTED_FIELDS = {"request_id", "method", "route", "status", "duration_ms"}


def redact(text):
    return TOKEN_LIKE.sub("[…]", EMAIL_LIKE.sub("[email]", text))


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in STANDARD_ATTRIBUTES and not key.startswith("_") and key != "request":
                plain = isinstance(value, int | float | bool | type(None)) or key in TRUSTED_FIELDS
                entry[key] = value if plain else redact(str(value))
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)
