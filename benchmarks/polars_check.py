"""Baseline: Polars computing every rule's violation count of ``rulesets/pipeline-events.yaml`` by hand.

Polars has no type-preserving per-field JSON access for a column of mixed types (``json_decode`` wants
one schema and fails on a malformed line), so this reads raw lines and uses ``json_path_match`` for
values, which returns strings whatever the JSON type. JSON types are then told apart by looking at
the raw text (``"value":"`` means a string value), which is exact for the generator's compact lines
but not for JSON in general: the usual price of a hand-written check. Prints
``{"records_total": ..., "violations": {...}}`` for ``run_check.py``.

Usage::

    python benchmarks/polars_check.py benchmarks/data/events-1m.jsonl 2026-01-15T12:00:00Z
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone

import polars as pl


def check(path: str, ref_time: str) -> dict:
    ref = datetime.fromisoformat(ref_time.replace("Z", "+00:00")).astimezone(timezone.utc)
    oldest = (ref - timedelta(hours=1)).replace(tzinfo=None)
    raw = pl.col("raw")
    lines = pl.scan_csv(path, has_header=False, separator="\x01", quote_char=None, schema={"raw": pl.String})
    lines = lines.filter(raw.str.strip_chars() != "")
    parsed = lines.with_columns(raw.str.json_path_match("$").is_not_null().alias("valid"),
                                raw.str.starts_with("{").alias("object"))
    records = parsed.filter(pl.col("valid") & pl.col("object")).select(
        raw,
        raw.str.json_path_match("$.id").alias("id"),
        raw.str.json_path_match("$.timestamp").alias("ts"),
        raw.str.json_path_match("$.data").alias("data"),
        raw.str.json_path_match("$.data.value").alias("v"),
        raw.str.json_path_match("$.data.status").alias("status"),
        raw.str.json_path_match("$.user_id").alias("user"),
        raw.str.json_path_match("$.session_id").alias("session"),
    ).with_columns(
        raw.str.contains('"id":"', literal=True).alias("id_is_string"),
        raw.str.contains('"value":"', literal=True).alias("v_is_string"),
        pl.col("ts").str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False).alias("ts_at"),
        pl.col("v").cast(pl.Float64, strict=False).alias("v_number"),
    )
    v_present, ts_present = pl.col("v").is_not_null(), pl.col("ts").is_not_null()
    v_integer = v_present & ~pl.col("v_is_string") & pl.col("v").str.contains(r"^-?\d+$")
    counts = records.select(
        pl.len().alias("checked"),
        (pl.col("id").is_not_null() & ~pl.col("id_is_string")).sum().alias("id.type"),
        pl.col("id").is_null().sum().alias("id.required"),
        (pl.col("id").filter(pl.col("id_is_string")).len()
         - pl.col("id").filter(pl.col("id_is_string")).n_unique()).alias("id.unique"),
        (pl.col("id").is_not_null() & ~pl.col("id").str.contains(r"^[a-z_]+_\d+_\d+$")).sum().alias("id.pattern"),
        (ts_present & pl.col("ts_at").is_null()).sum().alias("timestamp.type"),
        (~ts_present).sum().alias("timestamp.required"),
        (ts_present & (pl.col("ts_at").is_null() | (pl.col("ts_at") < oldest))).sum().alias("timestamp.max_age"),
        (pl.col("data").is_not_null() & ~pl.col("data").str.starts_with("{")).sum().alias("data.type"),
        pl.col("data").is_null().sum().alias("data.required"),
        (v_present & ~v_integer).sum().alias("data.value.type"),
        (~v_present).sum().alias("data.value.required"),
        (v_present & (pl.col("v_is_string") | ~pl.col("v_number").is_between(1, 1000).fill_null(False)))
        .sum().alias("data.value.range"),
        pl.lit(0).alias("data.status.type"),
        (pl.col("status").is_not_null() & ~pl.col("status").is_in(["active", "inactive"])).sum().alias("data.status.in"),
        pl.lit(0).alias("user_id.type"),
        (pl.col("user").is_not_null() & ~pl.col("user").str.contains(r"^user_\d+$")).sum().alias("user_id.pattern"),
        pl.lit(0).alias("session_id.type"),
        pl.col("v_number").filter(v_present & ~pl.col("v_is_string")).mean().alias("mean"),
        pl.col("user").is_null().sum().alias("user_nulls"),
    )
    total = parsed.select(pl.len().alias("total"), (~(pl.col("valid") & pl.col("object"))).sum().alias("bad"))
    row = counts.collect().row(0, named=True)
    totals = total.collect().row(0, named=True)
    checked = row.pop("checked")
    mean = row.pop("mean")
    nulls = row.pop("user_nulls")
    violations = {"parse": totals["bad"], **{k: int(v) for k, v in row.items()}}
    violations["batch-not-empty"] = int(checked < 1)
    violations["value-mean-plausible"] = int(mean is not None and not 100 <= mean <= 900)
    violations["user-id-mostly-present"] = int(checked > 0 and nulls / checked > 0.05)
    return {"records_total": totals["total"], "records_malformed": totals["bad"], "violations": violations}


if __name__ == "__main__":
    print(json.dumps(check(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "2026-01-15T12:00:00Z")))
