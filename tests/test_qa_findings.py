"""QA findings in modules owned by other engineers (readers, engines): each test states the expected
behaviour and fails today (strict xfail), so it turns into an ordinary passing test once fixed."""

from __future__ import annotations

import gzip
import json
import random
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rfsrules import check, load_ruleset_text
from rfsrules.checks.builtin import builtin_registry
from rfsrules.cli.app import app

REGISTRY = builtin_registry()
RULES = """\
rfsrules: 1
name: qa
version: 1.0.0
fields:
  id: {type: integer, required: true, unique: true}
  v: {type: number, min: 0}
"""


def ruleset(text: str = RULES):
    return load_ruleset_text(text, registry=REGISTRY, env={})


def run(path: Path, text: str = RULES, **kw):
    return check(str(path), ruleset(text), measure_resources=False, **kw)


def parse_examples(report) -> list[tuple[int | None, str, str]]:
    rule = next(r for r in report.rules if r.id == "parse")
    return [(e.line, e.reason, e.message) for e in rule.examples]


# --- rfsrules/io/lines.py ---------------------------------------------------------------------------

def test_unterminated_string_message_has_no_doubled_word(tmp_path):
    path = tmp_path / "b.jsonl"
    path.write_text('{"id": "abc\n')
    assert parse_examples(run(path)) == [
        (1, "malformed_json", "invalid JSON: unterminated string starting at column 8")]


def test_json_number_overflowing_a_double_is_malformed(tmp_path):
    path = tmp_path / "b.jsonl"
    path.write_text('{"id": 1, "v": 1e400}\n{"id": 2, "v": Infinity}\n')
    report = run(path)
    assert (report.summary.records_checked, report.summary.records_malformed) == (0, 2)
    assert [(line, reason) for line, reason, _ in parse_examples(report)] == [
        (1, "malformed_json"), (2, "malformed_json")]


# --- rfsrules/io/csvfile.py ---------------------------------------------------------------------------

def test_csv_unterminated_quote_is_malformed_not_swallowing_the_file(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text('id,v\n1,"abc\n2,3\n4,5\n')
    report = run(path)
    assert report.summary.records_malformed == 1
    assert [(line, reason) for line, reason, _ in parse_examples(report)] == [(2, "malformed_csv")]


def test_csv_duplicate_header_column_is_an_input_error(tmp_path):
    (tmp_path / "rules.yaml").write_text(RULES)
    (tmp_path / "b.csv").write_text("id,id,v\n1,2,3\n")
    result = CliRunner().invoke(app, ["check", str(tmp_path / "b.csv"), "-r", str(tmp_path / "rules.yaml")])
    assert result.exit_code == 2
    assert "duplicate" in result.stderr and "'id'" in result.stderr


# --- rfsrules/io/jsonarray.py -----------------------------------------------------------------------

def test_json_lines_in_a_json_file_is_not_called_an_array(tmp_path):
    path = tmp_path / "b.json"
    path.write_text('{"id": 1}\n{"id": 2}\n')
    [(line, reason, message)] = parse_examples(run(path))
    assert (line, reason) == (2, "malformed_json")
    assert "array" not in message and ".jsonl" in message


# --- rfsrules/engines/python.py + rfsrules/io/sources.py: truncated gzip ---------------------------------

def test_truncated_gzip_keeps_the_records_before_the_truncation(tmp_path):
    rng = random.Random(1)
    data = "".join(json.dumps({"id": i, "v": rng.random()}) + "\n" for i in range(5000)).encode()
    packed = gzip.compress(data)
    cut = packed[: len(packed) // 2]
    readable = zlib.decompressobj(wbits=31).decompress(cut)
    complete = readable.count(b"\n")
    path = tmp_path / "b.jsonl.gz"
    path.write_bytes(cut)
    report = run(path)
    assert report.summary.records_checked == complete
    assert report.summary.records_malformed == 1
    [(line, reason, _)] = parse_examples(report)
    assert (line, reason) == (complete + 1, "invalid_encoding")


# --- duplicate keys across files: checks/builtin/records.py needs the source from the engine ----------------

def test_unique_across_files_names_the_file_of_the_first_occurrence(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"id": 1}\n')
    (tmp_path / "b.jsonl").write_text('{"id": 2}\n{"id": 1}\n')
    report = check([str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")], ruleset(), measure_resources=False)
    rule = next(r for r in report.rules if r.id == "id.unique")
    [example] = rule.examples
    assert (example.source, example.line) == (str(tmp_path / "b.jsonl"), 2)
    assert example.message == f"1 is a duplicate of {tmp_path / 'a.jsonl'}:1"


# --- rfsrules/engines/duckdb*.py ----------------------------------------------------------------------------

def test_duckdb_and_python_agree_on_deeply_nested_lines(tmp_path):
    path = tmp_path / "b.jsonl"
    path.write_bytes(b'{"id": 1, "v": ' + b"[" * 100_000 + b"]" * 100_000 + b'}\n{"id": 2}\n')
    summaries = [run(path, engine=e).summary for e in ("python", "duckdb")]
    assert [(s.records_checked, s.records_malformed) for s in summaries] == [(1, 1), (1, 1)]
