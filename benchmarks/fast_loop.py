"""Floor: the fastest hand-written pure-Python checker we know for rulesets/pipeline-events.yaml.

Like ``naive_loop.py`` it keeps no examples, messages or line numbers and prints the violation count per
rule id (``run_check.py`` compares them with the generator's expectations), but it uses every trick the
Python engine uses and none of its generality: msgspec decodes each line into typed structs (one C call
that also checks the JSON types and required fields), accepted records are tested inline (patterns
with the standard ``re``, timestamps with ``datetime.fromisoformat``), ids go into a set (no first line
to remember), the batch statistics are running sums; pattern answers are remembered per class key
(``rfsrules.checks.regex.class_table``: ids of one shape share an answer). Lines the decoder refuses go through the naive
loop's per-record code. Its rate, measured in the same run as ``parse_only.py``, is what a pure-Python
implementation of these rules can hope for on one core.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone

import msgspec

from naive_loop import ID_PATTERN, STATUSES, USER_PATTERN, check_line
from rfsrules.checks.regex import class_table


def remembered(pattern) -> tuple:
    """(class key table, answers by key, the pattern's search) for one pattern."""
    return class_table(pattern.pattern), {}, pattern.search

MISSING = msgspec.UNSET


class Data(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    value: int
    status: str | None | msgspec.UnsetType = MISSING


class Event(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    id: str
    timestamp: str
    data: Data
    user_id: str | None | msgspec.UnsetType = MISSING
    session_id: str | None | msgspec.UnsetType = MISSING


def main(path: str, ref_time: str) -> None:
    ref = datetime.fromisoformat(ref_time.replace("Z", "+00:00"))
    oldest = ref - timedelta(hours=1)
    oldest_naive = oldest.replace(tzinfo=None)
    decode = msgspec.json.Decoder(Event).decode
    fromiso = datetime.fromisoformat
    id_table, id_known, id_search = remembered(ID_PATTERN)
    user_table, user_known, user_search = remembered(USER_PATTERN)
    statuses = frozenset(STATUSES)
    c: Counter = Counter()
    state = {"seen_ids": set(), "value_sum": 0, "value_count": 0, "user_nulls": 0, "checked": 0}
    seen_ids = state["seen_ids"]
    add_id = seen_ids.add
    value_sum = value_count = user_nulls = checked = 0
    with open(path, "rb") as fh:
        for line in fh:
            try:
                e = decode(line)
            except (msgspec.ValidationError, msgspec.DecodeError):
                check_line(line, c, state, oldest)
                continue
            checked += 1
            rid = e.id
            key = rid.encode().translate(id_table)
            ok = id_known.get(key)
            if ok is None:
                ok = id_known[key] = id_search(rid) is not None
            if not ok:
                c["id.pattern"] += 1
            if rid in seen_ids:
                c["id.unique"] += 1
            else:
                add_id(rid)
            ts = e.timestamp
            try:
                moment = fromiso(ts) if len(ts) > 10 else None
            except ValueError:
                moment = None
            if moment is None:
                c["timestamp.type"] += 1
                c["timestamp.max_age"] += 1
            elif (moment < oldest_naive) if moment.tzinfo is None else (moment < oldest):
                c["timestamp.max_age"] += 1
            data = e.data
            value = data.value
            value_sum += value
            value_count += 1
            if not 1 <= value <= 1000:
                c["data.value.range"] += 1
            status = data.status
            if status is not MISSING and status is not None and status not in statuses:
                c["data.status.in"] += 1
            user = e.user_id
            if user is MISSING or user is None:
                user_nulls += 1
            else:
                key = user.encode().translate(user_table)
                ok = user_known.get(key)
                if ok is None:
                    ok = user_known[key] = user_search(user) is not None
                if not ok:
                    c["user_id.pattern"] += 1
    checked += state["checked"]
    value_sum += state["value_sum"]
    value_count += state["value_count"]
    user_nulls += state["user_nulls"]
    c["batch-not-empty"] = int(checked < 1)
    mean = value_sum / value_count if value_count else None
    c["value-mean-plausible"] = int(mean is not None and not 100 <= mean <= 900)
    c["user-id-mostly-present"] = int(checked > 0 and user_nulls / checked > 0.05)
    print(json.dumps({"records_checked": checked, "violations": dict(sorted(c.items()))}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "2026-01-15T12:00:00Z")
