"""QA of the safety promises (docs/security.md): secrets substituted from the environment are masked
in every echo of a report, values nested far too deep for a recursive printer still render, and a
nested ``${...}`` default is a located error."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rfsrules.cli.app import app
from rfsrules.outputs import render
from rfsrules.outputs.common import printable
from rfsrules.results import (
    DEEP_VALUE, MAX_VALUE_DEPTH, forget_secrets, json_safe, mask_secrets, register_secret, secret_values,
)
from rfsrules.ruleset.envsubst import is_secret_name
from rfsrules.ruleset.loader import load_ruleset_text
from rfsrules.runner import check

REF = "2026-01-15T12:00:00Z"
TOKEN = "s3cr3tT0k"
PREFIX = "PFXs3cr3t"


@pytest.fixture(autouse=True)
def _no_secrets_before_or_after():
    """The secret registry is process-wide: start each test empty and leave nothing behind."""
    forget_secrets()
    yield
    forget_secrets()


SECRET_RULES = """\
rfsrules: 1
name: sec
version: 1.0.0
record_id: id
fields:
  id: {type: integer}
  token: {type: string, in: ["${API_TOKEN}"], max_length: 5}
  code: {type: string, pattern: "^${SECRET_PREFIX}-[0-9]+$"}
rules:
  - id: tok-expr
    check: expression
    expr: "token = '${API_TOKEN}' or id > 100"
  - id: custom
    check: not_null
    field: code
    message: "code missing, expected ${SECRET_PREFIX}-N (min ${MIN_ROWS})"
  - id: rows
    check: row_count
    min: ${MIN_ROWS}
thresholds:
  quality_score_min: 0.0
  error_rate_max: 1.0
