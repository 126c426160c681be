"""The helpers the seed's DataPipelineMonitor calls but leaves undefined, implemented (used by seed_monitor.py).

Quality checks return violation dicts for ``apply_rules_to(...).using(rules, per="batch")``; their rule ids,
severities and dimensions follow ``rulesets/pipeline-events.yaml`` (required/type/unique: high; range and
freshness: medium). Anomaly detectors are per-record predicates for ``scan_data_for``.
"""

from __future__ import annotations

import json
import math
import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

import psutil

from rfsrules.hof import create_log_entry, extract_from

REQUIRED_FIELDS = ("id", "timestamp", "data")
VALUE_RANGE = (1, 1000)  # the simulator draws data.value from 1..1000
MAX_AGE = timedelta(hours=1)
MAX_FUTURE = timedelta(minutes=5)
EXPECTED_STATUSES = ("active", "inactive")
ID_PATTERN = re.compile(r"^[a-z_]+_\d+_\d+$")
USER_ID_PATTERN = re.compile(r"^user_\d+$")
SPIKE_FACTOR = 3.0  # a value above 3x the baseline mean is a spike
OUTLIER_Z = 3.0  # |z| above 3 against the baseline is an outlier
ANOMALY_RATE_HIGH = 0.01  # more than 1% of records flagged: "anomalies are frequent"
ANOMALY_BASE_SCORES = {
    "unexpected_spike": 0.9, "missing_data": 0.8, "format_inconsistency": 0.7,
    "unusual_timing": 0.6, "data_drift": 0.8, "outlier_values": 0.7,
}
EXPECTED_TYPES: Dict[str, Any] = {
    "id": str, "timestamp": "timestamp", "data": dict, "data.value": int, "data.status": str,
    "user_id": str, "session_id": str,
}


