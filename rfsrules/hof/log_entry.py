"""``create_log_entry(level, message, **fields)``: a JSON-safe structured log record, optionally emitted."""

from __future__ import annotations

import enum
import json
import logging
from datetime import date, datetime, time, timezone
from typing import Any, Mapping

from ..results import Violation, json_safe

_LEVEL_ALIASES = {"WARN": "WARNING", "FATAL": "CRITICAL"}
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def level_name(level: str | int) -> str:
    """The canonical upper-case name of a level given as a name (any case, ``warn``/``fatal`` too) or a number."""
    if isinstance(level, bool):
        raise ValueError(f"unknown log level {level!r}")
    if isinstance(level, int):
        name = logging.getLevelName(level)
        if not isinstance(name, str) or name.startswith("Level "):
            raise ValueError(f"unknown log level {level!r}")
        return name
    if isinstance(level, str):
        name = _LEVEL_ALIASES.get(level.upper(), level.upper())
        if name in _LEVELS:
            return name
    raise ValueError(f"unknown log level {level!r} (expected one of {', '.join(_LEVELS)})")


def utc_timestamp(moment: datetime | None = None) -> str:
    """ISO-8601 UTC with milliseconds and ``Z`` (``2024-01-15T10:00:00.000Z``); naive datetimes are taken as UTC."""
    moment = moment or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _log_safe(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_timestamp(value) if value.tzinfo is not None else value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return _log_safe(value.value)
    if isinstance(value, Violation):
        return _log_safe(value.to_dict())
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {value}"
    if isinstance(value, Mapping):
        return {str(k): _log_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_log_safe(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_log_safe(v) for v in value), key=repr)
    return json_safe(value)


def create_log_entry(level: str | int, message: str, *, logger: logging.Logger | str | None = None,
                     **fields: Any) -> dict[str, Any]:
    """A structured log record ``{"timestamp", "level", "message", **fields}`` with JSON-safe values.

    ``timestamp`` is now in UTC (pass ``timestamp=`` to set it: a datetime is written the same way, a naive
    one taken as UTC; a string is kept as given); ``level`` is the upper-case level name
    (``"info"``, ``"warn"`` and ``logging.INFO`` all give ``"INFO"``). Datetimes become ISO strings, enums
    their values, violations their dicts, exceptions ``"<Type>: msg"``, anything else JSON-safe.
    When ``logger`` (a Logger or a logger name) is given, the entry is also emitted on it as one JSON line
    at that level.
    """
    name = level_name(level)
    entry: dict[str, Any] = {"timestamp": utc_timestamp(), "level": name, "message": str(message)}
    entry.update(fields)
    if isinstance(entry["timestamp"], datetime):  # an explicit timestamp reads like the default one
        entry["timestamp"] = utc_timestamp(entry["timestamp"])
    entry = _log_safe(entry)
    if logger is not None:
        target = logging.getLogger(logger) if isinstance(logger, str) else logger
        target.log(logging.getLevelName(name), json.dumps(entry, ensure_ascii=False))
    return entry
