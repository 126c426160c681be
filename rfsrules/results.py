"""What every engine returns: violations, per-rule results, the batch summary and the report."""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterator, Mapping

from .paths import MISSING


class Severity(str, enum.Enum):
    """Severity of a rule; ordered low < medium < high < critical."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self.value]

    @classmethod
    def parse(cls, value: "str | Severity") -> "Severity":
        return value if isinstance(value, Severity) else cls(str(value).lower())

    def __str__(self) -> str:
        return self.value


_SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}
SEVERITIES = tuple(s.value for s in Severity)


class Dimension(str, enum.Enum):
    """The seed's four quality dimensions."""

    COMPLETENESS = "completeness"
    CONSISTENCY = "consistency"
    ACCURACY = "accuracy"
    TIMELINESS = "timeliness"

    def __str__(self) -> str:
        return self.value


DIMENSIONS = tuple(d.value for d in Dimension)


class Reason(str, enum.Enum):
    """Stable reason codes of a failure. Add new ones; never rename or reuse a value."""

    MALFORMED_JSON = "malformed_json"
    NOT_AN_OBJECT = "not_an_object"
    INVALID_ENCODING = "invalid_encoding"
    LINE_TOO_LONG = "line_too_long"
    MALFORMED_CSV = "malformed_csv"
    MISSING_FIELD = "missing_field"
    NULL_VALUE = "null_value"
    WRONG_TYPE = "wrong_type"
    OUT_OF_RANGE = "out_of_range"
    NOT_COMPARABLE = "not_comparable"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    PATTERN_MISMATCH = "pattern_mismatch"
    NOT_IN_SET = "not_in_set"
    FORBIDDEN_VALUE = "forbidden_value"
    DUPLICATE_VALUE = "duplicate_value"
    STALE = "stale"
    IN_FUTURE = "in_future"
    INVALID_TIMESTAMP = "invalid_timestamp"
    SCHEMA_MISMATCH = "schema_mismatch"
    EXPRESSION_FALSE = "expression_false"
    ROW_COUNT = "row_count"
    NULL_RATE = "null_rate"
    DUPLICATE_RATE = "duplicate_rate"
    STATISTIC = "statistic_out_of_range"
    CHECK_ERROR = "check_error"
    THRESHOLD = "threshold_breached"

    def __str__(self) -> str:
        return self.value


PARSE_RULE_ID = "parse"
"""The built-in rule every malformed record violates (severity critical)."""


MAX_VALUE_DEPTH = 100
"""How deeply nested a value :func:`json_safe` copies: records may nest up to 1,024 levels (orjson's
parse limit), which neither Python's recursion limit nor orjson's serialiser (255 levels) can take
in a report; an object or array deeper than this is replaced by :data:`DEEP_VALUE`."""

DEEP_VALUE = f"<nested deeper than {MAX_VALUE_DEPTH} levels>"


def json_safe(value: Any, _depth: int = 0) -> Any:
    """A JSON-serialisable copy of a record value (MISSING becomes None; NaN and infinities become the
    strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"``, as JavaScript writes them; an object or
    array nested more than :data:`MAX_VALUE_DEPTH` levels inside ``value`` becomes :data:`DEEP_VALUE`)."""
    if value is MISSING:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    if isinstance(value, (dict, list, tuple)) or isinstance(value, Mapping):
        if _depth >= MAX_VALUE_DEPTH:
            return DEEP_VALUE
        depth = _depth + 1
        if isinstance(value, (list, tuple)):
            return [json_safe(v, depth) for v in value]
        return {str(k): json_safe(v, depth) for k, v in value.items()}
    return str(value)


# -- secrets ------------------------------------------------------------------------------------
# Values substituted into a ruleset from environment variables whose names look secret (see
# rfsrules.ruleset.envsubst and docs/security.md) are registered here, process-wide, and every
# echo of a report (renderers, ``Report.to_dict``, reprs) shows them as MASK.

MASK = "***"
"""What a secret value is replaced by wherever rfsrules prints report or ruleset text."""

