"""Timestamp parsing for checks: ISO-8601 date-times (naive means UTC) and epoch seconds."""

from __future__ import annotations

import math
from datetime import date, datetime, timezone
from typing import Any

_fromisoformat = datetime.fromisoformat
_UTC = timezone.utc
_EPOCH_NAIVE = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=_UTC)
_last_parsed: tuple = (None, None)  # (text, result) of the previous call: ``type`` and ``max_age`` parse the same string


def parse_iso_timestamp(text: str) -> datetime | None:
    """An aware datetime from an ISO-8601 date-time string, or None when it is not one.

    Accepts what :meth:`datetime.fromisoformat` accepts in Python 3.11 (``Z`` and ``+02:00`` offsets,
    ``T`` or space between date and time, fractions of a second, the basic format ``20260115T110000Z``)
    provided the string has a time of day: ``2026-01-15`` alone is a date, not a timestamp.
    A timestamp without an offset is taken as UTC.
    """
    global _last_parsed
    last = _last_parsed
    if last[0] is text:
        return last[1]
    if len(text) <= 10:  # every ISO date without a time of day fits in 10 characters
        return None
    try:
        dt = _fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = _EPOCH_UTC + (dt - _EPOCH_NAIVE)  # = dt.replace(tzinfo=UTC), several times faster
    _last_parsed = (text, dt)
    return dt


def parse_timestamp(value: Any) -> datetime | None:
    """An aware datetime from an ISO-8601 date-time string or epoch seconds; None when neither.

    Strings follow :func:`parse_iso_timestamp`. Integers and floats (not booleans, not NaN or
    infinity) are seconds since 1970-01-01T00:00:00Z; numbers outside the years 1..9999 give None.
    ``datetime`` objects from the Python API are returned as aware datetimes (naive means UTC).
    """
    t = type(value)
    if t is str:
        return parse_iso_timestamp(value)
    if t is int or t is float:
        if t is float and not math.isfinite(value):
            return None
        try:
            return datetime.fromtimestamp(value, tz=_UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=_UTC)
    return None


def as_utc(moment: datetime | date | str) -> datetime:
    """A reference time as an aware datetime (strings are parsed as ISO-8601; naive means UTC)."""
    if isinstance(moment, str):
        parsed = parse_iso_timestamp(moment)
        if parsed is None:
            raise ValueError(f"invalid timestamp {moment!r}")
        return parsed
    if isinstance(moment, datetime):
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=_UTC)
    return datetime(moment.year, moment.month, moment.day, tzinfo=_UTC)
