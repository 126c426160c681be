"""JSON numbers too large for a double (1e400) are malformed on every reader and engine; huge integers stay exact."""

from __future__ import annotations

import io
import json

import pytest

from rfsrules import check, load_ruleset_text
from rfsrules.checks.builtin import builtin_registry
from rfsrules.io.csvfile import convert_cell
from rfsrules.io.jsonarray import iter_json_array
from rfsrules.io.lines import Malformed, NumberOutOfRange, decode_json_line, exact_loads, overflowing_number

RULES = """\
rfsrules: 1
name: numbers
version: 1.0.0
fields:
  id: {type: integer, required: true, unique: true}
  v: {type: number, min: 0}
"""


def _engines() -> list[str]:
    try:
        import duckdb  # noqa: F401
    except ImportError:
        return ["python"]
    return ["python", "duckdb"]


def run(path, engine: str, **kw):
    ruleset = load_ruleset_text(RULES, registry=builtin_registry(), env={})
    return check(str(path), ruleset, engine=engine, measure_resources=False, max_examples=None, **kw)


def parse_examples(report) -> list[tuple[int | None, str, str]]:
    rule = next(r for r in report.rules if r.id == "parse")
    return [(e.line, e.reason, e.message) for e in rule.examples]


def counts(report) -> tuple[int, int, int]:
    s = report.summary
    return s.records_total, s.records_checked, s.records_malformed


LINES = [
    '{"id": 1, "v": 1e400}',                                # 1: overflow
    '{"id": 2, "v": -1e400}',                               # 2: negative overflow
    '{"id": 3, "v": [1, {"w": 1E+999}]}',                   # 3: nested in an array and an object
    '{"id": 4, "other": {"deep": [2.5e308]}}',              # 4: in a field no rule reads
    '{"id": 5, "v": 1e308}',                                # 5: large but finite
    '{"id": 6, "v": 1e-400}',                               # 6: underflow is 0.0, not an error
    '{"id": 7, "v": 123456789012345678901234567890}',       # 7: a huge integer stays an exact integer
    '{"id": 8, "s": "1e400, [1e400: 1e400"}',               # 8: only text that looks like a number
    '{"id": 9, "v": 1' + "0" * 400 + '}',                   # 9: a 401-digit integer is exact too
    '{"id": 10, "v": 1' + "0" * 300 + 'e10}',               # 10: long mantissa, short exponent: overflow
    '{"id": 11, "v": 1' + "0" * 400 + 'e-300}',             # 11: long mantissa brought back into range
    '{"id": 12, "v": 1' + "0" * 400 + '.5}',                # 12: 401 digits with a fraction: overflow
    "1e400",                                                # 13: a top-level number that overflows
    '{"id": 14, "v": Infinity}',                            # 14: the literal, as before
    '{"id": 15, "v": 1e0400}',                              # 15: leading zeros in the exponent
]
MALFORMED = {1: 16, 2: 16, 3: 26, 4: 30, 10: 17, 12: 17, 13: 1, 15: 17}  # line -> column of the number


@pytest.mark.parametrize("engine", _engines())
def test_overflowing_numbers_are_malformed_json_on_both_engines(tmp_path, engine):
    path = tmp_path / "n.jsonl"
    path.write_text("\n".join(LINES) + "\n")
    report = run(path, engine)
    assert counts(report) == (15, 6, 9)
    examples = parse_examples(report)
    assert [(line, reason) for line, reason, _ in examples] == [
        (line, "malformed_json") for line in sorted([*MALFORMED, 14])]
    messages = dict((line, message) for line, _, message in examples)
    assert messages[1] == "invalid JSON: number 1e400 is out of range at column 16"
    assert messages[2] == "invalid JSON: number -1e400 is out of range at column 16"
    assert messages[3] == "invalid JSON: number 1E+999 is out of range at column 26"
    assert messages[15] == "invalid JSON: number 1e0400 is out of range at column 17"
    assert messages[12] == f"invalid JSON: number 10000000000000000000…{'0' * 10}.5 is out of range at column 17"
    for line, column in MALFORMED.items():
        assert messages[line].endswith(f" is out of range at column {column}")
        assert LINES[line - 1][column - 1] in "-12"
    assert messages[14] == "invalid JSON: Infinity is not allowed in JSON"
    # nothing else fails: the finite, underflowing and huge integer values are numbers >= 0
    assert [(r.id, r.violations) for r in report.rules if r.violations] == [("parse", 9)]


def test_both_engines_give_the_same_report(tmp_path):
    pytest.importorskip("duckdb")
    from test_engine_duckdb_helpers import assert_same

    path = tmp_path / "n.jsonl"
    path.write_text("\n".join(LINES + ['{"id": 16, "v": -3}', '{"id": 1, "v": 2}']) + "\n")
    report = assert_same(str(path), RULES.split("version: 1.0.0\n", 1)[1])
    assert counts(report) == (17, 8, 9)