MIN_SECRET_LENGTH = 4
"""Shorter values are not masked: they cannot be secret, and masking ``1`` would garble every number."""

_secrets: set[str] = set()
_mask_pattern: "re.Pattern[str] | None" = None


def register_secret(value: Any) -> bool:
    """Mask ``value`` (its text) from now on in every report this process renders; True if registered."""
    global _mask_pattern
    text = value if isinstance(value, str) else str(value)
    if len(text.strip()) < MIN_SECRET_LENGTH or text in _secrets:
        return False
    _secrets.add(text)
    _mask_pattern = None
    return True


def secret_values() -> frozenset[str]:
    """The values registered with :func:`register_secret`."""
    return frozenset(_secrets)


def forget_secrets() -> None:
    """Forget every registered secret (for tests and long-lived processes that reload rulesets)."""
    global _mask_pattern
    _secrets.clear()
    _mask_pattern = None


def _pattern() -> "re.Pattern[str]":
    global _mask_pattern
    if _mask_pattern is None:
        import json

        forms: set[str] = set()
        for secret in _secrets:
            # as written, and as a JSON string or a Python repr would escape it (quotes, backslashes,
            # control characters): a message quoting the value with !r still hides it
            forms.add(secret)
            forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
            forms.add(repr(secret)[1:-1])
        ordered = sorted((f for f in forms if f), key=len, reverse=True)
        _mask_pattern = re.compile("|".join(re.escape(f) for f in ordered))
    return _mask_pattern


def mask_secrets(text: str) -> str:
    """``text`` with every registered secret replaced by :data:`MASK`."""
    if not _secrets or not isinstance(text, str):
        return text
    return _pattern().sub(MASK, text)


def mask_data(value: Any) -> Any:
    """A copy of plain data (str, list, tuple, dict; keys included) with secrets masked in every string.

    Other values (numbers, None, objects) are returned as they are; without secrets, ``value`` itself.
    """
    if not _secrets:
        return value
    return _mask_data(value, _pattern())


def _mask_data(value: Any, pattern: "re.Pattern[str]", depth: int = 0) -> Any:
    if isinstance(value, str):
        return pattern.sub(MASK, value)
    if depth > MAX_VALUE_DEPTH:  # reports show no deeper than json_safe copies (DEEP_VALUE)
        return value
    if isinstance(value, dict):
        return {_mask_data(k, pattern): _mask_data(v, pattern, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_data(v, pattern, depth + 1) for v in value]
    if isinstance(value, tuple):
        return tuple(_mask_data(v, pattern, depth + 1) for v in value)
    return value


_VIOLATION_FIELDS = (
    "rule_id", "check", "severity", "dimension", "reason", "message",
    "field", "line", "record_id", "value", "source",
)


class Violation:
    """One failure: a rule, where it happened and why. Reads as ``v.severity``, ``v["severity"]``, ``v.get(...)``."""

    __slots__ = _VIOLATION_FIELDS + ("context",)

    def __init__(
        self,
        rule_id: str,
        severity: str,
        message: str,
        *,
        check: str | None = None,
        dimension: str | None = None,
        reason: str | None = None,
        field: str | None = None,
        line: int | None = None,
        record_id: Any = None,
        value: Any = None,
        source: str | None = None,
        context: Mapping[str, Any] | None = None,
    ):
        self.rule_id = rule_id
        self.check = check
        self.severity = str(severity)
        self.dimension = None if dimension is None else str(dimension)
        self.reason = None if reason is None else str(reason)
        self.message = message
        self.field = field
        self.line = line
        self.record_id = record_id
        self.value = value
        self.source = source
        self.context = dict(context) if context else {}

    def to_dict(self) -> dict[str, Any]:
        """A plain dict with the fixed keys plus any context keys (context never overrides a fixed key)."""
        out = {k: getattr(self, k) for k in _VIOLATION_FIELDS}
        out["value"] = json_safe(out["value"])
        for k, v in self.context.items():
            out.setdefault(k, v)
        return out

    def __getitem__(self, key: str) -> Any:
        if key in _VIOLATION_FIELDS:
            return getattr(self, key)
        if key == "context":
            return self.context
        return self.context[key]

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: str) -> bool:
        return key in _VIOLATION_FIELDS or key in self.context

    def keys(self):
        return self.to_dict().keys()

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Violation):
            return self.to_dict() == other.to_dict()
        return NotImplemented

    def __repr__(self) -> str:
        where = f" line {self.line}" if self.line is not None else ""
        fld = f" {self.field}" if self.field else ""
        return mask_secrets(f"<Violation {self.rule_id} [{self.severity}]{where}{fld}: {self.message}>")

    def masked(self) -> "Violation":
        """This violation with registered secrets masked in its text and value (itself when there are none)."""
        if not _secrets:
            return self
        return Violation(
            mask_data(self.rule_id), self.severity, mask_data(self.message), check=self.check,
            dimension=self.dimension, reason=self.reason, field=mask_data(self.field), line=self.line,
            record_id=mask_data(self.record_id), value=mask_data(self.value), source=mask_data(self.source),
            context=mask_data(self.context),
        )


