"""Baseline: a straightforward hand-written per-record loop applying the rules of rulesets/pipeline-events.yaml.

It is what one would write without rfsrules (the seed's style): parse each line with orjson, then test
every field inline with ``isinstance``, stdlib ``re`` and ``datetime.fromisoformat``. It prints the
violation count per rule id so ``run_check.py`` can compare it with the generator's expectations.
It keeps no examples, no messages and no line numbers: a lower bound for the work, not a product.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone

import orjson

ID_PATTERN = re.compile(r"^[a-z_]+_\d+_\d+$")
USER_PATTERN = re.compile(r"^user_\d+$")
STATUSES = ("active", "inactive")


def is_timestamp(value) -> datetime | None:
    if not isinstance(value, str) or len(value) <= 10:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def check_record(rec: dict, c: Counter, state: dict, oldest: datetime) -> None:
    """The rules on one parsed record: counts go to ``c``, ids and batch sums to ``state``."""
    state["checked"] += 1
    rid = rec.get("id")
    if rid is None:
        c["id.required"] += 1
    else:
        if not isinstance(rid, str):
            c["id.type"] += 1
        elif not ID_PATTERN.search(rid):
            c["id.pattern"] += 1
        if rid in state["seen_ids"]:
            c["id.unique"] += 1
        else:
            state["seen_ids"].add(rid)
    ts = rec.get("timestamp")
    if ts is None:
        c["timestamp.required"] += 1
    else:
        moment = is_timestamp(ts)
        if moment is None:
            c["timestamp.type"] += 1
            c["timestamp.max_age"] += 1
        elif moment < oldest:
            c["timestamp.max_age"] += 1
    data = rec.get("data")
    if data is None:
        c["data.required"] += 1
    elif not isinstance(data, dict):
        c["data.type"] += 1
    value = data.get("value") if isinstance(data, dict) else None
    if value is None:
        c["data.value.required"] += 1
    else:
        if type(value) is not int:
            c["data.value.type"] += 1
        if type(value) not in (int, float):
            c["data.value.range"] += 1
        else:
            state["value_sum"] += value
            state["value_count"] += 1
            if not 1 <= value <= 1000:
                c["data.value.range"] += 1
    status = data.get("status") if isinstance(data, dict) else None
    if status is not None:
        if not isinstance(status, str):
            c["data.status.type"] += 1
        if status not in STATUSES:
            c["data.status.in"] += 1
    user = rec.get("user_id")
    if user is None:
        state["user_nulls"] += 1
    elif not isinstance(user, str):
        c["user_id.type"] += 1
    elif not USER_PATTERN.search(user):
        c["user_id.pattern"] += 1
    session = rec.get("session_id")
    if session is not None and not isinstance(session, str):
        c["session_id.type"] += 1


def check_line(line: bytes, c: Counter, state: dict, oldest: datetime) -> None:
    """One line of the file: blank lines are skipped, bad JSON and non-objects count as ``parse``."""
    if not line.strip():
        return
    try:
        rec = orjson.loads(line)
    except orjson.JSONDecodeError:
        c["parse"] += 1
        return
    if not isinstance(rec, dict):
        c["parse"] += 1
        return
    check_record(rec, c, state, oldest)


def main(path: str, ref_time: str) -> None:
    ref = datetime.fromisoformat(ref_time.replace("Z", "+00:00"))
    oldest = ref - timedelta(hours=1)
    c: Counter = Counter()
    state = {"seen_ids": set(), "value_sum": 0, "value_count": 0, "user_nulls": 0, "checked": 0}
    with open(path, "rb") as fh:
        for line in fh:
            check_line(line, c, state, oldest)
    checked = state["checked"]
    c["batch-not-empty"] = int(checked < 1)
    mean = state["value_sum"] / state["value_count"] if state["value_count"] else None
    c["value-mean-plausible"] = int(mean is not None and not 100 <= mean <= 900)
    c["user-id-mostly-present"] = int(checked > 0 and state["user_nulls"] / checked > 0.05)
    print(json.dumps({"records_checked": checked, "violations": dict(sorted(c.items()))}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "2026-01-15T12:00:00Z")
