"""Seeded generator of the committed sample data: pipeline event batches (clean and with problems) and orders.

Run ``python examples/make_samples.py`` from the repository root to rewrite the files in ``examples/``;
the output is byte-for-byte reproducible (fixed seed and reference time, no clock reads).

Event batches follow the seed's simulator (``simulate_data_stream``): sources user_events,
transaction_logs, system_metrics and api_calls; ids ``<source>_<batch>_<i>``; ISO timestamps; ``data``
``{value: 1..1000, status: active}``; ``user_id``; ``session_id``. The problem batch injects exactly
what ``PROBLEMS`` lists, so its expected violations are known (listed in docs/cli.md, "Sample data").
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

REF_TIME = datetime(2026, 1, 15, 12, 0, 0, tzinfo=timezone.utc)
"""The reference time the samples are built around (``--ref-time 2026-01-15T12:00:00Z``)."""
SOURCES = ("user_events", "transaction_logs", "system_metrics", "api_calls")
EVENTS_PER_BATCH = 200

PROBLEMS = {
    "missing_timestamp": 10,  # the seed's "required field missing"
    "value_minus_999": 10,    # the seed's "abnormal value"
    "duplicate_id": 2,        # an id repeating an earlier record's id
    "string_value": 1,        # data.value written as a string ("68")
    "malformed_json": 1,      # a truncated JSON line
}
"""What the problem batch contains, each on a distinct record (20 + 4 of 200 records)."""

ORDER_STATUSES = ("pending", "paid", "shipped", "delivered", "cancelled", "refunded")
ORDER_COUNT = 40
ORDER_PROBLEMS = {
    7: "bad_email",
    13: "unknown_status",
    21: "lowercase_currency",
    26: "total_mismatch",
    31: "zero_quantity",
    35: "address_without_postal_code",
}
"""Order index -> the one contract violation injected into that order."""


def iso(moment: datetime) -> str:
    """``2026-01-15T11:02:03Z`` (whole seconds, UTC)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_event(rng: random.Random, source: str, batch: int, i: int, moment: datetime) -> dict:
    """One well-formed event like the seed's simulator produces."""
    return {
        "id": f"{source}_{batch}_{i}",
        "timestamp": iso(moment),
        "data": {"value": rng.randint(1, 1000), "status": "active"},
        "user_id": f"user_{rng.randint(1, 10000)}",
        "session_id": f"session_{rng.randint(1, 1000)}",
    }


def event_times(count: int) -> list[datetime]:
    """Evenly spread over the hour before REF_TIME (from 59 minutes to 1 minute before it)."""
    start = REF_TIME - timedelta(minutes=59)
    step = timedelta(minutes=58) / max(count - 1, 1)
    return [start + step * i for i in range(count)]


def clean_batch(rng: random.Random) -> list[str]:
    """JSON lines of a batch with no problem at all."""
    times = event_times(EVENTS_PER_BATCH)
    return [json.dumps(make_event(rng, "user_events", 7, i, times[i])) for i in range(EVENTS_PER_BATCH)]


