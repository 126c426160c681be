"""``--jobs N``: byte ranges at line boundaries, worker processes, and a merged report equal to one process's."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rfsrules.engines import parallel
from rfsrules.io.sources import resolve_sources
from rfsrules.ruleset.loader import load_ruleset_text
from rfsrules.runner import check

REF = datetime(2026, 1, 15, 12, 0, 0, tzinfo=timezone.utc)

FIELDS = """\
  id: {type: string, required: true, unique: true, pattern: '^e_\\d+$'}
  n: {type: integer, min: 0, max: 50}
  ts: {type: timestamp, max_age: 1h}
  tag: {in: [a, b]}
"""

RULESET = """
rfsrules: 1
name: par
version: 1.0.0
record_id: id
fields:
""" + FIELDS + """\
rules:
  - {id: k-unique, check: unique, field: k, where: "n > 10"}
  - {id: k-dup-rate, check: duplicate_rate, field: k, max: 0.2}
  - {id: n-mean, check: statistic, field: n, stat: mean, min: 20}
  - {id: n-stddev, check: statistic, field: n, stat: stddev, max: 5}
  - {id: tag-nulls, check: null_rate, field: tag, max: 0.1}
  - {id: positive, check: expression, expr: "n >= 0"}
  - {id: rows, check: row_count, min: 3}
  - id: shaped
    check: json_schema
    schema: {type: object, properties: {n: {type: integer}}}
    message: "line {line}: {message}"
"""


def _line(kind: str, i: int, key: int, n) -> str:
    if kind == "blank":
        return "   "
    if kind == "bad":
        return '{"id": "e_' + str(i) + '", "n": '
    if kind == "array":
        return "[1, 2]"
    if kind == "huge":
        return json.dumps({"id": f"e_{key}", "n": 10 ** 25, "k": 10 ** 20 + key})
    record = {"id": f"e_{key}" if kind != "badid" else f"X{key}", "n": n, "k": key % 7,
              "ts": "2026-01-15T11:30:00" if i % 5 else "2026-01-14T00:00:00Z"}
    if kind == "notag":
        record["tag"] = None
    elif kind != "missing":
        record["tag"] = "a" if i % 3 else "c"
    return json.dumps(record)


KINDS = st.sampled_from(["ok", "ok", "ok", "ok", "blank", "bad", "array", "huge", "badid", "notag", "missing"])
LINES = st.lists(st.tuples(KINDS, st.integers(0, 40), st.one_of(st.integers(-5, 60), st.just("7"), st.none())),
                 min_size=0, max_size=60)


def _write(path, rows) -> str:
    path.write_text("\n".join(_line(kind, i, key, n) for i, (kind, key, n) in enumerate(rows)) + "\n")
    return str(path)


def _report(data, ruleset, **kw):
    report = check(data, ruleset, ref_time=REF, measure_resources=False, **kw)
    out = report.to_dict()
    out["summary"].pop("duration_seconds")
    return out


@pytest.fixture
def tiny_ranges(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_TASK_BYTES", 1)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=LINES, more=LINES, jobs=st.integers(2, 5), examples=st.sampled_from([None, 0, 1, 3]))
def test_jobs_report_equals_the_single_process_report(tmp_path_factory, tiny_ranges, rows, more, jobs, examples):
    folder = tmp_path_factory.mktemp("par")
    files = [_write(folder / "a.jsonl", rows), _write(folder / "b.jsonl", more)]
    ruleset = load_ruleset_text(RULESET)
    single = _report(files, ruleset, max_examples=examples)
    assert _report(files, ruleset, max_examples=examples, jobs=jobs) == single


def test_duplicates_across_ranges_name_the_earlier_line(tmp_path, tiny_ranges):
    lines = [json.dumps({"id": f"e_{i % 4}", "n": 1}) for i in range(12)]
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(lines) + "\n")
    ruleset = load_ruleset_text(RULESET)
    tasks = parallel.split_tasks(resolve_sources([str(path)]), 4, min_bytes=1)
    assert len(tasks) == 4 and tasks[0].start == 0 and tasks[-1].end == path.stat().st_size
    report = check(str(path), ruleset, ref_time=REF, measure_resources=False, jobs=4, max_examples=None)
    unique = report.rule("id.unique")
    assert unique.violations == 8
    assert [(v.line, v.message) for v in unique.examples[:2]] == [
        (5, '"e_0" is a duplicate of line 1'), (6, '"e_1" is a duplicate of line 2')]
    assert [v.line for v in unique.examples] == list(range(5, 13))
    assert report.summary.records_failed == 8


def test_ranges_start_at_line_starts(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_bytes(b"".join(b'{"i": %d}\n' % i for i in range(1000)))
    tasks = parallel.split_tasks(resolve_sources([str(path)]), 3, min_bytes=10)
    data = path.read_bytes()
    assert [t.index for t in tasks] == list(range(len(tasks))) and len(tasks) == 3
    for before, after in zip(tasks, tasks[1:]):
        assert before.end == after.start and data[after.start - 1:after.start] == b"\n"
    assert sum(data[t.start:t.end].count(b"\n") for t in tasks) == 1000


def test_inputs_that_are_not_split(tmp_path):
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text('{"a": 1}\n' * 100)
    gz = tmp_path / "b.jsonl.gz"
    gz.write_bytes(b"")
    assert parallel.split_tasks(resolve_sources([str(jsonl)]), 1, min_bytes=1) is None
    assert parallel.split_tasks(resolve_sources([str(jsonl)]), 2) is None  # too small to be worth it
    assert parallel.split_tasks(resolve_sources([str(jsonl), str(gz)]), 2, min_bytes=1) is None
    assert parallel.split_tasks(resolve_sources([[{"a": 1}]]), 2, min_bytes=1) is None


def test_rulesets_with_stateful_plugin_record_checks_run_in_one_process(tmp_path, tiny_ranges):
    from rfsrules.checks.spec import CheckRegistry, CheckSpec
    from rfsrules.plugins.manager import default_registry

    calls = []

    def build(rule, ctx):
        def test(record, line):
            calls.append(line)
            return None
        return test

    registry = CheckRegistry(list(default_registry()) + [
        CheckSpec(name="t.count", level="record", summary="counts", python=build, fields="none", plugin="p")])
    ruleset = load_ruleset_text("rfsrules: 1\nname: p\nversion: 1.0.0\nrules:\n  - {id: c, check: t.count}\n",
                                registry=registry)
    path = tmp_path / "p.jsonl"
    path.write_text('{"a": 1}\n' * 50)
    check(str(path), ruleset, registry=registry, jobs=3, measure_resources=False)
    assert calls == list(range(1, 51))  # all in this process, in order


def test_spawned_workers_give_the_same_report(tmp_path, tiny_ranges, monkeypatch):
    rows = [("ok", i % 9, i % 40) for i in range(40)] + [("bad", 1, 1), ("huge", 3, 1)]
    path = _write(tmp_path / "s.jsonl", rows)
    ruleset = load_ruleset_text(RULESET)
    single = _report(path, ruleset)
    monkeypatch.setenv("RFSRULES_MP_START", "spawn")
    started = []
    real_context = parallel.multiprocessing.get_context
    monkeypatch.setattr(parallel.multiprocessing, "get_context", lambda m=None: started.append(m) or real_context(m))
    assert _report(path, ruleset, jobs=2) == single
    assert started == ["spawn"]  # the ruleset and the registry (plugins included) pickled: workers really ran


@given(st.lists(st.one_of(st.integers(-10 ** 6, 10 ** 6), st.floats(-1e12, 1e12, allow_nan=False), st.just(10 ** 400)),
                min_size=2, max_size=40), st.data())
def test_statistics_of_a_split_batch_are_identical_to_one_pass(values, data):
    import pickle

    from rfsrules.checks.builtin.batch import Statistic
    from rfsrules.paths import parse_path

    cuts = sorted(data.draw(st.lists(st.integers(0, len(values)), max_size=3)))
    for stat in ("mean", "sum", "stddev", "min", "max"):
        whole = Statistic(parse_path("v"), stat, None, None)
        whole.add_values(values)
        parts = []
        for start, end in zip([0] + cuts, cuts + [len(values)]):
            part = Statistic(parse_path("v"), stat, None, None)
            part.add_values(values[start:end])
            parts.append(pickle.loads(pickle.dumps(part)))
        merged = parts[0]
        for part in parts[1:]:
            merged.merge(part)
        assert repr(merged.value()) == repr(whole.value()), stat


FIELD_RULESET = """
rfsrules: 1
name: par-fields
version: 1.0.0
record_id: id
fields:
""" + FIELDS + """\
  k: {type: integer}
