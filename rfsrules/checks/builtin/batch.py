"""Batch checks: row_count, null_rate, duplicate_rate and statistic (mergeable accumulators)."""

from __future__ import annotations

import math
from itertools import compress, repeat
from operator import is_, mul
from typing import Any, Mapping

from ...paths import MISSING, FieldPath
from ...plugins.hookspecs import hookimpl
from ...results import Reason
from ..spec import CheckFailure, CheckSpec, CompileContext
from ..types import format_number, strict_key
from .common import bounds_problems, composite_key_problems

STATS = ("mean", "min", "max", "stddev", "sum")
_RATE = {"type": "number", "minimum": 0, "maximum": 1}


def _outside(value: Any, lo: Any, hi: Any) -> str | None:
    """``below the minimum 5`` / ``above the maximum 9`` when ``value`` is outside [lo, hi], else None."""
    if lo is not None and value < lo:
        return f"below the minimum {format_number(lo)}"
    if hi is not None and value > hi:
        return f"above the maximum {format_number(hi)}"
    return None


def _values(path: FieldPath, getter, record: Any):
    """The values at ``path`` in ``record`` (MISSING when absent): one for plain paths, each element for ``[*]``."""
    if getter is not None:
        return (getter(record),)
    return [value for _, value in path.iter_values(record)]


_PLAIN_KEYS = frozenset({str, int})
"""Value types that are their own type-strict keys (see ``strict_key``)."""


def _rate(value: float) -> str:
    return f"{value:.4g}"


class _Accumulator:
    """Base of the field-reading accumulators: picklable, so a batch can be split across processes.

    ``_state`` names the attributes that travel; ``_bind()`` rebuilds the fast getters from the paths.
    ``values_of`` is the one plain path whose value per record :meth:`add_values` accepts (None for
    ``[*]`` paths): engines may pass values in bulk instead of calling ``add(record)``.
    """

    __slots__ = ()
    _state: tuple[str, ...] = ()
    needs_records = True

    def _bind(self) -> None:
        raise NotImplementedError

    def add_values(self, values: list) -> None:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def __getstate__(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._state}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self._bind()


# --- row_count -------------------------------------------------------------------------------------

class RowCount:
    """Counts nothing itself: the engine passes the number of checked records to :meth:`finish`."""

    needs_records = False

    def __init__(self, lo: int | None, hi: int | None):
        self.lo, self.hi = lo, hi

    def add(self, record: Any) -> None:
        """Not needed (``needs_records`` is False); accepted so that generic callers may call it."""

    def merge(self, other: "RowCount") -> "RowCount":
        return self

    def finish(self, records_checked: int) -> list[CheckFailure]:
        problem = _outside(records_checked, self.lo, self.hi)
        if problem is None:
            return []
        return [CheckFailure(None, records_checked, Reason.ROW_COUNT, f"row count {records_checked} is {problem}")]


def build_row_count(rule, ctx: CompileContext) -> RowCount:
    """Accumulator for ``row_count``."""
    return RowCount(rule.params.get("min"), rule.params.get("max"))


# --- null_rate -------------------------------------------------------------------------------------

class NullRate(_Accumulator):
    """Counts null (and, with ``missing_as_null``, missing) values among the values seen."""

    _state = ("path", "missing_as_null", "max", "nulls", "seen")
    __slots__ = _state + ("getter", "values_of")

    def __init__(self, path: FieldPath, missing_as_null: bool, max_rate: float):
        self.path = path
        self.missing_as_null, self.max = missing_as_null, max_rate
        self.nulls = self.seen = 0
        self._bind()

    def _bind(self) -> None:
        self.getter = None if self.path.has_wildcard else self.path.getter()
        self.values_of = None if self.path.has_wildcard else self.path

    def add(self, record: Any) -> None:
        for value in _values(self.path, self.getter, record):
            self.seen += 1
            if value is None or (value is MISSING and self.missing_as_null):
                self.nulls += 1

    def add_values(self, values: list) -> None:
        """The field's value (MISSING when absent) in each of a run of records."""
        self.seen += len(values)
        self.nulls += sum(map(is_, values, repeat(None)))
        if self.missing_as_null:
            self.nulls += sum(map(is_, values, repeat(MISSING)))

    def merge(self, other: "NullRate") -> "NullRate":
        self.nulls += other.nulls
        self.seen += other.seen
        return self

    @property
    def rate(self) -> float | None:
        """nulls / values seen, or None before any record."""
        return self.nulls / self.seen if self.seen else None

    def finish(self, records_checked: int) -> list[CheckFailure]:
        rate = self.rate
        if rate is None or rate <= self.max:
            return []
        unit = "values" if self.getter is None else "records"
        return [CheckFailure(self.path.text, rate, Reason.NULL_RATE,
                             f"null rate {_rate(rate)} ({self.nulls} of {self.seen} {unit}) "
                             f"is above the maximum {format_number(self.max)}")]


