"""The DuckDB engine's fast paths give the Python engine's answers at their edges (timestamps, strings, counting)."""

from __future__ import annotations

import json
import random

import pytest

pytest.importorskip("duckdb")

from test_engine_duckdb_helpers import ALL_CHECKS_RULESET, REF_TIME, assert_same, write_lines  # noqa: E402

from rfsrules.engines.duckdb_sources import _SCAN_CHUNK, LongestLine, copy_translated, scan_file  # noqa: E402
from rfsrules.engines.duckdb_sql import sql_timestamp  # noqa: E402

TIME_RULES = """\
rules:
  - {id: age, check: max_age, field: ts, max_age: 1h, max_future: 5m}
  - {id: stale, check: max_age, field: ts, max_age: 1h}
  - {id: t, check: type, field: ts, type: timestamp}
"""

# REF_TIME is 2026-01-15T12:00:00Z: the bounds are 11:00:00Z (max_age) and 12:05:00Z (max_future)
TIMES = [
    "2026-01-15T11:00:00Z", "2026-01-15T10:59:59.999999Z", "2026-01-15T11:00:00", "2026-01-15T10:59:59.999999",
    "2026-01-15 11:00:00.000001", "2026-01-15T12:00:00+01:00", "2026-01-15T11:59:59.999999+01:00",
    "2026-01-15T06:00:00-05:00", "2026-01-15T05:59:59.999999-05:00", "2026-01-15T12:05:00Z",
    "2026-01-15T12:05:00.000001Z", "2026-01-15T13:05:00.000001+01:00", "2026-01-15T13:05:00+01:00",
    "2026-01-16T00:30:00+13:30", "2026-01-15T11:30:00.5Z", "2026-01-15T11:30:00.123+00:00",
    " 2026-01-15T11:30:00Z", "2026-01-15T11:30:00z", "2026-01-15T24:00:00Z", "2026-01-15T11:30:00+24:00",
    "2026-01-15T11:30Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "2026-01-15T11:30:00.1234567Z",
]


@pytest.mark.parametrize("max_examples", [None, 2])
def test_timestamps_at_the_bounds_match_the_python_engine(tmp_path, max_examples):
    """Naive and ``Z`` strings take the TIMESTAMP cast, offsets the TIMESTAMPTZ one; both are UTC times."""
    lines = [json.dumps({"ts": t}) for t in TIMES] + ['{"ts": 1768474800}', '{"ts": 1768474799.5}', '{}']
    report = assert_same(str(write_lines(tmp_path / "t.jsonl", lines)), TIME_RULES, max_examples=max_examples)
    if max_examples is None:  # the exact bounds pass, a microsecond beyond them fails
        assert [v.line for v in report.rule("age").examples][:4] == [2, 4, 7, 9]


@pytest.mark.parametrize("text, expected", [
    ("2026-01-15T11:00:00Z", "2026-01-15 11:00:00"), ("2026-01-15 11:00:00.5", "2026-01-15 11:00:00.500000"),
    ("2026-01-15T12:00:00+01:00", "2026-01-15 11:00:00"),
    ("2026-01-15T10:30:00.000001-00:30", "2026-01-15 11:00:00.000001"),
    (" 2026-01-15T11:00:00Z", None), ("2026-01-15T24:00:00Z", None), ("2026-01-15T11:30Z", None),
    ("20260115T113000Z", None), ("2026-01-15T11:00:00+01", None), ("2026-01-15T11:00:00.1234567", None),
])
def test_fast_timestamp_forms_are_read_in_sql(text, expected):
    """The common ISO forms become UTC TIMESTAMPs in SQL; every other string is left to Python (NULL)."""
    import duckdb

    from rfsrules.engines.duckdb_sql import sql_string, timestamp_sql

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    got = con.execute(f"SELECT strftime({timestamp_sql(sql_string(text))}, '%Y-%m-%d %H:%M:%S.%f')").fetchone()[0]
    assert (got[:-7] if got and got.endswith(".000000") else got) == expected


def test_timestamp_literals_are_utc_times():
    from datetime import datetime, timedelta, timezone

    assert sql_timestamp(datetime(2026, 1, 15, 13, 0, 0, 5, tzinfo=timezone(timedelta(hours=2)))) == \
        "TIMESTAMP '2026-01-15 11:00:00.000005'"
    assert sql_timestamp(datetime(2026, 1, 15, 11)) == "TIMESTAMP '2026-01-15 11:00:00'"


