"""The ruleset loader: located error messages, env substitution, fields expansion, the model, lint_files."""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest

from rfsrules.checks.builtin import builtin_registry
from rfsrules.errors import Issue, RulesetError
from rfsrules.ruleset.loader import lint_files, load_ruleset, load_ruleset_text
from rfsrules.ruleset.model import Span

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = builtin_registry()
HEADER = "rfsrules: 1\nname: t\nversion: 1.0.0\n"


def load(text: str, **kw):
    kw.setdefault("env", {})
    return load_ruleset_text(textwrap.dedent(text), path="t.yaml", registry=REGISTRY, **kw)


def issues(text: str, **kw) -> list[tuple[int, int, str, str]]:
    with pytest.raises(RulesetError) as info:
        load(text, **kw)
    assert all(i.path == "t.yaml" for i in info.value.issues)
    return [(i.line, i.col, i.code, i.message) for i in info.value.issues]


def rules_text(body: str) -> str:
    return HEADER + "rules:\n" + textwrap.indent(textwrap.dedent(body), "  ")


# --- every error of a file, each at its line:col ---------------------------------------------------

BAD = """\
rfsrules: 1
name: bad
version: 1.0
severty: high
rules:
  - id: a b
    check: rnage
    field: x
  - id: r1
    check: range
    field: x
    min: 5
    max: 1
    sevirity: high
    severity: urgent
  - id: r2
    check: pattern
    field: x
    pattern: '(a'
  - check: range
    field: x
    min: 1
  - id: r1
    check: row_count
    field: y
    min: 1
  - id: r3
    check: range
    field: "a..b"
    min: 1
quality:
  levels: {excellent: 0.5, good: 0.8}
  weights: {completeness: -1}
thresholds:
  processing_time_max: 30 seconds
  memory_usage_max: [1]
extends: 3
"""


def test_all_errors_of_a_file_are_reported_together():
    assert issues(BAD) == [
        (3, 10, "RFL002", "version: expected a version string like 1.2.0 (quote it), got number 1.0"),
        (4, 1, "RFL001", "unknown key 'severty' in ruleset"),
        (6, 9, "RFL002", "id: 'a b' is not an id made of ASCII letters, digits and _ . : -"),
        (7, 12, "RFL003", "unknown check 'rnage' (did you mean 'range'?)"),
        (12, 10, "RFL006", "min (5) is greater than max (1)"),
        (14, 5, "RFL001", "unknown key 'sevirity' in rule (did you mean 'severity'?)"),
        (15, 15, "RFL002", "severity: 'urgent' is not one of low, medium, high, critical"),
        (19, 14, "RFL005", "pattern: invalid regular expression: missing ): (a"),
        (20, 5, "RFL002", "missing required key 'id'"),
        (23, 5, "RFL004", "duplicate rule id 'r1' (first defined at t.yaml:9:5)"),
        (25, 5, "RFL015", "check 'row_count' takes no field; remove 'field'"),
        (29, 15, "RFL014", "invalid field path 'a..b' at character 3: unexpected '.'"),
        (32, 34, "RFL006", "quality.levels must be descending: good (0.8) is not below excellent (0.5)"),
        (33, 27, "RFL002", "completeness: -1 is less than the minimum of 0"),
        (35, 24, "RFL002", "processing_time_max: '30 seconds' is not a duration like 30s, 5m, 1h30m or 2d"),
        (36, 21, "RFL002", "memory_usage_max: expected a string or an integer, got a list"),
        (37, 10, "RFL002", "extends: expected a string or a list, got integer 3"),
    ]


def test_error_string_form_is_path_line_col_message():
    with pytest.raises(RulesetError) as info:
        load(HEADER + "rules:\n  - id: x\n    check: range\n    field: v\n    severty: low\n    min: 1\n")
    assert str(info.value) == "t.yaml:8:5: unknown key 'severty' in rule (did you mean 'severity'?)"