def build_null_rate(rule, ctx: CompileContext) -> NullRate:
    """Accumulator for ``null_rate``."""
    return NullRate(rule.fields[0], bool(rule.params.get("missing_as_null", True)), rule.params["max"])


# --- duplicate_rate --------------------------------------------------------------------------------

class DuplicateRate(_Accumulator):
    """Keeps the distinct non-null keys and how many keys were seen; duplicates = seen - distinct."""

    _state = ("fields", "max", "keys", "seen")
    __slots__ = _state + ("label", "parts", "values_of")

    def __init__(self, fields: tuple[FieldPath, ...], max_rate: float):
        if len(fields) > 1 and any(f.has_wildcard for f in fields):
            raise ValueError("a composite duplicate_rate key cannot use [*] paths; give one [*] path alone")
        self.fields = tuple(fields)
        self.max = max_rate
        self.keys: set = set()
        self.seen = 0
        self._bind()

    def _bind(self) -> None:
        self.label = ", ".join(f.text for f in self.fields)
        self.parts = [(f, None if f.has_wildcard else f.getter()) for f in self.fields]
        single = len(self.fields) == 1 and not self.fields[0].has_wildcard
        self.values_of = self.fields[0] if single else None

    def add_values(self, values: list) -> None:
        """The (single, plain) key field's value in each of a run of records."""
        present = [v for v in values if v is not None and v is not MISSING]
        self.seen += len(present)
        if {type(v) for v in present} <= _PLAIN_KEYS:
            self.keys.update(present)
        else:
            self.keys.update(map(strict_key, present))

    def add(self, record: Any) -> None:
        if len(self.parts) == 1:
            path, getter = self.parts[0]
            for value in _values(path, getter, record):
                if value is not None and value is not MISSING:
                    self.seen += 1
                    self.keys.add(strict_key(value))
            return
        values = [getter(record) for _, getter in self.parts]
        for value in values:
            if value is None or value is MISSING:
                return
        self.seen += 1
        self.keys.add(tuple(strict_key(v) for v in values))

    def merge(self, other: "DuplicateRate") -> "DuplicateRate":
        self.keys |= other.keys
        self.seen += other.seen
        return self

    @property
    def duplicates(self) -> int:
        """Keys that repeat one seen before."""
        return self.seen - len(self.keys)

    @property
    def rate(self) -> float | None:
        """duplicates / non-null keys, or None when there was no key."""
        return self.duplicates / self.seen if self.seen else None

    def finish(self, records_checked: int) -> list[CheckFailure]:
        rate = self.rate
        if rate is None or rate <= self.max:
            return []
        return [CheckFailure(self.label, rate, Reason.DUPLICATE_RATE,
                             f"duplicate rate {_rate(rate)} ({self.duplicates} of {self.seen} keys) "
                             f"is above the maximum {format_number(self.max)}")]


def build_duplicate_rate(rule, ctx: CompileContext) -> DuplicateRate:
    """Accumulator for ``duplicate_rate``."""
    return DuplicateRate(rule.fields, rule.params["max"])


# --- statistic -------------------------------------------------------------------------------------

_FLOAT_SCALE = 1074
"""Every finite float is an integer multiple of 2**-1074: sums are kept exactly as integers in that unit."""


