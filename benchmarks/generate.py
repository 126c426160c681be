"""Seeded generator of seed-like pipeline events with injected problems, plus the exact expected violation counts.

Records look like the seed's ``simulate_data_stream()``: ``id`` = ``<source>_<batch>_<i>``, an ISO
timestamp (microseconds, naive = UTC, within the hour before the reference time), ``data`` =
``{"value": 1..1000, "status": "active"}``, ``user_id`` and ``session_id``. A share ``--bad`` of the
records carries exactly one problem, drawn from: missing timestamp, value -999 (both from the seed),
duplicate id, string-typed value ("12"), malformed id, status outside the set, stale timestamp and
malformed JSON. Because every bad record has exactly one problem and duplicates copy the id of an
earlier good record, the generator knows the exact count each rule of ``rulesets/pipeline-events.yaml``
must report; it writes them beside the data as ``<name>.expected.json``.

The benchmark sizes are 100k, 1M and 10M rows (``events-100k.jsonl``, ``events-1m.jsonl``,
``events-10m.jsonl``, about 15 MiB, 151 MiB and 1.5 GiB).

Usage::

    python benchmarks/generate.py --rows 1000000 --bad 0.1 --seed 42 --out benchmarks/data/events-1m.jsonl
    python benchmarks/generate.py --rows 10000000          # benchmarks/data/events-10m.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

REF_TIME = "2026-01-15T12:00:00Z"
SOURCES = ("user_events", "transaction_logs", "system_metrics", "api_calls")
PROBLEMS = {
    # kind: (relative weight, {rule id: violations per injected record})
    "missing_timestamp": (3, {"timestamp.required": 1}),
    "value_minus_999": (3, {"data.value.range": 1}),
    "duplicate_id": (1, {"id.unique": 1}),
    "string_value": (1, {"data.value.type": 1, "data.value.range": 1}),
    "malformed_id": (1, {"id.pattern": 1}),
    "bad_status": (1, {"data.status.in": 1}),
    "stale_timestamp": (1, {"timestamp.max_age": 1}),
    "malformed_json": (0.2, {"parse": 1}),
}
RULE_IDS = (
    "parse", "id.type", "id.required", "id.unique", "id.pattern", "timestamp.type", "timestamp.required",
    "timestamp.max_age", "data.type", "data.required", "data.value.type", "data.value.required",
    "data.value.range", "data.status.type", "data.status.in", "user_id.type", "user_id.pattern",
    "session_id.type", "batch-not-empty", "value-mean-plausible", "user-id-mostly-present",
)


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds")


def generate(rows: int, bad: float, seed: int, out: Path, ref_time: str = REF_TIME) -> dict:
    """Write ``rows`` JSON lines to ``out`` and return the expectation document (also written)."""
    rng = random.Random(seed)
    ref = datetime.fromisoformat(ref_time.replace("Z", "+00:00")).astimezone(timezone.utc)
    kinds = list(PROBLEMS)
    weights = [PROBLEMS[k][0] for k in kinds]
    expected = {rule_id: 0 for rule_id in RULE_IDS}
    injected = {k: 0 for k in kinds}
    good_ids: list[str] = []
    malformed = 0
    batch, left_in_batch, source = 0, 0, SOURCES[0]
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for i in range(rows):
            if left_in_batch == 0:
                batch += 1
                source = rng.choice(SOURCES)
                left_in_batch = rng.randint(50, 500)
                position = 0
            left_in_batch -= 1
            record = {
                "id": f"{source}_{batch}_{position}",
                "timestamp": _iso(ref - timedelta(seconds=rng.uniform(1, 3000))),
                "data": {"value": rng.randint(1, 1000), "status": "active"},
                "user_id": f"user_{rng.randint(1, 10000)}",
                "session_id": f"session_{rng.randint(1, 1000)}",
            }
            position += 1
            kind = rng.choices(kinds, weights)[0] if rng.random() < bad else None
            if kind == "duplicate_id" and not good_ids:
                kind = None
            if kind is None:
                good_ids.append(record["id"])
            else:
                injected[kind] += 1
                for rule_id, n in PROBLEMS[kind][1].items():
                    expected[rule_id] += n
            if kind == "missing_timestamp":
                del record["timestamp"]
            elif kind == "value_minus_999":
                record["data"]["value"] = -999
            elif kind == "duplicate_id":
                record["id"] = rng.choice(good_ids)
            elif kind == "string_value":
                record["data"]["value"] = str(record["data"]["value"])
            elif kind == "malformed_id":
                record["id"] = f"BAD-ID-{i}"
            elif kind == "bad_status":
                record["data"]["status"] = rng.choice(("pending", "ACTIVE", "unknown"))
            elif kind == "stale_timestamp":
                record["timestamp"] = _iso(ref - timedelta(seconds=rng.uniform(7200, 86400)))
            if kind == "malformed_json":
                malformed += 1
                fh.write(json.dumps(record, separators=(",", ":"))[:-7] + "\n")
            else:
                fh.write(json.dumps(record, separators=(",", ":")) + "\n")
    doc = {
        "ruleset": "rulesets/pipeline-events.yaml",
        "data": out.name,
        "rows": rows,
        "bad": bad,
        "seed": seed,
        "ref_time": ref_time,
        "records_total": rows,
        "records_malformed": malformed,
        "records_checked": rows - malformed,
        "injected": injected,
        "violations": expected,
    }
    expected_path = out.with_name(out.name.split(".")[0] + ".expected.json")
    expected_path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return doc


def expected_path_for(data: Path) -> Path:
    """Where :func:`generate` wrote the expectations of ``data``."""
    return data.with_name(data.name.split(".")[0] + ".expected.json")


def data_path_for(rows: int) -> Path:
    """The conventional data file of a size: ``events-100k.jsonl``, ``events-1m.jsonl``, ``events-10m.jsonl``."""
    if rows % 1_000_000 == 0:
        label = f"{rows // 1_000_000}m"
    elif rows % 1000 == 0:
        label = f"{rows // 1000}k"
    else:
        label = str(rows)
    return Path(__file__).resolve().parent / "data" / f"events-{label}.jsonl"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bad", type=float, default=0.1, help="share of records with one injected problem")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--ref-time", default=REF_TIME)
    parser.add_argument("--out", type=Path, help="default: benchmarks/data/events-<size>.jsonl")
    args = parser.parse_args(argv)
    args.out = args.out or data_path_for(args.rows)
    doc = generate(args.rows, args.bad, args.seed, args.out, args.ref_time)
    print(json.dumps({"out": str(args.out), "records_malformed": doc["records_malformed"],
                      "injected": doc["injected"]}, indent=2))


if __name__ == "__main__":
    main()