@pytest.mark.parametrize("body, expected", [
    ("- id: x\n  check: range\n  field: v\n  min: 1\n  maximum: 3\n",
     (9, 5, "RFL001", "unknown key 'maximum' in rule (did you mean 'max'?)")),
    ("- id: x\n  check: range\n  field: v\n  min: '1'\n",
     (8, 10, "RFL002", "min: expected a number, got string '1'")),
    ("- id: x\n  check: in\n  field: v\n",
     (5, 5, "RFL002", "missing required key 'values'")),
    ("- id: x\n  check: range\n  field: v\n  min: 1\n  severity: hgih\n",
     (9, 15, "RFL002", "severity: 'hgih' is not one of low, medium, high, critical (did you mean 'high'?)")),
    ("- id: x\n  check: range\n  field: v\n  min: 1\n  dimension: speed\n",
     (9, 16, "RFL002", "dimension: 'speed' is not one of completeness, consistency, accuracy, timeliness")),
    ("- id: x\n  check: range\n  field: v\n  min: 1\n  tags: [a, 3]\n",
     (9, 15, "RFL002", "tags[1]: expected a string, got integer 3")),
    ("- id: x\n  check: range\n  field: v\n  min: 1\n  enabled: 'no'\n",
     (9, 14, "RFL002", "enabled: expected a boolean (true or false), got string 'no'")),
    ("- id: x\n  check: length\n  field: v\n  min: 2.0\n",
     (8, 10, "RFL002", "min: expected an integer, got number 2.0")),
    ("- id: x\n  check: type\n  field: v\n  type: strng\n",
     (8, 11, "RFL002", "type: 'strng' is not one of string, integer, number, boolean, object, array, timestamp, "
                      "date, uuid, email, null (did you mean 'string'?)")),
    ("- id: x\n  check: null_rate\n  fields: [a, b]\n  max: 0.1\n",
     (7, 5, "RFL015", "check 'null_rate' takes one field, got 2; use 'field'")),
    ("- id: x\n  check: range\n  min: 1\n",
     (5, 5, "RFL015", "check 'range' needs 'field' or 'fields'")),
    ("- id: x\n  check: null_rate\n  max: 0.1\n",
     (5, 5, "RFL015", "check 'null_rate' needs a 'field'")),
    ("- id: x\n  check: range\n  field: v\n  fields: [w]\n  min: 1\n",
     (8, 5, "RFL015", "give either 'field' or 'fields', not both")),
    ("- id: x\n  check: range\n  fields: [ok, 'b[']\n  min: 1\n",
     (7, 20, "RFL014", "invalid field path 'b[' at character 2: unexpected '['")),
    ("- id: x\n  check: range\n  field: v\n",
     (5, 5, "RFL002", "give at least one of min, max")),
    ("- id: x\n  field: v\n",
     (5, 5, "RFL002", "missing required key 'check'")),
    ("- just-a-string\n",
     (5, 5, "RFL002", "rules[0]: expected a mapping, got string 'just-a-string'")),
])
def test_rule_errors(body, expected):
    assert issues(HEADER + "rules:\n" + textwrap.indent(body, "  ")) == [expected]