def _scaled(x: float, unit: int) -> int:
    """``x * 2**unit`` exactly, for a finite float ``x`` (``unit`` large enough to make it whole)."""
    num, den = x.as_integer_ratio()
    return num << (unit - den.bit_length() + 1)


class Statistic(_Accumulator):
    """Count, exact sums (and sums of squares for ``stddev``), min and max of the numeric values.

    Sums are exact (integers; floats are added as integers in units of 2**-1074), so the statistic does
    not depend on the order of the values or on how a batch was split before :meth:`merge`: ``mean``
    and ``sum`` are correctly rounded and ``stddev`` is the square root of the correctly rounded sample
    variance. Only what the requested statistic needs is accumulated.
    """

    _state = ("path", "stat", "lo", "hi", "count", "isum", "fsum", "isq", "fsq", "floats", "low", "high")
    __slots__ = _state + ("getter", "values_of", "sums", "squares", "external")

    def __init__(self, path: FieldPath, stat: str, lo: Any, hi: Any):
        if stat not in STATS:
            raise ValueError(f"unknown statistic {stat!r}; expected one of {', '.join(STATS)}")
        self.path = path
        self.stat, self.lo, self.hi = stat, lo, hi
        self.count = self.isum = self.fsum = self.isq = self.fsq = 0
        self.floats = False
        self.low = self.high = None
        self._bind()

    def _bind(self) -> None:
        self.getter = None if self.path.has_wildcard else self.path.getter()
        self.values_of = None if self.path.has_wildcard else self.path
        self.sums = self.stat in ("mean", "sum", "stddev")
        self.squares = self.stat == "stddev"
        self.external: dict[str, Any] = {}

    # Engines that aggregate elsewhere (DuckDB) may set the mean, M2 (sum of squared deviations) and sum
    # they computed instead of feeding values; value() then reports those.

    @property
    def mean(self) -> Any:
        """The mean set by an engine that aggregates elsewhere (else the accumulated one)."""
        return self.external.get("mean", _ratio(self._exact_sum(), self.count << _FLOAT_SCALE) if self.count else 0.0)

    @mean.setter
    def mean(self, value: Any) -> None:
        self.external["mean"] = value

    @property
    def m2(self) -> Any:
        """The sum of squared deviations set by an engine that aggregates elsewhere, or None."""
        return self.external.get("m2")

    @m2.setter
    def m2(self, value: Any) -> None:
        self.external["m2"] = value

    @property
    def total(self) -> Any:
        """The sum set by an engine that aggregates elsewhere (else the accumulated one)."""
        if "total" in self.external:
            return self.external["total"]
        return _ratio(self._exact_sum(), 1 << _FLOAT_SCALE) if self.floats else self.isum

    @total.setter
    def total(self, value: Any) -> None:
        self.external["total"] = value

    def add(self, record: Any) -> None:
        self.add_values(list(_values(self.path, self.getter, record)))

    def add_values(self, values: list) -> None:
        """Values of the field (anything; only integers and finite floats count), in record order."""
        ints = list(compress(values, map(is_, map(type, values), repeat(int))))
        numbers = ints
        if len(ints) != len(values) and float in set(map(type, values)):
            numbers = [v for v in values if type(v) is int or (type(v) is float and math.isfinite(v))]
            floats = [v for v in numbers if type(v) is float]
            if floats:
                self.floats = True
                if self.sums:
                    self.fsum += sum(_scaled(x, _FLOAT_SCALE) for x in floats)
                if self.squares:
                    self.fsq += sum(_scaled(x, _FLOAT_SCALE) ** 2 for x in floats)
        if not numbers:
            return
        self.count += len(numbers)
        if self.sums:
            self.isum += sum(ints)
        if self.squares:
            self.isq += sum(map(mul, ints, ints))
        if self.stat == "min":
            low = min(numbers)
            if self.low is None or low < self.low:
                self.low = low
        elif self.stat == "max":
            high = max(numbers)
            if self.high is None or high > self.high:
                self.high = high

    def merge(self, other: "Statistic") -> "Statistic":
        self.count += other.count
        self.isum += other.isum
        self.fsum += other.fsum
        self.isq += other.isq
        self.fsq += other.fsq
        self.floats = self.floats or other.floats
        if other.low is not None and (self.low is None or other.low < self.low):
            self.low = other.low
        if other.high is not None and (self.high is None or other.high > self.high):
            self.high = other.high
        return self

    def _exact_sum(self) -> int:
        """The sum of the values in units of 2**-1074."""
        return (self.isum << _FLOAT_SCALE) + self.fsum

    def value(self) -> Any:
        """The statistic, or None when it is undefined (no numeric value; stddev needs two)."""
        if self.count == 0:
            return None
        if self.stat == "min":
            return self.low
        if self.stat == "max":
            return self.high
        external = self.external
        if external:
            if self.stat == "mean" and "mean" in external:
                return external["mean"]
            if self.stat == "sum" and "total" in external:
                return external["total"]
            if self.stat == "stddev" and "m2" in external:
                return None if self.count < 2 else math.sqrt(max(external["m2"], 0.0) / (self.count - 1))
        if self.stat == "sum":
            return _ratio(self._exact_sum(), 1 << _FLOAT_SCALE) if self.floats else self.isum
        if self.stat == "mean":
            if not self.floats:
                return _ratio(self.isum, self.count)
            return _ratio(self._exact_sum(), self.count << _FLOAT_SCALE)
        n = self.count
        if n < 2:
            return None
        total = self._exact_sum()
        squares = (self.isq << (2 * _FLOAT_SCALE)) + self.fsq
        numerator = n * squares - total * total  # n * sum(x^2) - sum(x)^2, exact, >= 0
        return math.sqrt(_ratio(numerator, n * (n - 1) << (2 * _FLOAT_SCALE)))

    def finish(self, records_checked: int) -> list[CheckFailure]:
        value = self.value()
        if value is None:
            return []
        problem = _outside(value, self.lo, self.hi)
        if problem is None:
            return []
        shown = f"{value:.6g}" if type(value) is float and math.isfinite(value) else format_number(value)
        values = "1 value" if self.count == 1 else f"{self.count} values"
        return [CheckFailure(self.path.text, value, Reason.STATISTIC,
                             f"{self.stat} of {self.path.text} is {shown} ({values}), {problem}")]