def test_python_engine_with_two_processes_reports_the_same(tmp_path, monkeypatch):
    from rfsrules.engines import parallel

    monkeypatch.setattr(parallel, "MIN_TASK_BYTES", 1)
    path = tmp_path / "n.jsonl"
    path.write_text("\n".join(LINES * 40) + "\n")
    from rfsrules.io.sources import resolve_sources

    assert len(parallel.split_tasks(resolve_sources([str(path)]), 2)) == 2
    one, two = (run(path, "python", jobs=jobs, ref_time="2026-01-15T12:00:00Z").to_dict() for jobs in (1, 2))
    for report in (one, two):
        report["summary"].pop("duration_seconds")
    assert one == two
    assert one["summary"]["records_malformed"] == 9 * 40


def test_exact_loads_refuses_overflow_and_keeps_integers():
    with pytest.raises(NumberOutOfRange, match=r"^number -1e400 is out of range$"):
        exact_loads('{"a": [-1e400]}')
    assert exact_loads('{"a": 12345678901234567890123, "b": 1e308, "c": 1e-400}') == {
        "a": 12345678901234567890123, "b": 1e308, "c": 0.0}
    assert overflowing_number('{"a": "1e400", "b": 1e400}') == (20, 25)
    assert overflowing_number('{"a": 1' + "0" * 400 + "}") is None
    assert decode_json_line(b"[1e400]", 100) == Malformed(
        "malformed_json", "invalid JSON: number 1e400 is out of range at column 2", "[1e400]")


# --- JSON array files ---------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", _engines())
def test_json_array_element_with_an_overflowing_number(tmp_path, engine):
    path = tmp_path / "a.json"
    path.write_text('[{"id": 1, "v": 1}, {"id": 2, "v": 123456789012345678901234567890},'
                    ' {"id": 3, "v": {"x": [-1e400]}}, {"id": 4}]')
    report = run(path, engine)
    assert counts(report) == (3, 2, 1)  # reading stops at a malformed element, as for any bad JSON there
    assert parse_examples(report) == [
        (3, "malformed_json", "invalid JSON: number -1e400 is out of range at character 23 of the element")]


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 8, 64, 326, 327, 328, 329])
def test_json_array_number_cut_by_a_chunk_boundary(chunk_size):
    # the mantissa alone overflows; the exponent in the next chunk brings it back into range
    first = '{"a": 9' + "9" * 320 + '.5e-300}'
    text = f'[{first}, {{"b": 2e400}}]'
    items = list(iter_json_array(io.BytesIO(text.encode()), max_line_bytes=10_000, chunk_size=chunk_size))
    assert len(items) == 2
    assert items[0] == (1, json.loads(first))
    assert 9.9e20 < items[0][1]["a"] < 1.1e21
    index, found = items[1]
    assert (index, found.reason, found.message) == (
        2, "malformed_json", "invalid JSON: number 2e400 is out of range at character 7 of the element")


def test_json_array_overflowing_number_longer_than_the_limit_is_too_long():
    text = '[{"a": 1' + "0" * 500 + "]"
    [(index, found)] = iter_json_array(io.BytesIO(text.encode()), max_line_bytes=100, chunk_size=16)
    assert (index, found.reason) == (1, "line_too_long")


# --- CSV --------------------------------------------------------------------------------------------

def test_csv_number_cells_that_overflow_stay_strings():
    assert convert_cell("1e400", ("number",)) == "1e400"
    assert convert_cell("-1E+400", ("integer", "number")) == "-1E+400"
    assert convert_cell("1e308", ("number",)) == 1e308
    assert convert_cell("1" + "0" * 400, ("number",)) == 10 ** 400
    assert convert_cell('{"a": 1e400}', ("object",)) == '{"a": 1e400}'


@pytest.mark.parametrize("engine", _engines())
def test_csv_overflowing_number_fails_the_type_check_not_parse(tmp_path, engine):
    path = tmp_path / "b.csv"
    path.write_text("id,v\n1,1e400\n2,2.5\n3," + "9" * 40 + "\n4,-1e400\n")
    report = run(path, engine)
    assert counts(report) == (4, 4, 0)
    rule = next(r for r in report.rules if r.id == "v.type")
    assert [(e.line, e.value, e.reason) for e in rule.examples] == [(2, "1e400", "wrong_type"),
                                                                     (5, "-1e400", "wrong_type")]


def test_json_array_tokens_cut_by_a_chunk_boundary_are_read_whole():
    text = '[{"a": true, "b": 1.5e3, "c": null, "d": -12.25, "e": "\\u00e9"}, 17.5e2, 3, false, "x", -0.5E-2]'
    expected = list(enumerate(json.loads(text), 1))
    for chunk_size in range(1, len(text) + 1):
        assert list(iter_json_array(io.BytesIO(text.encode()), max_line_bytes=1000, chunk_size=chunk_size)) == expected
