"""Typed configuration sections of the model (quality, thresholds, completion) from merged ruleset data."""

from __future__ import annotations

from typing import Any, Mapping

from ..errors import Issue
from ..units import parse_duration, parse_size
from . import codes
from .model import CompletionConfig, QualityConfig, Thresholds, frozen_mapping
from .schema import LEVEL_NAMES
from .yamlsafe import Loc


def check_quality(quality: Any, loc: Loc | None, issues: list[Issue]) -> None:
    """Semantic checks of ``quality:``: levels descending (after defaults), some weight above 0."""
    if not isinstance(quality, dict) or loc is None:
        return
    levels = quality.get("levels")
    if isinstance(levels, dict) and all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1
                                        for v in levels.values()):
        merged = dict(QualityConfig().levels)
        merged.pop("critical", None)
        merged.update(levels)
        previous: tuple[str, float] | None = None
        for name in LEVEL_NAMES:
            cutoff = merged[name]
            if previous is not None and cutoff >= previous[1]:
                blame = name if name in levels else previous[0]
                pos = loc.locate(("levels", blame))
                issues.append(Issue(pos.file, pos.line, pos.col,
                                    f"quality.levels must be descending: {name} ({cutoff}) is not below "
                                    f"{previous[0]} ({previous[1]})", codes.MIN_GREATER_THAN_MAX))
                break
            previous = (name, cutoff)
    weights = quality.get("weights")
    if isinstance(weights, dict) and weights:
        defaults = dict(QualityConfig().weights)
        defaults.update(weights)
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in defaults.values())
        if numbers and sum(defaults.values()) <= 0:
            pos = loc.locate(("weights",))
            issues.append(Issue(pos.file, pos.line, pos.col,
                                "quality.weights: at least one weight must be above 0", codes.SCHEMA))


def build_quality(quality: Mapping[str, Any] | None) -> QualityConfig:
    """``QualityConfig`` from a validated ``quality:`` section (seed defaults for what is not set)."""
    quality = quality or {}
    default = QualityConfig()
    weights = dict(default.weights)
    weights.update({k: float(v) for k, v in (quality.get("weights") or {}).items()})
    levels = {name: cutoff for name, cutoff in default.levels if name != "critical"}
    levels.update({k: float(v) for k, v in (quality.get("levels") or {}).items()})
    ordered = tuple((name, float(levels[name])) for name in LEVEL_NAMES) + (("critical", 0.0),)
    return QualityConfig(
        weights=frozen_mapping(weights),
        levels=ordered,
        malformed=quality.get("malformed", default.malformed),
        unmeasured=quality.get("unmeasured", default.unmeasured),
    )


def build_thresholds(thresholds: Mapping[str, Any] | None) -> Thresholds:
    """``Thresholds`` from a validated ``thresholds:`` section; durations in seconds, sizes in bytes."""
    thresholds = thresholds or {}
    default = Thresholds()
    severities = dict(default.severities)
    severities.update(thresholds.get("severities") or {})
    return Thresholds(
        quality_score_min=float(thresholds.get("quality_score_min", default.quality_score_min)),
        anomaly_score_max=float(thresholds.get("anomaly_score_max", default.anomaly_score_max)),
        processing_time_max=parse_duration(thresholds.get("processing_time_max", default.processing_time_max)),
        memory_usage_max=parse_size(thresholds.get("memory_usage_max", default.memory_usage_max)),
        error_rate_max=float(thresholds.get("error_rate_max", default.error_rate_max)),
        severities=frozen_mapping(severities),
    )


def build_completion(completion: Mapping[str, Any] | None) -> CompletionConfig:
    """``CompletionConfig`` from a validated ``metadata_rules.completion:`` section."""
    completion = completion or {}
    default = CompletionConfig()
    minimum = completion.get("min", default.min)
    return CompletionConfig(
        expected_field=completion.get("expected_field", default.expected_field),
        min=None if minimum is None else float(minimum),
        severity=completion.get("severity", default.severity),
    )
