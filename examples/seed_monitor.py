"""The seed's DataPipelineMonitor (docs: data-pipeline-monitoring-example.md) ported to ``rfsrules.hof``.

Same structure, thresholds and defaults as the seed: quality metrics = mean of completeness, consistency,
accuracy and timeliness; anomaly base scores 0.9/0.8/0.7/0.6/0.8/0.7 (x1.2 for ``critical_field``,
capped at 1); anomalies kept when their score is above 0.7; the seed's alert severity policy. The methods
the seed writes are here; the helpers it calls but leaves undefined are implemented in
``seed_monitor_helpers.py`` (the ``SeedHelpers`` mixin). The simulation is deterministic (``seed``) and
finite (``batches``): ``python examples/seed_monitor.py --batches 5 --interval 0 --seed 1``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, AsyncGenerator, Callable, Dict, List, Optional

from rfsrules.hof import (
    Failure, Result, Success, apply_rules_to, custom_check, extract_from, range_check, required, scan_data_for,
    validate_config,
)

from seed_monitor_helpers import (  # the sibling module; python puts examples/ on sys.path for this script
    ANOMALY_BASE_SCORES, REQUIRED_FIELDS, SeedHelpers, is_number, parse_timestamp, utc_now,
)


class DataQuality(Enum):
    """Data quality level."""

    EXCELLENT = "excellent"
    GOOD = "good"
    ACCEPTABLE = "acceptable"
    POOR = "poor"
    CRITICAL = "critical"


@dataclass
class DataBatch:
    """A batch of records from one source."""

    id: str
    timestamp: datetime
    source: str
    records: List[Dict[str, Any]]
    metadata: Dict[str, Any]

    def __len__(self) -> int:
        return len(self.records)


@dataclass
class QualityMetrics:
    """Quality metrics (each 0..1)."""

    completeness: float
    consistency: float
    accuracy: float
    timeliness: float

    @property
    def overall_score(self) -> float:
        """Overall quality score: the unweighted mean of the four dimensions."""
        return (self.completeness + self.consistency + self.accuracy + self.timeliness) / 4

    @property
    def quality_level(self) -> DataQuality:
        """Quality level by the seed's cut-offs."""
        score = self.overall_score
        if score >= 0.9:
            return DataQuality.EXCELLENT
        elif score >= 0.8:
            return DataQuality.GOOD
        elif score >= 0.7:
            return DataQuality.ACCEPTABLE
        elif score >= 0.5:
            return DataQuality.POOR
        return DataQuality.CRITICAL


