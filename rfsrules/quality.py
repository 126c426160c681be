"""Quality metrics (completeness, consistency, accuracy, timeliness → overall → level) and threshold breaches."""

from __future__ import annotations

from typing import Mapping

from .results import DIMENSIONS, QualityScores, ThresholdBreach
from .ruleset.model import QualityConfig, Thresholds


def level_for(score: float, config: QualityConfig) -> str:
    """The first level whose cut-off the score reaches (levels are ordered best first)."""
    for name, cutoff in config.levels:
        if score >= cutoff:
            return name
    return config.levels[-1][0]


def compute_quality(
    *,
    records_total: int,
    records_malformed: int,
    failed_by_dimension: Mapping[str, int],
    measured: set[str] | frozenset[str],
    config: QualityConfig,
) -> QualityScores:
    """Scores per docs/quality.md.

    A dimension's score is the share of records that fail no rule of that dimension. Malformed records
    fail every measured dimension (``malformed: fail_all``, the default) or are left out of the
    denominator (``malformed: ignore``). Consistency is always measured, because the built-in ``parse``
    rule belongs to it. A dimension no rule measures is ``None`` and left out of the weighted mean
    (``unmeasured: exclude``) or scores 1.0 (``unmeasured: perfect``). An empty batch scores 0 (seed).
    """
    measured = set(measured) | {"consistency"}
    scores: dict[str, float | None] = {}
    if config.malformed == "ignore":
        denominator = records_total - records_malformed
        malformed_fail = 0
    else:
        denominator = records_total
        malformed_fail = records_malformed
    for dim in DIMENSIONS:
        if dim not in measured:
            scores[dim] = 1.0 if config.unmeasured == "perfect" else None
        elif denominator <= 0:
            scores[dim] = 0.0
        else:
            failed = failed_by_dimension.get(dim, 0) + malformed_fail
            scores[dim] = max(0.0, (denominator - failed) / denominator)
    weighted = [(scores[d], config.weights.get(d, 0.0)) for d in DIMENSIONS if scores[d] is not None]
    total_weight = sum(w for _, w in weighted)
    overall = sum(s * w for s, w in weighted) / total_weight if total_weight > 0 else 0.0
    overall = round(overall, 10)
    return QualityScores(
        completeness=_r(scores["completeness"]),
        consistency=_r(scores["consistency"]),
        accuracy=_r(scores["accuracy"]),
        timeliness=_r(scores["timeliness"]),
        overall=overall,
        level=level_for(overall, config),
    )


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 10)


def compute_breaches(
    *,
    quality: QualityScores,
    error_rate: float,
    thresholds: Thresholds,
    processing_time: float | None = None,
    memory_usage: int | None = None,
    completion_rate: float | None = None,
    completion_min: float | None = None,
    completion_severity: str = "medium",
) -> list[ThresholdBreach]:
    """Every threshold the batch crossed.

    Quality below min has ``severities.quality_score_min`` when the ruleset sets it, else the seed's rule:
    ``high`` under 0.5, ``medium`` otherwise. It fails the gate at any severity.
    """
    out: list[ThresholdBreach] = []
    sev = thresholds.severities
    if quality.overall < thresholds.quality_score_min:
        out.append(ThresholdBreach("quality_score_min", "overall_score", quality.overall,
                                   thresholds.quality_score_min,
                                   sev.get("quality_score_min") or ("high" if quality.overall < 0.5 else "medium")))
    if error_rate > thresholds.error_rate_max:
        out.append(ThresholdBreach("error_rate_max", "error_rate", error_rate, thresholds.error_rate_max,
                                   sev.get("error_rate_max", "high")))
    if processing_time is not None and processing_time > thresholds.processing_time_max:
        out.append(ThresholdBreach("processing_time_max", "processing_time_seconds", processing_time,
                                   thresholds.processing_time_max, sev.get("processing_time_max", "medium")))
    if memory_usage is not None and memory_usage > thresholds.memory_usage_max:
        out.append(ThresholdBreach("memory_usage_max", "peak_memory_bytes", memory_usage,
                                   thresholds.memory_usage_max, sev.get("memory_usage_max", "medium")))
    if completion_rate is not None and completion_min is not None and completion_rate < completion_min:
        out.append(ThresholdBreach("completion_min", "completion_rate", completion_rate, completion_min,
                                   completion_severity))
    return out