def problem_batch(rng: random.Random) -> tuple[list[str], dict[str, list[int]]]:
    """JSON lines with the problems of PROBLEMS injected; also returns the 1-based lines of each problem."""
    times = event_times(EVENTS_PER_BATCH)
    records = [make_event(rng, "transaction_logs", 8, i, times[i]) for i in range(EVENTS_PER_BATCH)]
    chosen = rng.sample(range(5, EVENTS_PER_BATCH), sum(PROBLEMS.values()))
    where: dict[str, list[int]] = {}
    pos = 0
    for kind, count in PROBLEMS.items():
        where[kind] = sorted(chosen[pos:pos + count])
        pos += count
    for i in where["missing_timestamp"]:
        del records[i]["timestamp"]
    for i in where["value_minus_999"]:
        records[i]["data"]["value"] = -999
    for i in where["duplicate_id"]:
        original = next(j for j in range(i - 1, -1, -1) if j not in chosen)
        records[i]["id"] = records[original]["id"]
    for i in where["string_value"]:
        records[i]["data"]["value"] = str(records[i]["data"]["value"])
    lines = [json.dumps(r) for r in records]
    for i in where["malformed_json"]:
        lines[i] = lines[i][: len(lines[i]) // 2]
    return lines, {kind: [i + 1 for i in idx] for kind, idx in where.items()}


def batch_metadata(source: str, expected: int, freshness: datetime) -> dict:
    """The seed's batch metadata mapping."""
    return {
        "source_system": source,
        "pipeline_stage": "ingestion",
        "expected_records": expected,
        "data_freshness": iso(freshness),
    }


def make_orders(rng: random.Random) -> list[dict]:
    """ORDER_COUNT orders for rulesets/orders-contract.yaml, with the violations of ORDER_PROBLEMS."""
    orders = []
    first = REF_TIME - timedelta(hours=23)
    for n in range(ORDER_COUNT):
        items = []
        for _ in range(rng.randint(1, 3)):
            items.append({
                "sku": f"SKU-{rng.randint(0, 999999):06d}",
                "quantity": rng.randint(1, 5),
                "unit_price": round(rng.uniform(2, 120), 2),
            })
        subtotal = round(sum(i["quantity"] * i["unit_price"] for i in items), 2)
        tax = round(subtotal * 0.2, 2)
        discount = round(rng.choice([0, 0, 0, 5, 10]), 2) if subtotal > 20 else 0.0
        status = rng.choice(ORDER_STATUSES)
        order = {
            "order_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "customer_email": f"customer{rng.randint(1, 5000)}@example.com",
            "status": status,
            "currency": rng.choice(["EUR", "EUR", "USD", "GBP"]),
            "subtotal": subtotal,
            "tax": tax,
            "discount": discount,
            "total_amount": round(subtotal + tax - discount, 2),
            "items": items,
            "shipping_address": {
                "line1": f"{rng.randint(1, 200)} Market Street",
                "city": rng.choice(["Lyon", "Leeds", "Austin", "Porto"]),
                "postal_code": f"{rng.randint(10000, 99999)}",
                "country": rng.choice(["FR", "GB", "US", "PT"]),
            },
            "created_at": iso(first + timedelta(minutes=30 * n + rng.randint(0, 20))),
        }
        problem = ORDER_PROBLEMS.get(n)
        if problem == "bad_email":
            order["customer_email"] = "not-an-email"
        elif problem == "unknown_status":
            order["status"] = "lost"
        elif problem == "lowercase_currency":
            order["currency"] = "eur"
        elif problem == "total_mismatch":
            order["total_amount"] = round(order["total_amount"] + 10, 2)
        elif problem == "zero_quantity":
            order["items"][0]["quantity"] = 0
        elif problem == "address_without_postal_code":
            del order["shipping_address"]["postal_code"]
        orders.append(order)
    return orders


ORDER_CSV_COLUMNS = ("order_id", "customer_email", "status", "currency", "subtotal", "tax", "discount",
                     "total_amount", "created_at")


def orders_csv(orders: list[dict]) -> str:
    """The flat columns of the orders as CSV (nested items and address are not part of the CSV export)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ORDER_CSV_COLUMNS)
    for order in orders:
        writer.writerow([order[c] for c in ORDER_CSV_COLUMNS])
    return out.getvalue()


def write_all(directory: Path, seed: int = 20260115) -> dict[str, list[int]]:
    """Write every sample file into ``directory``; returns the problem batch's injected lines."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    clean = clean_batch(rng)
    (directory / "events-clean.jsonl").write_text("\n".join(clean) + "\n", encoding="utf-8")
    (directory / "events-clean.meta.json").write_text(json.dumps(
        batch_metadata("user_events", EVENTS_PER_BATCH, REF_TIME - timedelta(minutes=5)), indent=2) + "\n",
        encoding="utf-8")
    problems, where = problem_batch(rng)
    (directory / "events-problems.jsonl").write_text("\n".join(problems) + "\n", encoding="utf-8")
    (directory / "events-problems.meta.json").write_text(json.dumps(
        batch_metadata("transaction_logs", 220, REF_TIME - timedelta(minutes=2)), indent=2) + "\n",
        encoding="utf-8")
    orders = make_orders(rng)
    (directory / "orders.jsonl").write_text("".join(json.dumps(o) + "\n" for o in orders), encoding="utf-8")
    (directory / "orders.csv").write_text(orders_csv(orders), encoding="utf-8")
    return where


def main() -> None:
    """Command line: ``python examples/make_samples.py [--out DIR] [--seed N]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent), help="output directory")
    parser.add_argument("--seed", type=int, default=20260115, help="random seed")
    args = parser.parse_args()
    where = write_all(Path(args.out), args.seed)
    for kind, lines in where.items():
        print(f"{kind}: lines {', '.join(map(str, lines))}")


if __name__ == "__main__":
    main()