@pytest.mark.parametrize("text, expected", [
    ("", [(1, 1, "RFL002", "the ruleset is empty; it needs at least rfsrules, name and version")]),
    ("- a\n", [(1, 1, "RFL002", "a ruleset must be a mapping, got a list")]),
    ("rfsrules: 2\nname: n\nversion: 1.0.0\n",
     [(1, 11, "RFL002", "rfsrules: unsupported format version 2 (this version of rfsrules reads format 1)")]),
    ("rfsrules: 1\nversion: 1.0.0\n", [(1, 1, "RFL002", "missing required key 'name'")]),
    ("rfsrules: 1\nname: n\nversion: v1\n", [(3, 10, "RFL002", "version: 'v1' is not a semantic version like 1.2.0")]),
    ("rfsrules: 1\nname: n\nversion: 1.0.0\nrulez: []\n",
     [(4, 1, "RFL001", "unknown key 'rulez' in ruleset (did you mean 'rules', 'rfsrules'?)")]),
    ("rfsrules: 1\nname: n\nversion: 1.0.0\nfields:\n  id: {type: string, requird: true}\n",
     [(5, 22, "RFL001", "unknown key 'requird' in field 'id' (did you mean 'required'?)")]),
    ("rfsrules: 1\nname: n\nversion: 1.0.0\nquality:\n  levels: {critical: 0.1}\n",
     [(5, 12, "RFL001", "unknown key 'critical' in quality.levels")]),
    ("rfsrules: 1\nname: n\nversion: 1.0.0\nthresholds:\n  error_rate_max: 1.5\n",
     [(5, 19, "RFL002", "error_rate_max: 1.5 is greater than the maximum of 1")]),
    ("rfsrules: 1\nname: n\nversion: 1.0.0\nmetadata_rules:\n  completion: {min: 2}\n",
     [(5, 21, "RFL002", "min: 2 is greater than the maximum of 1")]),
    ("rfsrules: 1\nname: n\nversion: 1.0.0\nanomalies:\n  patterns:\n    spike: {detector: zscore, base_scor: 1}\n",
     [(6, 31, "RFL001", "unknown key 'base_scor' in anomaly pattern 'spike' (did you mean 'base_score'?)")]),
    ("rfsrules: 1\nname: n\nversion: 1.0.0\nalerts:\n  channels:\n    - {name: ops}\n",
     [(6, 7, "RFL002", "missing required key 'type' in alert channel")]),
    ("rfsrules: 1\nname: n\nversion: 1.0.0\nrecord_id: 'a..b'\n",
     [(4, 15, "RFL014", "invalid field path 'a..b' at character 3: unexpected '.'")]),
    ("rfsrules: 1\nname: n\nversion: 1.0.0\nfields:\n  'a[': {type: string}\n",
     [(5, 5, "RFL014", "invalid field path 'a[' at character 2: unexpected '['")]),
    ("rfsrules: 1\nname: n\nversion: 1.0.0\nfields:\n  x: {exclusive_min: true}\n",
     [(5, 7, "RFL002", "exclusive_min has no effect without min in field 'x'")]),
    ("rfsrules: 1\nname: n\nversion: 1.0.0\nfields:\n  x: {min: 5, max: 1}\n",
     [(5, 12, "RFL006", "min (5) is greater than max (1)")]),
    ("rfsrules: 1\nname: n\nversion: 1.0.0\nfields:\n  x: {pattern: '(?<=a)b'}\n",
     [(5, 16, "RFL005", "pattern: invalid regular expression: invalid perl operator: (?<=")]),
])
def test_document_errors(text, expected):
    assert issues(text) == expected


def test_yaml_errors_become_issues():
    assert issues(HEADER + "rules: [\n") == [
        (5, 1, "RFL011", "YAML syntax error: expected the node content, but found '<stream end>' "
                         "(while parsing a flow node)")]
    assert issues(HEADER + "name: again\n") == [
        (4, 1, "RFL011", "duplicate key 'name' (first defined at line 2, column 1)")]
    assert issues(HEADER + "description: !!python/name:os.system ''\n")[0][:3] == (4, 14, "RFL011")


# --- duplicates ------------------------------------------------------------------------------------

def test_generated_and_explicit_ids_collide_in_one_file():
    text = HEADER + "fields:\n  id: {required: true}\nrules:\n  - id: id.required\n    check: not_null\n    field: id\n"
    assert issues(text) == [(7, 5, "RFL004", "duplicate rule id 'id.required' (first defined at t.yaml:5:8)")]


def test_metadata_and_record_rule_ids_must_differ():
    text = HEADER + ("rules:\n  - {id: dup, check: row_count, min: 1}\n"
                     "metadata_rules:\n  rules:\n    - {id: dup, check: required, field: source}\n")
    assert issues(text) == [(8, 8, "RFL004", "duplicate rule id 'dup' (first defined at t.yaml:5:6)")]


# --- environment substitution ---------------------------------------------------------------------

ENV_TEXT = """\
rfsrules: 1
name: ${NAME}
version: "${VER:-1.2.3}"
description: "cost $${HOME} and $5 for ${NAME}"
owner: !!str ${NUM}
rules:
  - id: r
    check: range
    field: x
    min: ${MIN}
    max: "${MAX:-10.5}"
    enabled: ${ON}
    message: ${EMPTY:-}x
"""


def test_env_substitution_is_typed_defaulted_and_escaped():
    ruleset = load(ENV_TEXT, env={"NAME": "svc", "MIN": "3", "NUM": "42", "ON": "false"})
    assert (ruleset.name, ruleset.version, ruleset.owner) == ("svc", "1.2.3", "42")
    assert ruleset.description == "cost ${HOME} and $5 for svc"
    rule = ruleset.rules[0]
    assert (rule.params["min"], rule.params["max"], rule.enabled, rule.message) == (3, 10.5, False, "x")
    assert type(rule.params["min"]) is int


def test_env_substitution_never_injects_yaml():
    ruleset = load(HEADER.replace("name: t", "name: ${EVIL}"), env={"EVIL": "x\nrules: [{id: y}]"})
    assert ruleset.name == "x\nrules: [{id: y}]" and ruleset.rules == ()