def _plain_repr(obj: Any) -> str:
    """What a dataclass repr would say: ``Name(field=value, ...)`` over the fields that take part in it."""
    import dataclasses

    parts = ", ".join(f"{f.name}={getattr(obj, f.name)!r}" for f in dataclasses.fields(obj) if f.repr)
    return f"{type(obj).__qualname__}({parts})"


@dataclass
class RuleResult:
    """The outcome of one rule over a batch.

    ``violations`` counts records that violate the rule (a record failing on two fields counts once);
    ``failures`` counts individual failures (one per field and record); ``examples`` holds the first N.
    """

    id: str
    check: str
    severity: str
    dimension: str | None
    level: str = "record"
    violations: int = 0
    failures: int = 0
    examples: list[Violation] = field(default_factory=list)
    status: str = "passed"  # passed | failed | error | skipped
    error: str | None = None
    plugin: str | None = None
    where: str | None = None  # ruleset location "file:line:col"
    description: str | None = None
    error_count: int = 0  # how many times the check raised (``error`` keeps the first exception)

    def __repr__(self) -> str:
        return mask_secrets(_plain_repr(self))

    def masked(self) -> "RuleResult":
        """A copy with registered secrets masked in its text and examples (itself when there are none)."""
        if not _secrets:
            return self
        return replace(
            self, id=mask_data(self.id), error=mask_data(self.error), where=mask_data(self.where),
            description=mask_data(self.description), examples=[v.masked() for v in self.examples],
        )

    def to_dict(self, max_examples: int | None = None) -> dict[str, Any]:
        """The rule's entry in the JSON report (registered secrets masked)."""
        examples = self.examples if max_examples is None else self.examples[:max_examples]
        return mask_data({
            "id": self.id,
            "check": self.check,
            "level": self.level,
            "severity": self.severity,
            "dimension": self.dimension,
            "status": self.status,
            "violations": self.violations,
            "failures": self.failures,
            "error": self.error,
            "plugin": self.plugin,
            "defined_at": self.where,
            "examples": [
                {
                    "line": v.line,
                    "record_id": json_safe(v.record_id),
                    "field": v.field,
                    "value": json_safe(v.value),
                    "reason": v.reason,
                    "message": v.message,
                    "source": v.source,
                }
                for v in examples
            ],
        })


@dataclass
class QualityScores:
    """The seed's quality metrics for one batch (each dimension 0..1, or None when no rule measures it)."""

    completeness: float | None
    consistency: float | None
    accuracy: float | None
    timeliness: float | None
    overall: float
    level: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "completeness": self.completeness,
            "consistency": self.consistency,
            "accuracy": self.accuracy,
            "timeliness": self.timeliness,
            "overall": self.overall,
            "level": self.level,
        }


@dataclass
class ThresholdBreach:
    """A batch-level threshold that was crossed (``quality_score_min``, ``error_rate_max``, ...)."""

    name: str
    metric: str
    value: float
    threshold: float
    severity: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "metric": self.metric, "value": self.value,
                "threshold": self.threshold, "severity": self.severity}