"""

SECRET_DATA = ('{"id": 1, "token": "abc", "code": "x-1"}\n'
               '{"id": 2, "token": "s3cr3tT0k", "code": null}\n')

ENV = {"API_TOKEN": TOKEN, "SECRET_PREFIX": PREFIX, "MIN_ROWS": "1234"}


def run_cli(tmp_path: Path, *args: str, env: dict | None = None) -> tuple[int, str]:
    (tmp_path / "rules.yaml").write_text(SECRET_RULES)
    (tmp_path / "batch.jsonl").write_text(SECRET_DATA)
    result = CliRunner().invoke(app, ["check", str(tmp_path / "batch.jsonl"), "-r", str(tmp_path / "rules.yaml"),
                                      "--ref-time", REF, "--engine", "python", *args], env=env or ENV)
    return result.exit_code, result.stdout


# --- which variables hold secrets ------------------------------------------------------------------

@pytest.mark.parametrize("name, secret", [
    ("DB_PASSWORD", True), ("api_key", True), ("GITHUB_TOKEN", True), ("SLACK_WEBHOOK_URL", True),
    ("AWS_SECRET_ACCESS_KEY", True), ("SENTRY_DSN", True), ("MIN_ROWS", False), ("RULESET_NAME", False),
])
def test_secret_names(name, secret):
    assert is_secret_name(name, {}) is secret


def test_rfsrules_secret_vars_lists_more_names():
    assert is_secret_name("DB_URL", {"RFSRULES_SECRET_VARS": "PAGER, DB_URL"})
    assert not is_secret_name("DB_HOST", {"RFSRULES_SECRET_VARS": "PAGER, DB_URL"})


def test_loading_registers_only_secret_values_from_the_environment():
    text = ('rfsrules: 1\nname: "${NAME}"\nversion: 1.0.0\ndescription: "${API_KEY} ${OTHER_KEY:-defaultval}"\n'
            'owner: "${SHORT_TOKEN}"\n')
    load_ruleset_text(text, env={"NAME": "visible-name", "API_KEY": "abcd1234", "SHORT_TOKEN": "ab1"})
    # not NAME (not a secret name), not the default (it is in the file), not a 3-character value
    assert secret_values() == {"abcd1234"}


# --- every report format masks them ----------------------------------------------------------------

def test_text_report_masks_substituted_secrets(tmp_path):
    code, out = run_cli(tmp_path)
    assert code == 1  # tok-expr and custom fail (medium), the pattern check fails too
    assert TOKEN not in out and PREFIX not in out
    examples = out.split("\nexamples:\n", 1)[1]
    assert '    line 1  id=1  token = "abc"  "abc" is not one of ***' in examples
    assert '    line 1  id=1  code = "x-1"  "x-1" does not match pattern ^***-[0-9]+$' in examples
    assert "    line 1  id=1  expression is false: token = '***' or id > 100" in examples
    # a value of the data equal to the secret is masked too; MIN_ROWS is no secret and stays
    assert '    line 2  id=2  token = "***"  "***" has length 9, above the maximum 5' in examples
    assert "    line 2  id=2  code = null  code missing, expected ***-N (min 1234)" in examples
    assert "row count 2 is below the minimum 1234" in examples


def test_json_report_masks_substituted_secrets(tmp_path):
    code, out = run_cli(tmp_path, "--format", "json")
    assert code == 1
    assert TOKEN not in out and PREFIX not in out
    doc = json.loads(out)
    rules = {r["id"]: r for r in doc["rules"]}
    assert [e["message"] for e in rules["token.in"]["examples"]] == ['"abc" is not one of ***']
    assert [e["message"] for e in rules["code.pattern"]["examples"]] == ['"x-1" does not match pattern ^***-[0-9]+$']
    assert [e["message"] for e in rules["custom"]["examples"]] == ["code missing, expected ***-N (min 1234)"]
    assert rules["rows"]["violations"] == 1


@pytest.mark.parametrize("fmt", ["markdown", "junit"])
def test_markdown_and_junit_reports_mask_substituted_secrets(tmp_path, fmt):
    code, out = run_cli(tmp_path, "--format", fmt)
    assert code == 1
    assert TOKEN not in out and PREFIX not in out
    assert "is not one of ***" in out
    if fmt == "junit":
        ET.fromstring(out)  # still a valid document


def test_secret_with_quotes_and_backslashes_is_masked_in_its_escaped_forms(tmp_path):
    secret = 'pa"ss\\wörd'
    env = {**ENV, "API_TOKEN": secret}
    code, out = run_cli(tmp_path, "--format", "json", env=env)
    assert code == 1
    assert json.dumps(secret, ensure_ascii=False)[1:-1] not in out
    assert "wörd" not in out
    messages = [e["message"] for r in json.loads(out)["rules"] if r["id"] == "token.in" for e in r["examples"]]
    assert messages == ['"abc" is not one of ***', '"s3cr3tT0k" is not one of ***']
    assert mask_secrets(repr(secret)) == "'***'"


def test_report_objects_mask_in_repr_and_to_dict_but_keep_real_values(tmp_path):
    ruleset = load_ruleset_text(SECRET_RULES, env=ENV)
    path = tmp_path / "batch.jsonl"
    path.write_text(SECRET_DATA)
    report = check(str(path), ruleset, engine="python", ref_time=REF)
    for text in (repr(report), repr(report.rule("token.in")), repr(report.rule("token.in").examples[0]),
                 repr(report.summary), json.dumps(report.to_dict()), render("text", report)):
        assert TOKEN not in text and PREFIX not in text
    # the Python objects keep what the checks need and saw
    assert ruleset.rule("token.in").params["values"] == [TOKEN]
    assert report.rule("tok-expr").examples[0].message == f"expression is false: token = '{TOKEN}' or id > 100"
    assert report.masked().rule("tok-expr").examples[0].message == "expression is false: token = '***' or id > 100"
    assert printable(f"error near {TOKEN}\n") == "error near ***\\n"


def test_without_secrets_nothing_is_masked_or_copied(tmp_path):
    ruleset = load_ruleset_text(SECRET_RULES, env={"API_TOKEN": "", "SECRET_PREFIX": "", "MIN_ROWS": "1"})
    path = tmp_path / "batch.jsonl"
    path.write_text(SECRET_DATA)
    report = check(str(path), ruleset, engine="python", ref_time=REF)
    assert secret_values() == frozenset()  # empty values are never secrets
    assert report.masked() is report
    register_secret("abc")  # too short
    assert mask_secrets('"abc" is not one of ') == '"abc" is not one of '


def test_plugin_trace_prints_no_secret_quoted_by_a_message(tmp_path):
    (tmp_path / "rules.yaml").write_text(SECRET_RULES)
    (tmp_path / "batch.jsonl").write_text(SECRET_DATA)
    env = {"RFSRULES_TRACE_PLUGINS": "1", "PATH": "", **ENV}
    done = subprocess.run([sys.executable, "-m", "rfsrules", "check", "batch.jsonl", "-r", "rules.yaml", "-q",
                           "--engine", "python"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "rfsrules_batch_checked" in done.stderr  # the trace printed the report
    assert "is not one of ***" in done.stderr
    assert TOKEN not in done.stderr + done.stdout and PREFIX not in done.stderr + done.stdout


# --- values nested deeper than a recursive printer can go ------------------------------------------

DEEP_RULES = """\
rfsrules: 1
name: deep
version: 1.0.0
record_id: id
fields:
  id: {type: integer, required: true}
  obj.k: {type: string}