def test_missing_env_variables_are_errors_at_their_column():
    text = 'rfsrules: 1\nname: "a ${NOPE} b ${ALSO}"\nversion: 1.0.0\ndescription: "bad ${1x}"\n'
    assert issues(text) == [
        (2, 10, "RFL012", "environment variable 'NOPE' is not set (write ${NOPE:-default} to give a default)"),
        (2, 20, "RFL012", "environment variable 'ALSO' is not set (write ${ALSO:-default} to give a default)"),
        (4, 19, "RFL012", "invalid ${...} reference: expected ${NAME} or ${NAME:-default} (write $${ for a literal ${)"),
    ]


def test_env_defaults_to_os_environ(monkeypatch):
    monkeypatch.setenv("RFSRULES_TEST_NAME", "from-env")
    text = HEADER.replace("name: t", "name: ${RFSRULES_TEST_NAME}")
    assert load_ruleset_text(text, registry=REGISTRY).name == "from-env"


def test_substituted_value_is_validated():
    text = rules_text("- id: r\n  check: range\n  field: x\n  min: ${MIN}\n")
    assert issues(text, env={"MIN": "low"}) == [(8, 10, "RFL002", "min: expected a number, got string 'low'")]


# --- fields shorthand -------------------------------------------------------------------------------

FIELDS = """\
rfsrules: 1
name: f
version: 1.0.0
fields:
  id: {type: string, required: true, unique: true, pattern: '^e_', severity: critical, description: the id}
  amount: {max: 10, type: number, min: 0, exclusive_max: true}
  note: {nullable: false, min_length: 1, max_length: 5}
  maybe: {required: true, nullable: true}
  strict: {nullable: false, required: true}
  status: {in: [a, b], not_in: [c]}
  ts: {max_age: 1h}
  items[*].sku: {type: string}
  declared_only:
  off: {required: false, unique: false, nullable: true}
rules:
  - {id: explicit, check: row_count, min: 1}
metadata_rules:
  fields:
    source: {type: string, required: true}
"""


def test_fields_expand_to_rules_with_generated_ids_in_order():
    ruleset = load(FIELDS)
    got = [(r.id, r.check, r.field_names, dict(r.params), r.severity, r.origin) for r in ruleset.rules]
    assert got == [
        ("id.type", "type", ("id",), {"type": "string", "allow_nan": False}, "critical", "fields"),
        ("id.required", "required", ("id",), {"allow_null": False}, "critical", "fields"),
        ("id.unique", "unique", ("id",), {}, "critical", "fields"),
        ("id.pattern", "pattern", ("id",), {"pattern": "^e_", "full_match": False}, "critical", "fields"),
        ("amount.range", "range", ("amount",),
         {"min": 0, "max": 10, "exclusive_min": False, "exclusive_max": True}, "medium", "fields"),
        ("amount.type", "type", ("amount",), {"type": "number", "allow_nan": False}, "high", "fields"),
        ("note.not_null", "not_null", ("note",), {}, "high", "fields"),
        ("note.length", "length", ("note",), {"min": 1, "max": 5}, "medium", "fields"),
        ("maybe.required", "required", ("maybe",), {"allow_null": True}, "high", "fields"),
        ("strict.required", "required", ("strict",), {"allow_null": False}, "high", "fields"),
        ("status.in", "in", ("status",), {"values": ["a", "b"]}, "medium", "fields"),
        ("status.not_in", "not_in", ("status",), {"values": ["c"]}, "medium", "fields"),
        ("ts.max_age", "max_age", ("ts",), {"max_age": "1h"}, "medium", "fields"),
        ("items[*].sku.type", "type", ("items[*].sku",), {"type": "string", "allow_nan": False}, "high", "fields"),
        ("explicit", "row_count", (), {"min": 1}, "high", "rules"),
    ]
    assert ruleset.rule("id.type").description == "the id"
    assert ruleset.rule("id.pattern").span == Span("t.yaml", 5, 52)
    assert ruleset.rule("amount.range").span == Span("t.yaml", 6, 12)
    assert [(r.id, r.origin) for r in ruleset.metadata_rules] == [
        ("metadata.source.type", "metadata_rules"), ("metadata.source.required", "metadata_rules")]
    assert [f.path.text for f in ruleset.fields] == [
        "id", "amount", "note", "maybe", "strict", "status", "ts", "items[*].sku", "declared_only", "off"]
    assert ruleset.fields[0].span == Span("t.yaml", 5, 3)
    assert dict(ruleset.fields[8].attributes) == {}