STRING_RULES = """\
record_id: id
rules:
  - {id: pat, check: pattern, field: s, pattern: '^.{1,3}$'}
  - {id: pat-full, check: pattern, field: s, pattern: 'e.', full_match: true}
  - {id: len, check: length, field: s, min: 2, max: 3}
  - {id: in, check: in, field: s, values: ["é", "e\\u0301", "\\U0001F1EB\\U0001F1F7"]}
  - {id: uniq, check: unique, field: s}
  - {id: ts, check: type, field: s, type: timestamp}
"""


def test_strings_are_decoded_by_code_points(tmp_path):
    """Multi-byte, combining, joined and escaped characters: the same strings as Python's."""
    values = ["é", "e\u0301", "\U0001F468\u200d\U0001F469\u200d\U0001F467", "\U0001F1EB\U0001F1F7", "a\u0300\u0301b",
              "", "x", 'q"uote', "back\\slash", "tab\tx", "\u2028", "e\u0301"]
    lines = [json.dumps({"id": i, "s": v}, ensure_ascii=i % 2 == 0) for i, v in enumerate(values)]
    assert_same(str(write_lines(tmp_path / "s.jsonl", lines)), STRING_RULES)


UNIQUE_RULES = """\
rules:
  - {id: one, check: unique, field: id}
  - {id: pair, check: unique, fields: [a, b]}
  - {id: star, check: unique, field: "items[*].sku"}
"""


def test_unique_across_sources_names_the_first_file(tmp_path):
    """Every kind of key, first seen in another file of the batch: the message names that file."""
    first = write_lines(tmp_path / "a.jsonl", [
        '{"id": 1, "a": 1, "b": "x", "items": [{"sku": "s1"}]}', '{"id": 2, "a": 2, "b": "y", "items": []}'])
    second = write_lines(tmp_path / "b.jsonl", [
        '{"id": 3, "a": 1, "b": "x", "items": [{"sku": "s2"}, {"sku": "s1"}]}', '{"id": 1.0}', "not json"])
    third = write_lines(tmp_path / "c.jsonl", ['{"id": 3, "items": [{"sku": "s2"}]}', '{"id": 2}'])
    report = assert_same([str(first), str(second), str(third)], UNIQUE_RULES)
    messages = [v.message for r in report.rules if r.id in ("one", "pair", "star") for v in r.examples]
    assert any(m.endswith(f"{first}:1") for m in messages) and any(m.endswith(f"{second}:1") for m in messages)


COUNT_RULES = """\
rules:
  - {id: req, check: required, fields: [a, b, c]}
  - {id: rng, check: range, fields: [a, b], min: 0, max: 5, where: "kind = 'x'"}
  - {id: typ, check: type, fields: [a, c], type: integer, where: "kind = 'y'"}
  - {id: uniq, check: unique, field: a, where: "kind = 'x'"}
  - {id: uniq-all, check: unique, field: b}
  - {id: nulls, check: null_rate, field: c, max: 0.1}
"""


@pytest.mark.parametrize("max_examples", [None, 0, 1, 5])
def test_counts_from_grouped_outcomes_match(tmp_path, max_examples):
    """Counts, failure counts of multi-field rules, ``where`` groups, duplicates and example positions,
    with malformed and non-object lines (whose extracted fields are never counted) in between."""
    rng = random.Random(11)
    lines = []
    for i in range(600):
        roll = rng.random()
        if roll < 0.03:
            lines.append(rng.choice(["oops", "[1, 2]", '"text"', "12", "", "{\"a\": NaN}", "{\"a\": 1,}"]))
            continue
        rec = {k: rng.choice([1, 3, 7, -2, "4", None, 2.5]) for k in ("a", "b", "c") if rng.random() < 0.9}
        rec["kind"] = rng.choice(["x", "y", "z"])
        lines.append(json.dumps(rec))
    path = write_lines(tmp_path / "n.jsonl", lines)
    assert_same(str(path), COUNT_RULES, max_examples=max_examples)


@pytest.mark.parametrize("grouped_max", [0, 20000])
@pytest.mark.parametrize("max_examples", [None, 3])
def test_many_distinct_outcomes_are_counted_exactly(tmp_path, monkeypatch, grouped_max, max_examples):
    """Records failing many combinations of rules; first positions gathered per outcome group, or (past
    ``GROUPED_POSITIONS_MAX`` groups) per rule directly."""
    import rfsrules.engines.duckdb_exec as execution

    monkeypatch.setattr(execution, "GROUPED_POSITIONS_MAX", grouped_max)
    recs = [{"id": f"x_{i}" if i % 3 else i, "data": {"value": i % 1200 - 50}, "status": ["active", "no", 1][i % 3],
             "amount": (i % 17) / 2, "ts": "2026-01-15T11:30:00Z" if i % 5 else "old", "items": [{"sku": i % 7}]}
            for i in range(400)]
    lines = [json.dumps(r) for r in recs]
    lines[7:7] = ["oops", "", "[1]"]
    path = write_lines(tmp_path / "m.jsonl", lines)
    assert_same(str(path), ALL_CHECKS_RULESET, max_examples=max_examples)


