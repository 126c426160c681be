"""``validate_config(obj).against_rules([...])`` and its rule helpers: required, range_check, custom_check."""

from __future__ import annotations

import numbers
from decimal import Decimal
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

from ..paths import MISSING
from .result import Failure, Result, Success


def read_field(obj: Any, path: str) -> Any:
    """The value at a dotted ``path`` (``"a.b.c"``) read by key from mappings and by attribute otherwise
    (then by key, for objects such as a Violation whose context keys are read as ``v["batch_id"]``).

    Digit segments index into lists and tuples (``"items.0.sku"``). Returns ``MISSING`` when any step is
    absent (a ``None`` on the way is absent too; a ``None`` at the end is returned as ``None``).
    """
    current = obj
    for part in path.split("."):
        if current is None or current is MISSING:
            return MISSING
        if isinstance(current, Mapping):
            current = current[part] if part in current else MISSING
        elif isinstance(current, Sequence) and not isinstance(current, (str, bytes)):
            try:
                current = current[int(part)]
            except (ValueError, IndexError):
                return MISSING
        else:
            found = getattr(current, part, MISSING)
            if found is MISSING and _reads_by_key(current):
                # Objects that read like records without being mappings (a Violation: its context
                # keys, ``v["batch_id"]``, are not attributes).
                try:
                    found = current[part] if part in current else MISSING
                except (TypeError, KeyError, IndexError, ValueError):
                    found = MISSING
            current = found
    return current


def _reads_by_key(obj: Any) -> bool:
    kind = type(obj)
    return hasattr(kind, "__getitem__") and hasattr(kind, "__contains__") and not isinstance(obj, (str, bytes))


def _is_number(value: Any) -> bool:
    """A real number: int, float, Fraction, NumPy scalars and Decimal (not registered as Real); bool is not."""
    return isinstance(value, (numbers.Real, Decimal)) and not isinstance(value, bool)


@dataclass(frozen=True)
class ConfigRule:
    """One rule of :func:`validate_config`: ``rule(obj)`` returns None or ``{"field", "rule", "message"}``.

    Build it with :func:`required`, :func:`range_check` or :func:`custom_check`.
    """

    field: str
    rule: str  # required | range | custom
    message: str
    test: Callable[[Any], str | None]  # value (or MISSING) -> None when it passes, else the message

    def __call__(self, obj: Any) -> dict | None:
        outcome = self.test(read_field(obj, self.field))
        if outcome is None:
            return None
        return {"field": self.field, "rule": self.rule, "message": outcome}


def _check_field(field: str) -> str:
    if not isinstance(field, str) or not field or any(not part for part in field.split(".")):
        raise ValueError(f"field must be a dotted name like 'a.b', got {field!r}")
    return field


def required(field: str, message: str | None = None) -> ConfigRule:
    """The field must be present and not None."""
    field = _check_field(field)
    text = message or f"{field} is required"

    def test(value: Any) -> str | None:
        return text if value is MISSING or value is None else None

    return ConfigRule(field, "required", text, test)


def range_check(
    field: str, min_value: float | None, max_value: float | None, message: str | None = None
) -> ConfigRule:
    """The field must be a number (bool is not) within ``[min_value, max_value]`` (None = unbounded).

    A missing value, a non-number and NaN fail.
    """
    field = _check_field(field)
    for bound in (min_value, max_value):
        if bound is not None and not _is_number(bound):
            raise TypeError(f"range_check bounds must be numbers or None, got {bound!r}")
    text = message or f"{field} must be {_range_words(min_value, max_value)}"

    def test(value: Any) -> str | None:
        if not _is_number(value):
            return text
        if value.is_nan() if isinstance(value, Decimal) else value != value:  # NaN (a Decimal sNaN cannot compare)
            return text
        if min_value is not None and value < min_value:
            return text
        if max_value is not None and value > max_value:
            return text
        return None

    return ConfigRule(field, "range", text, test)


def _range_words(min_value: float | None, max_value: float | None) -> str:
    """``a number between 1 and 5``; an open bound is left out (``a number of at least 1``)."""
    if min_value is not None and max_value is not None:
        return f"a number between {min_value} and {max_value}"
    if min_value is not None:
        return f"a number of at least {min_value}"
    if max_value is not None:
        return f"a number of at most {max_value}"
    return "a number"


def custom_check(
    field: str, predicate: Callable[[Any], Any], message: str | None = None, *, optional: bool = False
) -> ConfigRule:
    """``predicate(value)`` must be truthy.

    Fails with ``"<message>: field is missing"`` when the field is absent (unless ``optional=True``, which
    passes), and with ``"<message>: <ExceptionType>: <text>"`` when the predicate raises.
    """
    field = _check_field(field)
    if not callable(predicate):
        raise TypeError("custom_check needs a callable predicate")
    text = message or f"{field} failed {getattr(predicate, '__name__', 'the custom check')}"

    def test(value: Any) -> str | None:
        if value is MISSING:
            return None if optional else f"{text}: field is missing"
        try:
            ok = predicate(value)
        except Exception as exc:
            return f"{text}: {type(exc).__name__}: {exc}"
        return None if ok else text

    return ConfigRule(field, "custom", text, test)


class ConfigValidation:
    """``validate_config(obj)``: waits for :meth:`against_rules`."""

    __slots__ = ("_obj",)

    def __init__(self, obj: Any):
        self._obj = obj

    def against_rules(self, rules: Iterable[ConfigRule]) -> Result:
        """``Success(obj)`` when every rule passes, else ``Failure(errors)`` listing every failing rule in order."""
        errors = []
        for rule in rules:
            if not isinstance(rule, ConfigRule):
                raise TypeError(
                    f"against_rules takes rules made by required(), range_check() or custom_check(), "
                    f"got {type(rule).__name__}"
                )
            error = rule(self._obj)
            if error is not None:
                errors.append(error)
        return Failure(errors) if errors else Success(self._obj)

    def __repr__(self) -> str:
        return f"<ConfigValidation of {type(self._obj).__name__}>"


def validate_config(obj: Any) -> ConfigValidation:
    """Validate a mapping or an object (fields read by key or attribute, dotted paths allowed)."""
    return ConfigValidation(obj)
