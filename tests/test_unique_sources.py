"""``unique`` over a batch of several files: a duplicate of a key first seen in another file names that file."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from rfsrules import check, load_ruleset_text
from rfsrules.checks.builtin import builtin_registry
from rfsrules.engines import parallel
from rfsrules.engines.python import PythonEngine
from rfsrules.io.sources import resolve_sources

REF = datetime(2026, 1, 15, 12, 0, 0, tzinfo=timezone.utc)
RULES = """\
rfsrules: 1
name: u
version: 1.0.0
fields:
  id: {type: integer, unique: true}
rules:
  - {id: pair, check: unique, fields: [a, b]}
  - {id: skus, check: unique, field: 'items[*]'}
"""


def write(path, records) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def messages(report, rule_id):
    rule = next(r for r in report.rules if r.id == rule_id)
    return [(e.source, e.line, e.message) for e in rule.examples]


@pytest.fixture
def files(tmp_path):
    a = write(tmp_path / "a.jsonl", [{"id": 1, "a": 1, "b": 2, "items": ["x"]}, {"id": 2}])
    b = write(tmp_path / "b.jsonl", [{"id": 3}, {"id": 2, "a": 1, "b": 2}, {"id": 3, "items": ["y", "x", "y"]}])
    return a, b


@pytest.mark.parametrize("typed", [True, False])
def test_each_kind_of_key_names_the_file_of_its_first_occurrence(files, monkeypatch, typed):
    monkeypatch.setattr(PythonEngine, "typed_decoder", typed)
    a, b = files
    report = check([a, b], load_ruleset_text(RULES, registry=builtin_registry(), env={}), engine="python",
                   ref_time=REF, measure_resources=False)
    assert messages(report, "id.unique") == [
        (b, 2, f"2 is a duplicate of {a}:2"), (b, 3, "3 is a duplicate of line 1")]
    assert messages(report, "pair") == [(b, 2, f"(a=1, b=2) is a duplicate of {a}:1")]
    assert messages(report, "skus") == [
        (b, 3, f'"x" is a duplicate of {a}:1 (items[0])'), (b, 3, '"y" is a duplicate of line 3 (items[0])')]


def test_a_single_file_keeps_plain_line_numbers(tmp_path):
    path = write(tmp_path / "a.jsonl", [{"id": 1}, {"id": 1}])
    report = check(path, load_ruleset_text(RULES, registry=builtin_registry(), env={}), ref_time=REF,
                   measure_resources=False)
    assert messages(report, "id.unique") == [(path, 2, "1 is a duplicate of line 1")]


def test_jobs_name_the_file_of_the_first_occurrence_too(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_TASK_BYTES", 1)
    rules = "rfsrules: 1\nname: u\nversion: 1.0.0\nfields:\n  id: {type: integer, unique: true}\n"
    a = write(tmp_path / "a.jsonl", [{"id": i} for i in range(40)])
    b = write(tmp_path / "b.jsonl", [{"id": i} for i in (100, 5, 101, 100, 39)])
    ruleset = load_ruleset_text(rules, registry=builtin_registry(), env={})
    assert len(parallel.split_tasks(resolve_sources([a, b]), 3)) >= 3
    single = check([a, b], ruleset, engine="python", ref_time=REF, measure_resources=False)
    split = check([a, b], ruleset, engine="python", jobs=3, ref_time=REF, measure_resources=False)
    expected = [(b, 2, f"5 is a duplicate of {a}:6"), (b, 4, "100 is a duplicate of line 1"),
                (b, 5, f"39 is a duplicate of {a}:40")]
    assert messages(single, "id.unique") == expected
    assert messages(split, "id.unique") == expected