def test_generated_rule_errors_point_at_the_attribute():
    text = HEADER + "fields:\n  x: {type: integer, min: 'a', in: []}\n"
    assert issues(text) == [
        (5, 27, "RFL002", "min: expected a number, got string 'a'"),
        (5, 36, "RFL002", "in: needs at least 1 item(s)"),
    ]


# --- the model --------------------------------------------------------------------------------------

def test_shipped_pipeline_events_ruleset_loads():
    ruleset = load_ruleset(ROOT / "rulesets" / "pipeline-events.yaml", registry=REGISTRY, env={})
    assert ruleset.name == "pipeline-events" and ruleset.version == "1.0.0" and ruleset.format_version == 1
    assert ruleset.owner == "data-platform@example.com" and ruleset.record_id.text == "id"
    assert [r.id for r in ruleset.rules] == [
        "id.type", "id.required", "id.unique", "id.pattern", "timestamp.type", "timestamp.required",
        "timestamp.max_age", "data.type", "data.required", "data.value.type", "data.value.required",
        "data.value.range", "data.status.type", "data.status.in", "user_id.type", "user_id.pattern",
        "session_id.type", "batch-not-empty", "value-mean-plausible", "user-id-mostly-present"]
    assert [r.id for r in ruleset.metadata_rules] == [
        "metadata.source_system.type", "metadata.source_system.required", "metadata.pipeline_stage.type",
        "metadata.pipeline_stage.required", "metadata.data_freshness.type", "metadata.data_freshness.max_age",
        "metadata.expected_records.type", "metadata.expected_records.range"]
    rule = ruleset.rule("batch-not-empty")
    assert (rule.level, rule.severity, rule.dimension, rule.span) == (
        "batch", "critical", "completeness", Span(str(ROOT / "rulesets" / "pipeline-events.yaml"), 39, 5))
    assert ruleset.thresholds.processing_time_max == 30.0
    assert ruleset.thresholds.memory_usage_max == 512 * 1024 * 1024
    assert ruleset.completion.min == 0.95 and ruleset.completion.expected_field == "expected_records"
    assert ruleset.quality.levels[-1] == ("critical", 0.0)


def test_rule_fields_params_defaults_and_where():
    ruleset = load(HEADER + textwrap.dedent("""\
        fields:
          amount: {type: number}
          kind: {type: string}
        rules:
          - id: big-amounts
            check: range
            fields: [amount]
            max: 100
            where: "kind = 'sale'"
            message: "{field} = {value} is too big for {rule_id} (max {max})"
            tags: [money]
            description: Sales stay small.
            enabled: false
        """))
    rule = ruleset.rule("big-amounts")
    assert rule.field_names == ("amount",) and rule.level == "value"
    assert dict(rule.params) == {"max": 100, "exclusive_min": False, "exclusive_max": False}
    assert rule.where_text == "kind = 'sale'" and rule.where is not None
    assert rule.message == "{field} = {value} is too big for {rule_id} (max {max})"
    assert (rule.tags, rule.description, rule.enabled) == (("money",), "Sales stay small.", False)
    assert (rule.severity, rule.dimension, rule.origin) == ("medium", "accuracy", "rules")
    assert [r.id for r in ruleset.enabled_rules] == ["amount.type", "kind.type"]