def _ratio(numerator: int, denominator: int) -> float:
    """``numerator / denominator`` correctly rounded; +-inf when it is beyond the float range."""
    try:
        return numerator / denominator
    except OverflowError:
        return math.inf if numerator > 0 else -math.inf


def validate_statistic(params: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """A known statistic and at least one bound, min not above max."""
    return bounds_problems(params)


def build_statistic(rule, ctx: CompileContext) -> Statistic:
    """Accumulator for ``statistic``."""
    p = rule.params
    return Statistic(rule.fields[0], p["stat"], p.get("min"), p.get("max"))


# --- declarations ----------------------------------------------------------------------------------

ROW_COUNT = CheckSpec(
    name="row_count",
    level="batch",
    fields="none",
    summary="The number of records in the batch lies between min and max (inclusive).",
    description=(
        "Counts the batch's checked records (well-formed records; malformed lines are counted by the "
        "`parse` rule instead) and fails once, with reason `row_count` and the count as the value, when "
        "the count is below `min` or above `max`. Give `min`, `max` or both."
    ),
    params={
        "min": {"type": "integer", "minimum": 0, "description": "The fewest records allowed."},
        "max": {"type": "integer", "minimum": 0, "description": "The most records allowed."},
    },
    default_severity="high",
    default_dimension="completeness",
    validate=bounds_problems,
    python=build_row_count,
    example="id: enough-rows\ncheck: row_count\nmin: 1000\n",
    failing_record={"id": "evt_1"},
)

NULL_RATE = CheckSpec(
    name="null_rate",
    level="batch",
    fields="one",
    summary="The share of records whose field is null (or missing) is at most max.",
    description=(
        "Computes nulls / records: the records where the field is null, or missing when "
        "`missing_as_null` is true (the default), over the records checked by the rule. It fails "
        "once, with reason `null_rate` and the rate (0..1) as the value, when the rate is above `max`. "
        "An empty batch has no rate and passes.\n\n"
        "With a `[*]` path the unit is the element: nulls among all the values the path reaches."
    ),
    params={
        "max": {**_RATE, "description": "The largest allowed share of nulls, 0..1."},
        "missing_as_null": {
            "type": "boolean", "default": True,
            "description": "Count a missing field as null.",
        },
    },
    required=("max",),
    default_severity="medium",
    default_dimension="completeness",
    python=build_null_rate,
    example="id: user-id-mostly-present\ncheck: null_rate\nfield: user_id\nmax: 0.05\n",
    failing_record={"user_id": None},
    preceding_records=({"user_id": "user_1"},),
)

DUPLICATE_RATE = CheckSpec(
    name="duplicate_rate",
    level="batch",
    fields="many",
    summary="The share of keys that repeat an earlier key is at most max.",
    description=(
        "Computes duplicates / keys over the records whose key is present and not null: a key is a "
        "duplicate when an earlier record had the same key (so `1, 1, 2, 2` has rate 0.5). With several "
        "fields the key is their combination and a record with any part missing or null is left out. "
        "Keys are type-strict as for `unique` (`1` and `\"1\"` differ). It fails once, with reason "
        "`duplicate_rate` and the rate (0..1) as the value, when the rate is above `max`. "
        "Use `unique` to see each duplicate; this check only measures how many there are.\n\n"
        "With a single `[*]` path every element value is a key."
    ),
    params={"max": {**_RATE, "description": "The largest allowed share of duplicate keys, 0..1."}},
    required=("max",),
    default_severity="medium",
    default_dimension="consistency",
    python=build_duplicate_rate,
    validate_fields=composite_key_problems,
    example="id: few-duplicate-ids\ncheck: duplicate_rate\nfield: id\nmax: 0.01\n",
    failing_record={"id": "evt_1"},
    preceding_records=({"id": "evt_1"},),
)

STATISTIC = CheckSpec(
    name="statistic",
    level="batch",
    fields="one",
    summary="A statistic (mean, min, max, stddev, sum) of a numeric field lies between min and max.",
    description=(
        "Computes `stat` over the numeric values of the field across the batch and fails once, with "
        "reason `statistic_out_of_range` and the statistic as the value, when it is below `min` or "
        "above `max` (inclusive bounds; give one or both).\n\n"
        "- `mean`, `min`, `max`, `sum` as usual; `stddev` is the **sample** standard deviation "
        "(divided by n - 1), computed with Welford's numerically stable method.\n"
        "- Only integers and floats count: booleans, strings (even `\"12\"`), NaN, infinities, null and "
        "missing values are ignored. With a `[*]` path every element value counts. An integer beyond "
        "the float range (`10**400`) counts exactly in `min`, `max`, `sum` and `mean` (a result beyond "
        "the float range is `Infinity`) and makes `stddev` infinite.\n"
        "- With no numeric value at all the statistic is undefined and the check passes; `stddev` "
        "needs at least two values."
    ),
    params={
        "stat": {"type": "string", "enum": list(STATS), "description": "Which statistic to compute."},
        "min": {"type": "number", "description": "The smallest allowed value of the statistic."},
        "max": {"type": "number", "description": "The largest allowed value of the statistic."},
    },
    required=("stat",),
    default_severity="medium",
    default_dimension="accuracy",
    validate=validate_statistic,
    python=build_statistic,
    example=(
        "id: value-mean-plausible\ncheck: statistic\nfield: data.value\nstat: mean\nmin: 100\nmax: 900\n"
    ),
    failing_record={"data": {"value": 7}},
    preceding_records=({"data": {"value": 5}}, {"data": {"value": 3}}),
)


@hookimpl
def rfsrules_register_checks() -> list[CheckSpec]:
    """The batch checks."""
    return [ROW_COUNT, NULL_RATE, DUPLICATE_RATE, STATISTIC]