class DataPipelineMonitor(SeedHelpers):
    """Data pipeline monitoring system."""

    def __init__(self, clock: Callable[[], datetime] = utc_now, configure_logging: bool = False):
        super().__init__()
        self.clock = clock
        self.setup_logging(configure_logging)
        self.quality_rules = self._load_quality_rules()
        self.anomaly_patterns = self._load_anomaly_patterns()
        self.alert_thresholds = self._load_alert_thresholds()
        self.metrics_history: List[Dict[str, Any]] = []
        self.alert_count = 0
        self.alerts: List[Dict[str, Any]] = []
        self.batch_count = 0

    def setup_logging(self, configure: bool = False) -> None:
        """Logging setup (``basicConfig`` only when asked: a library must not configure the root logger)."""
        if configure:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s - %(name)s - %(levelname)s - %(message)s")
        self.logger = logging.getLogger("seed_monitor")

    async def monitor_data_stream(self, data_stream: AsyncGenerator[DataBatch, None]) -> int:
        """Monitor a stream of batches; returns the number of batches seen."""
        self.logger.info("🚀 Starting data pipeline monitoring...")
        async for batch in data_stream:
            self.batch_count += 1
            self.logger.info(f"📦 Processing batch #{self.batch_count} (ID: {batch.id})")
            try:
                quality_issues = await self._check_data_quality(batch)
                anomalies = await self._detect_anomalies(batch)
                performance_metrics = await self._collect_performance_metrics(batch)
                processing_status = await self._check_processing_status(batch)
                if quality_issues or anomalies:
                    await self._send_alerts({
                        "batch_id": batch.id, "timestamp": batch.timestamp, "quality_issues": quality_issues,
                        "anomalies": anomalies, "performance_metrics": performance_metrics,
                        "processing_status": processing_status,
                    })
                await self._store_metrics(batch, {
                    "quality_issues": quality_issues, "anomalies": anomalies,
                    "performance_metrics": performance_metrics, "processing_status": processing_status,
                })
                self.logger.info(f"✅ Batch #{self.batch_count} done")
            except Exception as e:  # the seed keeps monitoring after a failed batch
                self.logger.error(f"❌ Batch processing error: {e}")
                await self._handle_processing_error(batch, e)
        return self.batch_count

    async def _check_data_quality(self, batch: DataBatch) -> List[Any]:
        """Quality rules (high and critical violations) plus the quality-score threshold."""
        quality_violations = (apply_rules_to(batch.records)
                              .using(self.quality_rules, per="batch")
                              .with_context({"batch_id": batch.id, "source": batch.source,
                                             "record_count": len(batch.records), "timestamp": batch.timestamp})
                              .collect_violations()
                              .filter_by(lambda v: v.severity in ["high", "critical"]))
        metrics = self._calculate_quality_metrics(batch.records)
        threshold_violations = []
        if metrics.overall_score < self.alert_thresholds["quality_score_min"]:
            threshold_violations.append({
                "type": "quality_threshold", "metric": "overall_score", "value": metrics.overall_score,
                "threshold": self.alert_thresholds["quality_score_min"],
                "severity": "high" if metrics.overall_score < 0.5 else "medium",
            })
        all_issues = quality_violations.collect() + threshold_violations
        if all_issues:
            self.logger.warning(f"⚠️ {len(all_issues)} quality issue(s) found (batch: {batch.id})")
        return all_issues

    async def _detect_anomalies(self, batch: DataBatch) -> List[Dict]:
        """Scan the records for the six anomaly patterns; keep scores above 0.7, highest first."""
        if self._baseline_n == 0:
            self._update_baseline(batch.records)  # first batch: it is its own baseline
        anomalies = (scan_data_for(self.anomaly_patterns)
                     .in_data(batch.records)
                     .extract(lambda record, pattern_name: {
                         "batch_id": batch.id,
                         "record_id": record.get("id", "unknown"),
                         "pattern": pattern_name,
                         "anomaly_score": self._calculate_anomaly_score(record, pattern_name),
                         "timestamp": record.get("timestamp", batch.timestamp),
                         "details": self._get_anomaly_details(record, pattern_name),
                         "severity": self._get_anomaly_severity(pattern_name),
                     })
                     .filter_by(lambda item: item["anomaly_score"] > 0.7)
                     .sort_by(lambda item: item["anomaly_score"], reverse=True))
        detected_anomalies = anomalies.collect()
        self._update_baseline(batch.records)
        if detected_anomalies:
            self.logger.warning(f"🚨 {len(detected_anomalies)} anomaly pattern(s) detected (batch: {batch.id})")
        return detected_anomalies

    async def _collect_performance_metrics(self, batch: DataBatch) -> Dict:
        """Per-record processing time, memory, CPU and size, summarised for the batch."""
        processing_start = time.perf_counter()
        metrics = (extract_from(batch.records)
                   .transform_to(lambda record: {
                       "processing_time": self._measure_record_processing_time(record),
                       "memory_usage": self._measure_memory_usage(),
                       "cpu_usage": self._measure_cpu_usage(),
                       "record_size": len(str(record)) if record else 0,
                   })
                   .collect())
        batch_processing_time = time.perf_counter() - processing_start
        total_size = sum(m["record_size"] for m in metrics)
        return {
            "batch_processing_time": batch_processing_time,
            "records_per_second": len(batch.records) / batch_processing_time if batch_processing_time > 0 else 0,
            "average_record_processing_time":
                sum(m["processing_time"] for m in metrics) / len(metrics) if metrics else 0,
            "total_memory_usage": max(m["memory_usage"] for m in metrics) if metrics else 0,
            "average_cpu_usage": sum(m["cpu_usage"] for m in metrics) / len(metrics) if metrics else 0,
            "total_data_size": total_size,
            "throughput_mb_per_sec":
                total_size / (1024 * 1024) / batch_processing_time if batch_processing_time > 0 else 0,
        }

    async def _check_processing_status(self, batch: DataBatch) -> Dict:
        """Validate the batch metadata and compute the completion rate."""
        metadata_validation: Result = validate_config(batch.metadata).against_rules([
            required("source_system", "source system is required"),
            required("pipeline_stage", "pipeline stage is required"),
            custom_check("data_freshness",
                         lambda x: (self.clock() - parse_timestamp(x)).total_seconds() < 3600,
                         "data is more than 1 hour old"),
            range_check("expected_records", 1, 1000000, "expected record count out of range"),
        ])
        expected = batch.metadata.get("expected_records")
        status = {
            "batch_id": batch.id,
            "processing_timestamp": self.clock(),
            "metadata_valid": metadata_validation.is_success(),
            "record_count": len(batch.records),
            "expected_count": batch.metadata.get("expected_records", len(batch.records)),
            "completion_rate": len(batch.records) / expected if is_number(expected) and expected else 1.0,
            "processing_stage": batch.metadata.get("pipeline_stage", "unknown"),
        }
        match metadata_validation:
            case Failure(errors):
                status["metadata_errors"] = errors
            case Success():
                pass
        return status

    async def _send_alerts(self, alert_data: Dict) -> None:
        """Raise an alert (logged here; e-mail, Slack or SMS in a real deployment)."""
        self.alert_count += 1
        severity = self._determine_alert_severity(alert_data)
        alert_message = self._generate_alert_message(alert_data, severity)
        self.alerts.append({"number": self.alert_count, "batch_id": alert_data["batch_id"],
                            "severity": severity, "message": alert_message})
        self.logger.warning(f"🚨 Alert #{self.alert_count} [{severity.upper()}]: {alert_message}")
        if severity == "critical":
            await self._handle_critical_alert(alert_data)

    async def _store_metrics(self, batch: DataBatch, monitoring_results: Dict) -> None:
        """Append the batch's metrics to the history (bounded: keep the last 800 when above 1000)."""
        self.metrics_history.append({
            "timestamp": self.clock(),
            "batch_id": batch.id,
            "source": batch.source,
            "record_count": len(batch.records),
            "quality_score": self._calculate_quality_metrics(batch.records).overall_score,
            "anomaly_count": len(monitoring_results["anomalies"]),
            "quality_issues_count": len(monitoring_results["quality_issues"]),
            "performance_metrics": monitoring_results["performance_metrics"],
            "processing_status": monitoring_results["processing_status"],
        })
        if len(self.metrics_history) > 1000:
            self.metrics_history = self.metrics_history[-800:]

    async def generate_daily_report(self, date: str) -> Dict:
        """The daily report: totals, one entry per source (best average quality first), recommendations."""
        self.logger.info(f"📊 Generating the daily report for {date}...")
        daily_metrics = [m for m in self.metrics_history if m["timestamp"].strftime("%Y-%m-%d") == date]
        if not daily_metrics:
            return {"error": f"no data for {date}"}
        report = (extract_from(daily_metrics)
                  .group_by(lambda metric: metric["source"])
                  .transform_to(lambda group: {
                      "source": group["key"],
                      "total_batches": len(group["items"]),
                      "total_records": sum(item["record_count"] for item in group["items"]),
                      "average_quality_score":
                          sum(item["quality_score"] for item in group["items"]) / len(group["items"]),
                      "total_anomalies": sum(item["anomaly_count"] for item in group["items"]),
                      "total_quality_issues": sum(item["quality_issues_count"] for item in group["items"]),
                      "average_processing_time": sum(
                          item["performance_metrics"]["batch_processing_time"] for item in group["items"]
                      ) / len(group["items"]),
                      "peak_records_per_second": max(
                          item["performance_metrics"]["records_per_second"] for item in group["items"]),
                      "data_quality_trend": self._calculate_quality_trend(group["items"]),
                  })
                  .sort_by(lambda item: item["average_quality_score"], reverse=True))
        summary = {
            "date": date,
            "total_batches": len(daily_metrics),
            "total_records": sum(m["record_count"] for m in daily_metrics),
            "average_quality_score": sum(m["quality_score"] for m in daily_metrics) / len(daily_metrics),
            "total_alerts": self.alert_count,
            "sources": report.collect(),
            "recommendations": self._generate_daily_recommendations(daily_metrics),
        }
        self.logger.info(f"✅ Daily report for {date} done")
        return summary

    # ========== helper methods (the ones the seed leaves undefined are in seed_monitor_helpers) ==========

    def _load_quality_rules(self) -> List:
        """Quality rules: batch callables returning violation dicts."""
        return [
            lambda records: self._check_required_fields(records),
            lambda records: self._check_data_type_consistency(records),
            lambda records: self._check_value_ranges(records),
            lambda records: self._check_duplicate_records(records),
            lambda records: self._check_data_freshness(records),
        ]

    def _load_anomaly_patterns(self) -> Dict:
        """Anomaly patterns: per-record predicates."""
        return {
            "unexpected_spike": lambda record: self._detect_spike_anomaly(record),
            "missing_data": lambda record: self._detect_missing_data_anomaly(record),
            "format_inconsistency": lambda record: self._detect_format_anomaly(record),
            "unusual_timing": lambda record: self._detect_timing_anomaly(record),
            "data_drift": lambda record: self._detect_data_drift_anomaly(record),
            "outlier_values": lambda record: self._detect_outlier_anomaly(record),
        }

    def _load_alert_thresholds(self) -> Dict:
        """Alert thresholds (seed defaults)."""
        return {
            "quality_score_min": 0.7,
            "anomaly_score_max": 0.8,
            "processing_time_max": 30.0,  # seconds
            "memory_usage_max": 512,  # MB
            "error_rate_max": 0.05,  # 5%
        }

    def _calculate_anomaly_score(self, record: Dict, pattern_name: str) -> float:
        """Anomaly score: the pattern's base score, x1.2 for records with ``critical_field``, capped at 1."""
        base_score = ANOMALY_BASE_SCORES.get(pattern_name, 0.5)
        if record.get("critical_field"):
            base_score *= 1.2
        return min(base_score, 1.0)

    def _calculate_quality_metrics(self, records: List[Dict]) -> QualityMetrics:
        """Quality metrics: the share of records failing no rule of each dimension."""
        if not records:
            return QualityMetrics(0, 0, 0, 0)
        completeness = sum(
            1 for record in records
            if all(field in record and record[field] is not None for field in REQUIRED_FIELDS)
        ) / len(records)
        consistency = self._calculate_consistency_score(records)
        accuracy = self._calculate_accuracy_score(records)
        timeliness = self._calculate_timeliness_score(records)
        return QualityMetrics(completeness, consistency, accuracy, timeliness)

    def _determine_alert_severity(self, alert_data: Dict) -> str:
        """Alert severity (seed policy)."""
        quality_issues = alert_data.get("quality_issues", [])
        anomalies = alert_data.get("anomalies", [])
        if any(issue.get("severity") == "critical" for issue in quality_issues):
            return "critical"
        if any(anomaly.get("anomaly_score", 0) > 0.9 for anomaly in anomalies):
            return "critical"
        if len(quality_issues) + len(anomalies) > 10:
            return "high"
        if any(issue.get("severity") == "high" for issue in quality_issues):
            return "high"
        return "medium"

    def _generate_alert_message(self, alert_data: Dict, severity: str) -> str:
        """Alert text."""
        quality_count = len(alert_data.get("quality_issues", []))
        anomaly_count = len(alert_data.get("anomalies", []))
        parts = []
        if quality_count > 0:
            parts.append(f"{quality_count} quality issue(s)")
        if anomaly_count > 0:
            parts.append(f"{anomaly_count} anomaly pattern(s)")
        return f"batch {alert_data['batch_id']}: {', '.join(parts)} found"


