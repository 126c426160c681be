"""What every engine does once its counts are in: quality, error and completion rates, breaches, the Report."""

from __future__ import annotations

import sys
from typing import Any, Mapping

from ..paths import MISSING
from ..quality import compute_breaches, compute_quality
from ..report import Report, Summary
from ..results import RuleResult
from ..ruleset.model import Ruleset
from .api import RunOptions


def assemble_report(ruleset: Ruleset, options: RunOptions, *, engine: str, rules: list[RuleResult],
                    metadata_rules: list[RuleResult], records_total: int, records_checked: int,
                    records_malformed: int, checked_failed: int, failed_by_dimension: Mapping[str, int],
                    measured: set, metadata_valid: bool | None, duration: float, sources: list[str],
                    extra_memory: int = 0) -> Report:
    """The batch's Report, gated by ``options.fail_on``.

    ``rules`` starts with the ``parse`` rule; ``checked_failed`` counts the well-formed records that failed
    some rule, ``failed_by_dimension`` the same per quality dimension, ``measured`` the dimensions the
    enabled value and record rules cover; ``extra_memory`` is added to this process's peak (workers).
    """
    quality = compute_quality(records_total=records_total, records_malformed=records_malformed,
                              failed_by_dimension=failed_by_dimension, measured=measured, config=ruleset.quality)
    records_failed = checked_failed + records_malformed
    error_rate = records_failed / records_total if records_total else 0.0
    completion_rate = _completion_rate(ruleset, options.metadata, records_total)
    memory = peak_memory_bytes() if options.measure_resources else None
    if memory is not None:
        memory += extra_memory
    breaches = compute_breaches(
        quality=quality, error_rate=error_rate, thresholds=ruleset.thresholds,
        processing_time=duration if options.measure_resources else None, memory_usage=memory,
        completion_rate=completion_rate, completion_min=ruleset.completion.min,
        completion_severity=ruleset.completion.severity)
    everything = list(rules) + list(metadata_rules)
    summary = Summary(
        records_total=records_total, records_checked=records_checked, records_malformed=records_malformed,
        records_failed=records_failed, violations_total=sum(r.violations for r in everything),
        failures_total=sum(r.failures for r in everything), quality=quality, error_rate=error_rate,
        completion_rate=completion_rate, metadata_valid=metadata_valid, breaches=breaches,
        engine=engine, duration_seconds=duration, peak_memory_bytes=memory,
        ref_time=options.ref_time.isoformat(), sources=sources)
    report = Report(ruleset_name=ruleset.name, ruleset_version=ruleset.version, summary=summary, rules=list(rules),
                    metadata_rules=list(metadata_rules), context=dict(options.context or {}))
    report.gate(options.fail_on)
    return report


def _completion_rate(ruleset: Ruleset, metadata: Mapping[str, Any] | None, records_total: int) -> float | None:
    """records / the metadata's expected count (``completion.expected_field``), when that is a positive number."""
    if metadata is None:
        return None
    expected = metadata.get(ruleset.completion.expected_field, MISSING)
    if isinstance(expected, (int, float)) and not isinstance(expected, bool) and expected > 0:
        return records_total / expected
    return None


def peak_memory_bytes() -> int | None:
    """Peak resident set size of this process, in bytes (None when it cannot be measured)."""
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak if sys.platform == "darwin" else peak * 1024)
    except (ImportError, OSError):
        try:
            import psutil

            return int(psutil.Process().memory_info().rss)
        except Exception:
            return None
