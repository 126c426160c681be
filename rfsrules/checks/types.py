"""JSON-type predicates, type-strict equality keys and value formatting shared by the built-in checks."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from operator import itemgetter
from typing import Any, Callable, Mapping

import orjson

from .timeparse import parse_iso_timestamp

TYPE_NAMES = (
    "string", "integer", "number", "boolean", "object", "array",
    "timestamp", "date", "uuid", "email", "null",
)
"""Every name the ``type`` check accepts."""

STRING_FORMATS = ("timestamp", "date", "uuid", "email")
"""Type names that are strings of a particular format."""

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
EMAIL_PATTERN = (
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
"""The WHATWG (HTML) e-mail address syntax, requiring at least one dot in the domain."""

# Fixed, backtracking-free patterns: Python's re is fine (and faster than RE2) for these.
_date_match = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII).fullmatch
_uuid_match = re.compile(UUID_PATTERN[1:-1], re.ASCII).fullmatch
_email_match = re.compile(EMAIL_PATTERN[1:-1], re.ASCII).fullmatch


def is_string(v: Any) -> bool:
    """A JSON string."""
    return type(v) is str


def is_integer(v: Any) -> bool:
    """A JSON integer as written: ``1`` and ``10**30`` yes; ``true`` and ``3.0`` no."""
    return type(v) is int


def is_number(v: Any, allow_nan: bool = False) -> bool:
    """An integer or a float; never a boolean; NaN only when ``allow_nan``."""
    t = type(v)
    return t is int or (t is float and (allow_nan or v == v))


def is_boolean(v: Any) -> bool:
    """``true`` or ``false``."""
    return type(v) is bool


def is_object(v: Any) -> bool:
    """A JSON object (any mapping)."""
    return type(v) is dict or isinstance(v, Mapping)


def is_array(v: Any) -> bool:
    """A JSON array (a list, or a tuple from the Python API)."""
    return type(v) is list or type(v) is tuple


def is_null(v: Any) -> bool:
    """JSON null."""
    return v is None


def is_timestamp(v: Any) -> bool:
    """An ISO-8601 date-time string (a time of day is required), or a ``datetime`` from the Python API."""
    if type(v) is str:
        return parse_iso_timestamp(v) is not None
    return isinstance(v, datetime)


def is_date(v: Any) -> bool:
    """A ``YYYY-MM-DD`` string naming a real calendar day, or a ``date`` from the Python API."""
    if type(v) is str:
        if _date_match(v) is None:
            return False
        try:
            date.fromisoformat(v)
        except ValueError:
            return False
        return True
    return type(v) is date


def is_uuid(v: Any) -> bool:
    """A canonical ``8-4-4-4-12`` hexadecimal UUID string (either case)."""
    return type(v) is str and _uuid_match(v) is not None


def is_email(v: Any) -> bool:
    """A string with the practical e-mail syntax of :data:`EMAIL_PATTERN`."""
    return type(v) is str and _email_match(v) is not None


def type_predicate(name: str, allow_nan: bool = False) -> Callable[[Any], bool]:
    """The predicate for a type name of :data:`TYPE_NAMES`."""
    if name == "number":
        if allow_nan:
            return lambda v: type(v) is int or type(v) is float
        return is_number
    try:
        return _PREDICATES[name]
    except KeyError:
        raise ValueError(f"unknown type {name!r}; expected one of {', '.join(TYPE_NAMES)}") from None


_PREDICATES: dict[str, Callable[[Any], bool]] = {
    "string": is_string, "integer": is_integer, "boolean": is_boolean, "object": is_object,
    "array": is_array, "null": is_null, "timestamp": is_timestamp, "date": is_date, "uuid": is_uuid,
    "email": is_email,
}


def json_type_name(v: Any) -> str:
    """The JSON type of a value as it is written: ``string``, ``integer``, ``number``, ``NaN``, ...

    ``true`` is ``boolean`` and ``3.0`` is ``number``; values JSON cannot hold are named by Python type.
    """
    t = type(v)
    if t is str:
        return "string"
    if t is bool:
        return "boolean"
    if t is int:
        return "integer"
    if t is float:
        return "number" if v == v else "NaN"
    if v is None:
        return "null"
    if is_object(v):
        return "object"
    if is_array(v):
        return "array"
    return t.__name__


def is_numeric(v: Any) -> bool:
    """Whether ``v`` takes part in numeric comparisons: an int or float, not a boolean (NaN included)."""
    t = type(v)
    return t is int or t is float


# --- type-strict equality ------------------------------------------------------------------------

_NAN_KEY = ("nan",)


def strict_key(v: Any) -> Any:
    """A hashable key equal for equal JSON values of the same type.

    ``true`` and ``1`` differ, ``"1"`` and ``1`` differ, ``1`` and ``1.0`` are equal (numeric equality);
    objects compare by sorted keys and arrays element by element, recursively. All NaNs are equal.
    """
    t = type(v)
    if t is str or t is int:
        return v
    if t is float:
        return v if v == v else _NAN_KEY
    if t is bool:
        return ("bool", v)
    if v is None:
        return None
    if is_object(v):
        items = sorted(((str(k), strict_key(x)) for k, x in v.items()), key=itemgetter(0))
        return ("object", tuple(items))
    if is_array(v):
        return ("array", tuple(strict_key(x) for x in v))
    try:
        hash(v)
    except TypeError:
        return ("other", t.__name__, repr(v))
    return ("other", t.__name__, v)


# --- formatting ------------------------------------------------------------------------------------

def describe_value(v: Any, limit: int = 80) -> str:
    """A value as it reads in a message: JSON (strings quoted), ``NaN``/``Infinity`` for such floats.

    Longer texts are cut to ``limit`` characters and end with ``...``.
    """
    t = type(v)
    if t is int:
        text = _int_text(v)
    elif t is float:
        text = format_number(v)
    elif t is bool:
        text = "true" if v else "false"
    elif v is None:
        text = "null"
    elif isinstance(v, date):
        text = v.isoformat()
    elif t is str:
        try:
            text = orjson.dumps(v).decode()
        except TypeError:  # lone surrogates
            text = _json_text(v)
    else:
        text = _json_text(v)
    if len(text) > limit:
        text = text[: max(limit - 3, 1)] + "..."
    return text


def format_number(v: Any) -> str:
    """An int or float as written in a message: ``1000``, ``1000.5``, ``NaN``, ``-Infinity``."""
    if type(v) is float:
        if v != v:
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return repr(v)
    if type(v) is int:
        return _int_text(v)
    return str(v)


def format_list(values: list[Any], limit: int = 10) -> str:
    """``active, inactive`` — strings bare, other values as JSON; at most ``limit`` items shown."""
    shown = [x if type(x) is str else describe_value(x, 40) for x in values[:limit]]
    more = len(values) - limit
    return ", ".join(shown) + (f", ... ({more} more)" if more > 0 else "")


def _int_text(v: int) -> str:
    try:
        return str(v)
    except ValueError:  # beyond sys.get_int_max_str_digits()
        return f"<integer of {v.bit_length()} bits>"


def _json_text(v: Any) -> str:
    from ..results import json_safe

    safe = json_safe(v)
    try:
        return orjson.dumps(safe).decode()
    except TypeError:  # integers beyond 64 bits, or types orjson does not know
        import json

        return json.dumps(safe, ensure_ascii=False, default=str)
