"""The batch report every engine produces, its summary, the pass/fail gate and the versioned JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterator

from .results import (
    QualityScores, RuleResult, Severity, ThresholdBreach, Violation, _plain_repr, json_safe, mask_data,
    mask_secrets, secret_values,
)

REPORT_FORMAT = "rfsrules.report/1"
"""Version tag of the JSON report; bumped only on incompatible changes (keys are added, never renamed)."""


@dataclass
class Summary:
    """Batch totals. Invariant: ``records_total == records_checked + records_malformed``."""

    records_total: int = 0
    records_checked: int = 0
    records_malformed: int = 0
    records_failed: int = 0  # records (malformed included) with at least one violation
    violations_total: int = 0  # sum over rules of violating records (+ failed batch rules)
    failures_total: int = 0
    quality: QualityScores | None = None
    error_rate: float = 0.0
    completion_rate: float | None = None
    metadata_valid: bool | None = None
    breaches: list[ThresholdBreach] = field(default_factory=list)
    passed: bool = True
    fail_on: str = "high"
    engine: str = "python"
    engine_reason: str | None = None  # why this engine ran (``auto``'s choice, or "requested explicitly")
    duration_seconds: float = 0.0
    peak_memory_bytes: int | None = None
    ref_time: str | None = None
    sources: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return mask_secrets(_plain_repr(self))

    def to_dict(self) -> dict[str, Any]:
        return {
            "records_total": self.records_total,
            "records_checked": self.records_checked,
            "records_malformed": self.records_malformed,
            "records_failed": self.records_failed,
            "violations_total": self.violations_total,
            "failures_total": self.failures_total,
            "quality": self.quality.to_dict() if self.quality else None,
            "error_rate": self.error_rate,
            "completion_rate": self.completion_rate,
            "metadata_valid": self.metadata_valid,
            "thresholds_breached": [b.to_dict() for b in self.breaches],
            "passed": self.passed,
            "fail_on": self.fail_on,
            "engine": self.engine,
            "engine_reason": self.engine_reason,
            "duration_seconds": self.duration_seconds,
            "peak_memory_bytes": self.peak_memory_bytes,
            "ref_time": self.ref_time,
            "sources": list(self.sources),
        }


@dataclass
class Report:
    """What checking one batch produced: summary, per-rule results (data rules then metadata rules)."""

    ruleset_name: str
    ruleset_version: str
    summary: Summary
    rules: list[RuleResult] = field(default_factory=list)
    metadata_rules: list[RuleResult] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        # plugin traces (RFSRULES_TRACE_PLUGINS) print hook arguments, this report among them
        return mask_secrets(_plain_repr(self))

    def masked(self) -> "Report":
        """This report with every registered secret (see docs/security.md) shown as ``***`` in its text:
        ruleset name and version, sources, rule errors, example messages, values and record ids, and
        the context. Itself when no secret is registered. Renderers print this form."""
        if not secret_values():
            return self
        s = self.summary
        summary = replace(s, sources=mask_data(list(s.sources)), engine_reason=mask_data(s.engine_reason),
                          breaches=list(s.breaches))
        return replace(
            self, ruleset_name=mask_data(self.ruleset_name), ruleset_version=mask_data(self.ruleset_version),
            summary=summary, rules=[r.masked() for r in self.rules],
            metadata_rules=[r.masked() for r in self.metadata_rules], context=mask_data(dict(self.context)),
        )

    def rule(self, rule_id: str) -> RuleResult:
        for r in self.rules + self.metadata_rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def violations(self) -> Iterator[Violation]:
        """Every example violation kept (up to ``max_examples`` per rule), data rules first."""
        for r in self.rules + self.metadata_rules:
            yield from r.examples

    @property
    def has_errors(self) -> bool:
        """True when some rule could not run (a check raised): the run is incomplete."""
        return any(r.status == "error" for r in self.rules + self.metadata_rules)

    def gate(self, fail_on: str = "high") -> bool:
        """Recompute ``summary.passed``: no failing rule or breach at or above ``fail_on``, quality not below min.

        ``fail_on="none"`` never fails on severity (quality and errors still count).
        """
        s = self.summary
        s.fail_on = fail_on
        rank = None if fail_on == "none" else Severity.parse(fail_on).rank
        failing = [r for r in self.rules + self.metadata_rules if r.status == "failed"]
        bad = rank is not None and (
            any(Severity.parse(r.severity).rank >= rank for r in failing)
            or any(Severity.parse(b.severity).rank >= rank for b in s.breaches)
        )
        quality_low = any(b.name == "quality_score_min" for b in s.breaches)
        s.passed = not (bad or quality_low or self.has_errors)
        return s.passed

    def raise_for_status(self) -> "Report":
        from .errors import ValidationFailed

        if not self.summary.passed:
            raise ValidationFailed(self)
        return self

    def to_dict(self, max_examples: int | None = None) -> dict[str, Any]:
        """The stable JSON form (``format: rfsrules.report/1``), documented in docs/output-formats.md.

        Registered secrets (docs/security.md) are masked in every string of it."""
        return mask_data({
            "format": REPORT_FORMAT,
            "ruleset": {"name": self.ruleset_name, "version": self.ruleset_version},
            "summary": self.summary.to_dict(),
            "rules": [r.to_dict(max_examples) for r in self.rules],
            "metadata_rules": [r.to_dict(max_examples) for r in self.metadata_rules],
            "context": json_safe(self.context),
        })