async def simulate_data_stream(batches: Optional[int] = None, interval: float = 2.0, seed: Optional[int] = None,
                               clock: Callable[[], datetime] = utc_now) -> AsyncGenerator[DataBatch, None]:
    """Simulated batches (endless when ``batches`` is None): 50-500 records, ~10% of them problematic.

    A problem record either lacks ``timestamp`` or has ``data.value == -999`` (even odds), as in the seed.
    """
    rng = random.Random(seed)
    sources = ["user_events", "transaction_logs", "system_metrics", "api_calls"]
    batch_id = 1
    while batches is None or batch_id <= batches:
        source = rng.choice(sources)
        record_count = rng.randint(50, 500)
        records = []
        for i in range(record_count):
            record = {
                "id": f"{source}_{batch_id}_{i}",
                "timestamp": clock().isoformat(),
                "data": {"value": rng.randint(1, 1000), "status": "active"},
                "user_id": f"user_{rng.randint(1, 10000)}",
                "session_id": f"session_{rng.randint(1, 1000)}",
            }
            if rng.random() < 0.1:
                if rng.random() < 0.5:
                    del record["timestamp"]
                else:
                    record["data"]["value"] = -999
            records.append(record)
        yield DataBatch(
            id=f"batch_{batch_id}", timestamp=clock(), source=source, records=records,
            metadata={"source_system": source, "pipeline_stage": "ingestion", "expected_records": record_count,
                      "data_freshness": clock().isoformat()},
        )
        batch_id += 1
        if interval:
            await asyncio.sleep(interval)