rules:
  - {id: n-mean, check: statistic, field: n, stat: mean, min: 20}
  - {id: tag-nulls, check: null_rate, field: tag, max: 0.1}
  - {id: rows, check: row_count, min: 3}
"""


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=LINES, more=LINES, jobs=st.integers(2, 4))
def test_jobs_with_the_typed_decoder_equal_one_process(tmp_path_factory, tiny_ranges, rows, more, jobs):
    """A ruleset of field rules runs the typed pre-decoder in every process; the merge must not notice."""
    from rfsrules.checks.spec import CompileContext
    from rfsrules.engines.python_compile import compile_rules
    from rfsrules.plugins.manager import default_registry

    ruleset = load_ruleset_text(FIELD_RULESET)
    plan = compile_rules(ruleset.rules, default_registry(), CompileContext(ref_time=REF), max_examples=3,
                         context={}, record_id=ruleset.record_id)
    assert plan.fast is not None
    folder = tmp_path_factory.mktemp("parf")
    files = [_write(folder / "a.jsonl", rows), _write(folder / "b.jsonl", more)]
    assert plan.fast.decode(_line("ok", 1, 2, 3).encode()) is not None  # the records are the decoder's kind
    single = _report(files, ruleset, max_examples=3)
    assert _report(files, ruleset, max_examples=3, jobs=jobs) == single


def test_a_multi_threaded_process_spawns_its_workers(tmp_path, tiny_ranges, monkeypatch):
    """Forking a process with other threads may deadlock the child: such a process spawns instead."""
    import threading

    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        assert parallel._single_threaded() is False
    finally:
        release.set()
        worker.join()

    methods = []
    real_context = parallel.multiprocessing.get_context
    monkeypatch.setattr(parallel.multiprocessing, "get_context", lambda m=None: methods.append(m) or real_context(m))
    monkeypatch.delenv("RFSRULES_MP_START", raising=False)
    path = _write(tmp_path / "t.jsonl", [("ok", i, i) for i in range(30)])
    ruleset = load_ruleset_text(FIELD_RULESET)
    single = _report(path, ruleset)
    for threads_alone in (True, False):  # pytest's process may run DuckDB's threads: decide it here
        monkeypatch.setattr(parallel, "_single_threaded", lambda alone=threads_alone: alone)
        assert _report(path, ruleset, jobs=2) == single
    assert methods == ["fork", "spawn"]
