"""The typed ruleset model: frozen dataclasses with source spans; its expanded rule list is the rule IR."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from ..paths import FieldPath


@dataclass(frozen=True)
class Span:
    """Where something was written: file path and 1-based line and column."""

    path: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


def frozen_mapping(data: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """A read-only view of a plain dict (used for parameters and reserved sections)."""
    return MappingProxyType(dict(data or {}))


@dataclass(frozen=True)
class Rule:
    """One executable rule: the unit of the IR that every engine compiles.

    ``level`` comes from the check's declaration: ``value`` checks test each present, non-null value
    at ``fields``; ``record`` checks see the whole record; ``batch`` checks aggregate over the batch.
    ``where`` is a parsed expression (``rfsrules.expr``) or None; only records where it is true are checked.
    """

    id: str
    check: str
    level: str
    fields: tuple[FieldPath, ...] = ()
    params: Mapping[str, Any] = field(default_factory=frozen_mapping)
    severity: str = "medium"
    dimension: str | None = None
    message: str | None = None
    where: Any = None
    where_text: str | None = None
    enabled: bool = True
    description: str | None = None
    tags: tuple[str, ...] = ()
    span: Span | None = None
    origin: str = "rules"  # rules | fields | metadata_rules | extends:<file>

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.text for f in self.fields)


@dataclass(frozen=True)
class FieldSpec:
    """A ``fields:`` entry as written (kept for export, diff and docs; its rules are already expanded)."""

    path: FieldPath
    attributes: Mapping[str, Any]
    span: Span | None = None


@dataclass(frozen=True)
class QualityConfig:
    """How the quality dimensions are weighted and cut into levels (seed defaults)."""

    weights: Mapping[str, float] = field(default_factory=lambda: frozen_mapping(
        {"completeness": 0.25, "consistency": 0.25, "accuracy": 0.25, "timeliness": 0.25}))
    levels: tuple[tuple[str, float], ...] = (
        ("excellent", 0.9), ("good", 0.8), ("acceptable", 0.7), ("poor", 0.5), ("critical", 0.0))
    malformed: str = "fail_all"  # fail_all | ignore
    unmeasured: str = "exclude"  # exclude | perfect


@dataclass(frozen=True)
class Thresholds:
    """Alert thresholds (seed defaults). Times in seconds, memory in bytes, rates as fractions."""

    quality_score_min: float = 0.7
    anomaly_score_max: float = 0.8
    processing_time_max: float = 30.0
    memory_usage_max: int = 512 * 1024 * 1024
    error_rate_max: float = 0.05
    severities: Mapping[str, str] = field(default_factory=lambda: frozen_mapping({
        "anomaly_score_max": "high", "processing_time_max": "medium",
        "memory_usage_max": "medium", "error_rate_max": "high"}))


@dataclass(frozen=True)
class CompletionConfig:
    """Completion rate = records / metadata[expected_field]; below ``min`` is a breach (if set)."""

    expected_field: str = "expected_records"
    min: float | None = None
    severity: str = "medium"


@dataclass(frozen=True)
class Ruleset:
    """A loaded, validated ruleset. ``rules`` and ``metadata_rules`` are expanded and ready for engines."""

    name: str
    version: str
    source: str
    format_version: int = 1
    description: str | None = None
    owner: str | None = None
    record_id: FieldPath | None = None
    fields: tuple[FieldSpec, ...] = ()
    rules: tuple[Rule, ...] = ()
    metadata_rules: tuple[Rule, ...] = ()
    quality: QualityConfig = field(default_factory=QualityConfig)
    thresholds: Thresholds = field(default_factory=Thresholds)
    completion: CompletionConfig = field(default_factory=CompletionConfig)
    anomalies: Mapping[str, Any] = field(default_factory=frozen_mapping)
    alerts: Mapping[str, Any] = field(default_factory=frozen_mapping)
    report: Mapping[str, Any] = field(default_factory=frozen_mapping)
    plugins: tuple[str, ...] = ()
    extends: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=frozen_mapping, repr=False, compare=False)

    def __repr__(self) -> str:
        # Short on purpose: plugin traces (RFSRULES_TRACE_PLUGINS) and logs print the ruleset, and its
        # sections hold ${ENV} values such as alert channel tokens that must not end up in a log.
        return (f"Ruleset(name={self.name!r}, version={self.version!r}, source={self.source!r}, "
                f"rules={len(self.rules)}, metadata_rules={len(self.metadata_rules)})")

    @property
    def enabled_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.enabled)

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules + self.metadata_rules:
            if r.id == rule_id:
                return r
        from ..errors import UnknownNameError

        raise UnknownNameError("rule", rule_id, [r.id for r in self.rules + self.metadata_rules])