rules:
  - id: k-message
    check: type
    field: obj.k
    type: string
    message: "k is {value}"
thresholds:
  quality_score_min: 0.0
  error_rate_max: 1.0
"""


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "junit"])
def test_deeply_nested_value_is_reported_not_a_recursion_error(tmp_path, fmt):
    (tmp_path / "rules.yaml").write_text(DEEP_RULES)
    (tmp_path / "batch.jsonl").write_text(
        '{"id": 1, "obj": {"k": "a"}}\n'
        f'{{"id": 2, "obj": {{"k": {_nested(1000)}}}}}\n'  # 1,002 levels with the record: still a record
        '{"id": 3, "obj": {"k": 5}}\n')
    result = CliRunner().invoke(app, ["check", str(tmp_path / "batch.jsonl"), "-r", str(tmp_path / "rules.yaml"),
                                      "--engine", "python", "--format", fmt], env={})
    assert result.exit_code == 1, result.output  # obj.k.type (high) fails on lines 2 and 3
    assert "RecursionError" not in result.output
    if fmt == "json":
        rules = {r["id"]: r for r in json.loads(result.stdout)["rules"]}
        assert rules["parse"]["violations"] == 0
        assert [(e["line"], e["message"][:6]) for e in rules["obj.k.type"]["examples"]] == [
            (2, "expect"), (3, "expect")]
        value = rules["obj.k.type"]["examples"][0]["value"]
        for _ in range(MAX_VALUE_DEPTH):
            assert isinstance(value, list) and len(value) == 1
            value = value[0]
        assert value == DEEP_VALUE
        assert [e["message"][:12] for e in rules["k-message"]["examples"]] == ["k is [[[[[[[", "k is 5"]


def test_json_safe_caps_depth_and_keeps_shallow_values():
    deep: list = []
    inner = deep
    for _ in range(2000):
        inner.append([])
        inner = inner[0]
    capped = json_safe(deep)
    assert json.dumps(capped).count("[") == MAX_VALUE_DEPTH
    assert json_safe({"a": [1, {"b": float("nan")}]}) == {"a": [1, {"b": "NaN"}]}


# --- ${...} defaults ----------------------------------------------------------------------------------

def test_nested_reference_in_a_default_is_a_located_error():
    from rfsrules.errors import RulesetError

    text = 'rfsrules: 1\nname: "${NAME:-${OTHER}}"\nversion: 1.0.0\n'
    with pytest.raises(RulesetError) as info:
        load_ruleset_text(text, path="r.yaml", env={})
    assert [str(i) for i in info.value.issues] == [
        "r.yaml:2:8: the default of ${NAME:-...} cannot contain another ${...} reference "
        "(nested references are not supported)"]
    # an escaped $${ in a default is no reference, and reads as a literal ${ as everywhere else
    assert load_ruleset_text('rfsrules: 1\nname: "${NAME:-a$${b}"\nversion: 1.0.0\n', env={}).name == "a${b"


def test_lint_ruleset_errors_and_debug_tracebacks_mask_secrets(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from rfsrules.cli.app import app

    monkeypatch.setenv("API_TOKEN", "s3cr3tT0k")
    rules = tmp_path / "leak.yaml"
    rules.write_text('rfsrules: 1\nname: x\nversion: 1.0.0\nrules:\n  - {id: a, check: row_count, min: "${API_TOKEN}"}\n')
    data = tmp_path / "d.jsonl"
    data.write_text('{"a": 1}\n')
    runner = CliRunner()
    linted = runner.invoke(app, ["lint", str(rules)])
    assert linted.exit_code == 2
    assert f"{rules}:5:36: RFL002 min: expected an integer, got string '***'" in linted.stdout
    as_json = runner.invoke(app, ["lint", str(rules), "-f", "json"])
    assert "s3cr3t" not in as_json.stdout and "got string '***'" in as_json.stdout
    checked = runner.invoke(app, ["check", str(data), "-r", str(rules), "--debug"])
    assert checked.exit_code == 2 and "got string '***'" in checked.stderr
    assert "s3cr3t" not in checked.stdout + checked.stderr