async def run_monitoring(batches: int = 5, interval: float = 0, seed: int = 1,
                         clock: Callable[[], datetime] = utc_now,
                         configure_logging: bool = False) -> "tuple[DataPipelineMonitor, Dict]":
    """Monitor ``batches`` simulated batches, then build today's report; returns (monitor, report)."""
    monitor = DataPipelineMonitor(clock=clock, configure_logging=configure_logging)
    await monitor.monitor_data_stream(simulate_data_stream(batches, interval, seed, clock))
    report = await monitor.generate_daily_report(clock().strftime("%Y-%m-%d"))
    return monitor, report


def main(batches: int = 5, interval: float = 0, seed: int = 1, *, configure_logging: bool = False,
         out: Any = None) -> Dict:
    """Run the simulation, print the daily report JSON and the final summary; returns the report."""
    out = out or sys.stdout
    monitor, report = asyncio.run(run_monitoring(batches, interval, seed, configure_logging=configure_logging))
    print("=" * 80, file=out)
    print("📊 rfsrules data pipeline daily report", file=out)
    print("=" * 80, file=out)
    print(json.dumps(report, indent=2, ensure_ascii=False, default=str), file=out)
    if "error" not in report:
        print("\n📈 Final summary:", file=out)
        print(f"  • batches processed: {report['total_batches']}", file=out)
        print(f"  • total records: {report['total_records']:,}", file=out)
        print(f"  • average quality score: {report['average_quality_score']:.3f}", file=out)
        print(f"  • total alerts: {report['total_alerts']}", file=out)
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--interval", type=float, default=0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    main(args.batches, args.interval, args.seed, configure_logging=True)