@pytest.mark.parametrize("where", ["none", "start", "boundary", "end"])
def test_carriage_returns_are_found_in_any_chunk(tmp_path, where):
    """The translation test reads the file in chunks: a ``\\r`` or ``\\x01`` is found wherever it is."""
    line = b'{"id": "abc_1", "pad": "' + b"x" * 200 + b'"}'
    count = (2 * _SCAN_CHUNK) // (len(line) + 1) + 3
    lines = [line] * count
    path = tmp_path / "cr.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    data = bytearray(path.read_bytes())
    if where != "none":
        at = {"start": 5, "boundary": _SCAN_CHUNK - 1, "end": len(data) - 3}[where]
        while data[at] in b"\n":  # keep the line structure; replace a padding byte
            at -= 1
        data[at:at + 1] = b"\r" if where != "boundary" else b"\x01"
        path.write_bytes(bytes(data))
    assert scan_file(str(path))[0] is (where != "none")
    assert_same(str(path), "rules:\n  - {id: u, check: unique, field: id}\n  - {id: t, check: type, field: pad, "
                           "type: string}\n", max_examples=2)


def test_longest_line_is_exact_for_lines_longer_than_a_chunk():
    lengths = [10, 3 * _SCAN_CHUNK + 7, 5, _SCAN_CHUNK + 1, 0, 2 * _SCAN_CHUNK]
    data = b"\n".join(b"x" * n for n in lengths)  # the last line has no newline
    for chunk in (_SCAN_CHUNK, 4096, 1 << 16):
        measure = LongestLine()
        for at in range(0, len(data), chunk):
            part = data[at:at + chunk]
            measure.feed(part, len(part))
        assert measure.result() == 3 * _SCAN_CHUNK + 7


@pytest.mark.parametrize("size_mib", [40])
def test_a_line_longer_than_duckdbs_read_buffer_is_a_malformed_record(tmp_path, size_mib):
    """DuckDB silently dropped a line longer than 16 x its max_line_size (32 MiB with the first scan's
    2 MiB): the record vanished and later lines moved up by one. Plain and gzip input; run as CLI
    processes so that this test's memory does not count in the peak memory of later in-process runs."""
    import gzip
    import subprocess
    import sys

    big = b'{"a": "' + b"x" * (size_mib << 20) + b'"}\n'
    rest = b'{"a": "ok"}\n{"a": 5}\n'
    plain = tmp_path / "big.jsonl"
    plain.write_bytes(big + rest)
    packed = tmp_path / "big.jsonl.gz"
    packed.write_bytes(gzip.compress(big + rest, compresslevel=1))
    del big
    rules = tmp_path / "r.yaml"
    rules.write_text("rfsrules: 1\nname: big\nversion: 1.0.0\nfields:\n  a: {type: string}\n")
    for path in (plain, packed):
        for engine in ("python", "duckdb"):
            done = subprocess.run([sys.executable, "-m", "rfsrules", "check", str(path), "-r", str(rules), "-e", engine,
                                   "-f", "json", "--ref-time", REF_TIME], capture_output=True, text=True)
            assert done.returncode == 1, done.stderr
            report = json.loads(done.stdout)
            s = report["summary"]
            assert (s["records_total"], s["records_malformed"]) == (3, 1), (engine, path.name)
            rules_by_id = {r["id"]: r for r in report["rules"]}
            assert [(e["line"], e["reason"]) for e in rules_by_id["parse"]["examples"]] == [(1, "line_too_long")]
            assert [e["line"] for e in rules_by_id["a.type"]["examples"]] == [3]


def test_copy_of_one_huge_line_streams_and_a_damaged_tail_is_cut(tmp_path):
    import gzip
    import io

    body = b'{"a": 1}\n' + b"y" * (8 << 20)  # a last line of 8 MiB without a newline
    out = tmp_path / "copy.jsonl"
    lines, error, longest = copy_translated(io.BytesIO(body), str(out))
    assert (lines, error, longest, out.stat().st_size) == (2, None, 8 << 20, len(body))
    damaged = gzip.compress(body)[:-4000]
    lines, error, longest = copy_translated(gzip.GzipFile(fileobj=io.BytesIO(damaged)), str(out))
    assert lines == 1 and error is not None and out.read_bytes() == b'{"a": 1}\n'