def test_quality_thresholds_and_reserved_sections():
    ruleset = load(HEADER + textwrap.dedent("""\
        plugins: [acme_checks]
        quality:
          weights: {timeliness: 0}
          levels: {excellent: 0.95, poor: 0.4}
          malformed: ignore
          unmeasured: perfect
        thresholds:
          processing_time_max: 1m30s
          memory_usage_max: 1GB
          error_rate_max: 0.01
          severities: {error_rate_max: critical}
        anomalies:
          enabled: true
          score_threshold: 0.7
          patterns:
            spike: {detector: zscore, field: data.value, base_score: 0.8, severity: high, params: {z: 3}}
        alerts:
          enabled: true
          throttle: 5m
          channels:
            - {type: slack, name: ops, min_severity: high, webhook: "https://example.com/hook"}
          policy: {critical_anomaly_score: 0.9, high_issue_count: 10}
        report: {template: daily.md.j2, formats: [markdown, json], output: out/, schedule: daily}
        """))
    q = ruleset.quality
    assert dict(q.weights) == {"completeness": 0.25, "consistency": 0.25, "accuracy": 0.25, "timeliness": 0.0}
    assert q.levels == (("excellent", 0.95), ("good", 0.8), ("acceptable", 0.7), ("poor", 0.4), ("critical", 0.0))
    assert (q.malformed, q.unmeasured) == ("ignore", "perfect")
    t = ruleset.thresholds
    assert (t.processing_time_max, t.memory_usage_max, t.error_rate_max) == (90.0, 10**9, 0.01)
    assert t.quality_score_min == 0.7 and t.severities["error_rate_max"] == "critical"
    assert "quality_score_min" not in t.severities  # unset: the seed's high/medium rule applies
    assert ruleset.anomalies["patterns"]["spike"]["params"] == {"z": 3}
    assert ruleset.alerts["channels"][0]["webhook"] == "https://example.com/hook"
    assert ruleset.report["formats"] == ["markdown", "json"]
    assert ruleset.plugins == ("acme_checks",)


def test_json_schema_file_param_is_resolved_relative_to_the_ruleset(tmp_path):
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "event.json").write_text('{"type": "object"}')
    path = tmp_path / "r.yaml"
    path.write_text(HEADER + "rules:\n  - id: s\n    check: json_schema\n    schema_file: schemas/event.json\n"
                             "  - id: t\n    check: json_schema\n    schema_file: schemas/missing.json\n"
                             "  - id: u\n    check: json_schema\n    schema_file: ../outside.json\n")
    (tmp_path.parent / "outside.json").write_text("{}")
    with pytest.raises(RulesetError) as info:
        load_ruleset(path, registry=REGISTRY, env={})
    got = [(i.line, i.col, i.code, i.message) for i in info.value.issues]
    missing = os.path.realpath(tmp_path / "schemas" / "missing.json")
    assert got == [
        (10, 18, "RFL016", f"schema_file: file not found: 'schemas/missing.json' (looked for {missing})"),
        (13, 18, "RFL016", f"schema_file: '../outside.json' resolves outside the project root "
                           f"{os.path.realpath(tmp_path)} (files outside it are refused unless --allow-outside-root is given, or --root names a directory holding them)"),
    ]
    path.write_text(HEADER + "rules:\n  - id: s\n    check: json_schema\n    schema_file: schemas/event.json\n")
    rule = load_ruleset(path, registry=REGISTRY, env={}).rule("s")
    assert rule.params["schema_file"] == os.path.realpath(tmp_path / "schemas" / "event.json")


# --- lint_files -------------------------------------------------------------------------------------

def test_lint_files_collects_every_file_and_never_raises(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(HEADER)
    bad = tmp_path / "bad.yaml"
    bad.write_text(HEADER + "rules:\n  - {id: x, check: rnage}\n")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"name: \xff\n")
    missing = tmp_path / "missing.yaml"
    found = lint_files([good, bad, binary, missing], registry=REGISTRY, env={})
    assert found == [
        Issue(str(bad), 5, 20, "unknown check 'rnage' (did you mean 'range'?)", "RFL003"),
        Issue(str(binary), 1, 7, "file is not valid UTF-8 (byte 0xff)", "RFL011"),
        Issue(str(missing), 1, 1, "cannot read ruleset file: No such file or directory", "RFL011"),
    ]


def test_lint_files_reports_a_too_large_file(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text(HEADER + "description: " + "x" * (5 * 1024 * 1024) + "\n")
    assert lint_files([big], registry=REGISTRY) == [
        Issue(str(big), 1, 1, "file is larger than the 5 MiB limit", "RFL013")]


def test_loading_1000_rules_is_fast(tmp_path):
    lines = [HEADER.rstrip("\n"), "rules:"]
    for i in range(1000):
        lines.append(f"  - {{id: rule-{i}, check: range, field: data.v{i}, min: 1, max: 100, severity: high}}")
    path = tmp_path / "big.yaml"
    path.write_text("\n".join(lines) + "\n")
    load_ruleset(path, registry=REGISTRY, env={})  # warm up imports
    start = time.perf_counter()
    ruleset = load_ruleset(path, registry=REGISTRY, env={})
    elapsed = time.perf_counter() - start
    assert len(ruleset.rules) == 1000
    assert elapsed < 1.0, f"loading 1000 rules took {elapsed:.2f}s"