def utc_now() -> datetime:
    """The default clock: now, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def parse_timestamp(value: Any) -> datetime:
    """An ISO-8601 string as an aware datetime (``Z`` and offsets accepted, naive = UTC); raises ValueError."""
    if not isinstance(value, str):
        raise ValueError(f"not an ISO-8601 string: {value!r}")
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def get_path(record: Any, path: str) -> Any:
    """``record["a"]["b"]`` for ``"a.b"``, or None when any step is absent."""
    current = record
    for part in path.split("."):
        if not isinstance(current, dict) or part not in current:
            return None
        current = current[part]
    return current


def has_path(record: Any, path: str) -> bool:
    """True when every step of ``path`` is present (the value may be None)."""
    current = record
    for part in path.split("."):
        if not isinstance(current, dict) or part not in current:
            return False
        current = current[part]
    return True


def is_number(value: Any) -> bool:
    """int or finite float, bool excluded."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class SeedHelpers:
    """Mixin of DataPipelineMonitor: checks, detectors, scores, recommendations, measurements and handlers.

    The host class provides ``clock``, ``logger``, ``alert_thresholds`` and ``alert_count``.
    """

    def __init__(self) -> None:
        self.critical_alerts: List[Dict[str, Any]] = []
        self.processing_errors: List[Dict[str, Any]] = []
        self._process = psutil.Process()
        self._process.cpu_percent(interval=None)  # prime: the first call always returns 0.0
        self._baseline_n = 0  # running mean/variance (Welford) of valid data.value values
        self._baseline_mean = 0.0
        self._baseline_m2 = 0.0

    # ========== quality checks ==========

    @staticmethod
    def _violation(rule_id: str, severity: str, dimension: str, reason: str, line: int, record: Any,
                   field: str, message: str, value: Any = None) -> Dict:
        record_id = record.get("id") if isinstance(record, dict) else None
        return {"rule_id": rule_id, "severity": severity, "dimension": dimension, "reason": reason,
                "line": line, "record_id": record_id, "field": field, "value": value, "message": message}

    def _check_required_fields(self, records: List[Dict]) -> List[Dict]:
        """id, timestamp and data must be present and not null (high, completeness)."""
        out = []
        for line, record in enumerate(records, start=1):
            for field in REQUIRED_FIELDS:
                if not isinstance(record, dict) or field not in record:
                    out.append(self._violation("required_fields", "high", "completeness", "missing_field", line,
                                               record, field, f"required field '{field}' is missing"))
                elif record[field] is None:
                    out.append(self._violation("required_fields", "high", "completeness", "null_value", line,
                                               record, field, f"required field '{field}' is null"))
        return out

    @staticmethod
    def _type_error(value: Any, expected: Any) -> Optional[str]:
        if expected == "timestamp":
            try:
                parse_timestamp(value)
                return None
            except ValueError:
                return "an ISO-8601 timestamp"
        if expected is int and (isinstance(value, bool) or not isinstance(value, int)):
            return "integer"
        if not isinstance(value, expected):
            return {str: "string", dict: "object"}.get(expected, expected.__name__)
        return None

    def _check_data_type_consistency(self, records: List[Dict]) -> List[Dict]:
        """Present, non-null fields must have their expected types (high, consistency)."""
        out = []
        for line, record in enumerate(records, start=1):
            for field, expected in EXPECTED_TYPES.items():
                if not has_path(record, field):
                    continue
                value = get_path(record, field)
                wanted = None if value is None else self._type_error(value, expected)
                if wanted:
                    out.append(self._violation("type_consistency", "high", "consistency", "wrong_type", line,
                                               record, field, f"{field} should be {wanted}, got {value!r}", value))
        return out

    def _check_value_ranges(self, records: List[Dict]) -> List[Dict]:
        """data.value must be a number within 1..1000 (medium, accuracy)."""
        low, high = VALUE_RANGE
        out = []
        for line, record in enumerate(records, start=1):
            value = get_path(record, "data.value")
            if value is None:
                continue
            if not is_number(value):
                out.append(self._violation("value_range", "medium", "accuracy", "not_comparable", line, record,
                                           "data.value", f"data.value {value!r} is not a number", value))
            elif not low <= value <= high:
                out.append(self._violation("value_range", "medium", "accuracy", "out_of_range", line, record,
                                           "data.value", f"data.value {value} is outside [{low}, {high}]", value))
        return out

    def _check_duplicate_records(self, records: List[Dict]) -> List[Dict]:
        """Record ids must be unique; each repeat names the line of the first occurrence (high, consistency)."""
        first_seen: Dict[Any, int] = {}
        out = []
        for line, record in enumerate(records, start=1):
            record_id = get_path(record, "id")
            if record_id is None:
                continue
            key = (type(record_id).__name__, json.dumps(record_id, sort_keys=True, default=str))
            if key in first_seen:
                out.append(self._violation("duplicate_records", "high", "consistency", "duplicate_value", line,
                                           record, "id", f"duplicate of line {first_seen[key]}", record_id))
            else:
                first_seen[key] = line
        return out

    def _check_data_freshness(self, records: List[Dict]) -> List[Dict]:
        """timestamp must parse, be at most 1 hour old and at most 5 minutes ahead (medium, timeliness)."""
        now = self.clock()
        out = []
        for line, record in enumerate(records, start=1):
            value = get_path(record, "timestamp")
            if value is None:
                continue
            try:
                moment = parse_timestamp(value)
            except ValueError:
                out.append(self._violation("data_freshness", "medium", "timeliness", "invalid_timestamp", line,
                                           record, "timestamp", f"timestamp {value!r} is not ISO-8601", value))
                continue
            if now - moment > MAX_AGE:
                out.append(self._violation("data_freshness", "medium", "timeliness", "stale", line, record,
                                           "timestamp", f"timestamp is older than {MAX_AGE}", value))
            elif moment - now > MAX_FUTURE:
                out.append(self._violation("data_freshness", "medium", "timeliness", "in_future", line, record,
                                           "timestamp", f"timestamp is more than {MAX_FUTURE} ahead", value))
        return out

    # ========== anomaly detectors ==========

    def _update_baseline(self, records: List[Dict]) -> None:
        """Fold the batch's valid data.value values into the running baseline (Welford)."""
        low, high = VALUE_RANGE
        for record in records:
            value = get_path(record, "data.value")
            if is_number(value) and low <= value <= high:
                self._baseline_n += 1
                delta = value - self._baseline_mean
                self._baseline_mean += delta / self._baseline_n
                self._baseline_m2 += delta * (value - self._baseline_mean)

    @property
    def baseline_stddev(self) -> float:
        """Sample standard deviation of the baseline (0 with fewer than two values)."""
        return math.sqrt(self._baseline_m2 / (self._baseline_n - 1)) if self._baseline_n > 1 else 0.0

    def _z_score(self, value: float) -> Optional[float]:
        sd = self.baseline_stddev
        return (value - self._baseline_mean) / sd if sd > 0 else None

    def _detect_spike_anomaly(self, record: Dict) -> bool:
        value = get_path(record, "data.value")
        return is_number(value) and self._baseline_mean > 0 and value > SPIKE_FACTOR * self._baseline_mean

    def _missing_fields(self, record: Dict) -> List[str]:
        missing = [f for f in REQUIRED_FIELDS if get_path(record, f) is None]
        if "data" not in missing and get_path(record, "data.value") is None:
            missing.append("data.value")
        return missing

    def _detect_missing_data_anomaly(self, record: Dict) -> bool:
        return bool(self._missing_fields(record))

    def _format_problems(self, record: Dict) -> List[str]:
        problems = []
        record_id = get_path(record, "id")
        if record_id is not None and not (isinstance(record_id, str) and ID_PATTERN.match(record_id)):
            problems.append("id")
        timestamp = get_path(record, "timestamp")
        if timestamp is not None:
            try:
                parse_timestamp(timestamp)
            except ValueError:
                problems.append("timestamp")
        user_id = get_path(record, "user_id")
        if user_id is not None and not (isinstance(user_id, str) and USER_ID_PATTERN.match(user_id)):
            problems.append("user_id")
        return problems

    def _detect_format_anomaly(self, record: Dict) -> bool:
        return bool(self._format_problems(record))

    def _timestamp_offset(self, record: Dict) -> Optional[float]:
        """Seconds the record's timestamp lies behind now (negative: in the future); None if unusable."""
        try:
            return (self.clock() - parse_timestamp(get_path(record, "timestamp"))).total_seconds()
        except ValueError:
            return None

    def _detect_timing_anomaly(self, record: Dict) -> bool:
        offset = self._timestamp_offset(record)
        return offset is not None and (offset > MAX_AGE.total_seconds() or -offset > MAX_FUTURE.total_seconds())

    def _detect_data_drift_anomaly(self, record: Dict) -> bool:
        status = get_path(record, "data.status")
        value = get_path(record, "data.value")
        return (status is not None and status not in EXPECTED_STATUSES) or (
            value is not None and (isinstance(value, bool) or not isinstance(value, int)))

    def _detect_outlier_anomaly(self, record: Dict) -> bool:
        value = get_path(record, "data.value")
        if not is_number(value):
            return False
        z = self._z_score(value)
        return not VALUE_RANGE[0] <= value <= VALUE_RANGE[1] or (z is not None and abs(z) > OUTLIER_Z)

    def _get_anomaly_details(self, record: Dict, pattern_name: str) -> Dict:
        """What made the record match the pattern."""
        value = get_path(record, "data.value")
        if pattern_name == "unexpected_spike":
            return {"value": value, "baseline_mean": round(self._baseline_mean, 3),
                    "factor": round(value / self._baseline_mean, 3) if self._baseline_mean else None}
        if pattern_name == "missing_data":
            return {"missing_fields": self._missing_fields(record)}
        if pattern_name == "format_inconsistency":
            return {"invalid_fields": self._format_problems(record)}
        if pattern_name == "unusual_timing":
            return {"timestamp": get_path(record, "timestamp"), "age_seconds": self._timestamp_offset(record)}
        if pattern_name == "data_drift":
            return {"status": get_path(record, "data.status"), "expected_statuses": list(EXPECTED_STATUSES),
                    "value_type": type(value).__name__}
        if pattern_name == "outlier_values":
            z = self._z_score(value) if is_number(value) else None
            return {"value": value, "valid_range": list(VALUE_RANGE),
                    "z_score": None if z is None else round(z, 3)}
        return {}

    def _get_anomaly_severity(self, pattern_name: str) -> str:
        """Severity from the base score: >=0.9 critical, >=0.8 high, >=0.7 medium, else low."""
        score = ANOMALY_BASE_SCORES.get(pattern_name, 0.5)
        if score >= 0.9:
            return "critical"
        if score >= 0.8:
            return "high"
        if score >= 0.7:
            return "medium"
        return "low"

    # ========== quality metrics ==========

    @staticmethod
    def _failed_share(records: List[Dict], *violation_lists: List[Dict]) -> float:
        failed_lines = {v["line"] for violations in violation_lists for v in violations}
        return (len(records) - len(failed_lines)) / len(records)

    def _calculate_consistency_score(self, records: List[Dict]) -> float:
        """Share of records with consistent types and no duplicate id."""
        return self._failed_share(records, self._check_data_type_consistency(records),
                                  self._check_duplicate_records(records))

    def _calculate_accuracy_score(self, records: List[Dict]) -> float:
        """Share of records whose data.value is valid."""
        return self._failed_share(records, self._check_value_ranges(records))

    def _calculate_timeliness_score(self, records: List[Dict]) -> float:
        """Share of records that are fresh (or carry no timestamp: that is completeness)."""
        return self._failed_share(records, self._check_data_freshness(records))

    def _calculate_quality_trend(self, items: List[Dict]) -> str:
        """Compare the mean quality of the later half of the batches with the earlier half (±0.02)."""
        if len(items) < 2:
            return "insufficient_data"
        half = len(items) // 2
        earlier = sum(i["quality_score"] for i in items[:half]) / half
        later = sum(i["quality_score"] for i in items[half:]) / (len(items) - half)
        if later - earlier > 0.02:
            return "improving"
        if earlier - later > 0.02:
            return "declining"
        return "stable"

    def _generate_daily_recommendations(self, daily_metrics: List[Dict]) -> List[str]:
        """Per source (best quality first): praise, warnings; then one line on processing performance."""
        minimum = self.alert_thresholds["quality_score_min"]
        sources = (extract_from(daily_metrics)
                   .group_by("source")
                   .transform_to(lambda g: {
                       "source": g["key"],
                       "quality": sum(i["quality_score"] for i in g["items"]) / len(g["items"]),
                       "anomaly_rate": sum(i["anomaly_count"] for i in g["items"])
                       / max(1, sum(i["record_count"] for i in g["items"])),
                   })
                   .sort_by("quality", reverse=True))
        tips = []
        for s in sources:
            if s["quality"] >= 0.9:
                tips.append(f"💡 {s['source']}: quality is excellent ({s['quality']:.3f}); "
                            "apply its patterns to the other sources.")
            elif s["quality"] < minimum:
                tips.append(f"🚨 {s['source']}: average quality {s['quality']:.3f} is below {minimum}; "
                            "fix the producer before the data is used.")
            if s["anomaly_rate"] > ANOMALY_RATE_HIGH:
                tips.append(f"⚠️ {s['source']}: anomalies are frequent ({s['anomaly_rate']:.1%} of records); "
                            "check the data source.")
        slowest = max(m["performance_metrics"]["batch_processing_time"] for m in daily_metrics)
        peak_memory = max(m["performance_metrics"]["total_memory_usage"] for m in daily_metrics)
        if slowest <= self.alert_thresholds["processing_time_max"] and \
                peak_memory <= self.alert_thresholds["memory_usage_max"]:
            tips.append("🚀 Overall processing performance is good; keep the current settings.")
        else:
            tips.append(f"🐢 Processing is near its limits (slowest batch {slowest:.1f}s, "
                        f"peak memory {peak_memory:.0f} MB); review batch sizes and resources.")
        return tips

    # ========== measurements and handlers ==========

    def _measure_record_processing_time(self, record: Dict) -> float:
        """Seconds to serialise the record to JSON (the per-record work of this pipeline)."""
        start = time.perf_counter()
        json.dumps(record, default=str)
        return time.perf_counter() - start

    def _measure_memory_usage(self) -> float:
        """Resident memory of this process, in MB."""
        return self._process.memory_info().rss / (1024 * 1024)

    def _measure_cpu_usage(self) -> float:
        """CPU use of this process (percent) since the previous call."""
        return self._process.cpu_percent(interval=None)

    async def _handle_critical_alert(self, alert_data: Dict) -> Dict:
        """Escalate: a structured CRITICAL log entry naming the worst findings, kept in ``critical_alerts``."""
        critical = [i for i in alert_data.get("quality_issues", []) if i.get("severity") == "critical"]
        top_anomalies = [a for a in alert_data.get("anomalies", []) if a.get("anomaly_score", 0) > 0.9]
        entry = create_log_entry(
            "critical", f"critical alert for batch {alert_data['batch_id']}", logger=self.logger,
            batch_id=alert_data["batch_id"], alert_number=self.alert_count,
            critical_issues=[i.get("message") for i in critical[:5]],
            top_anomalies=[{"record_id": a.get("record_id"), "pattern": a.get("pattern"),
                            "anomaly_score": a.get("anomaly_score")} for a in top_anomalies[:5]],
        )
        self.critical_alerts.append(entry)
        return entry

    async def _handle_processing_error(self, batch: Any, error: Exception) -> Dict:
        """Record a failed batch as a structured ERROR log entry in ``processing_errors``."""
        entry = create_log_entry(
            "error", f"batch {batch.id} could not be processed", logger=self.logger,
            batch_id=batch.id, source=batch.source, record_count=len(batch.records), error=error,
        )
        self.processing_errors.append(entry)
        return entry
