"""QA regressions of the ruleset loader: one issue per problem at the right column, no secrets in reprs."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rfsrules.checks.builtin import builtin_registry
from rfsrules.errors import RulesetError
from rfsrules.expr import ExprError, field_offsets, parse_expression
from rfsrules.ruleset.loader import load_ruleset, load_ruleset_text
from rfsrules.ruleset.yamlsafe import YamlLimits

NO_ALIAS_TEXT_LIMIT = YamlLimits(max_alias_chars=10**12)  # to test the layers after the YAML reader

REGISTRY = builtin_registry()
HEADER = "rfsrules: 1\nname: t\nversion: 1.0.0\n"


def issues(text: str, **kw) -> list[tuple[int, int, str, str]]:
    kw.setdefault("env", {})
    with pytest.raises(RulesetError) as info:
        load_ruleset_text(textwrap.dedent(text), path="t.yaml", registry=REGISTRY, **kw)
    return [(i.line, i.col, i.code, i.message) for i in info.value.issues]


# --- an unset ${VAR} is one problem, not two ------------------------------------------------------

def test_unset_variable_is_reported_once_at_its_value():
    text = HEADER + """\
description: ${NOPE}
rules:
  - id: x
    check: row_count
    min: ${MIN_ROWS}
  - id: y
    check: ${CHECK}
  - id: z
    check: range
    field: a
    min: "${LO}"
    max: 1
"""
    assert issues(text) == [
        (4, 14, "RFL012", "environment variable 'NOPE' is not set (write ${NOPE:-default} to give a default)"),
        (8, 10, "RFL012", "environment variable 'MIN_ROWS' is not set (write ${MIN_ROWS:-default} to give a default)"),
        (10, 12, "RFL012", "environment variable 'CHECK' is not set (write ${CHECK:-default} to give a default)"),
        (14, 11, "RFL012", "environment variable 'LO' is not set (write ${LO:-default} to give a default)"),
    ]


def test_other_problems_of_the_file_are_still_reported_with_an_unset_variable():
    text = HEADER + "description: ${NOPE}\nowner: 5\n"
    assert issues(text) == [
        (4, 14, "RFL012", "environment variable 'NOPE' is not set (write ${NOPE:-default} to give a default)"),
        (5, 8, "RFL002", "owner: expected a string, got integer 5"),
    ]


def test_a_set_variable_with_a_wrong_value_is_still_a_schema_error():
    text = HEADER + "rules:\n  - id: x\n    check: row_count\n    min: ${MIN_ROWS}\n"
    assert issues(text, env={"MIN_ROWS": "many"}) == [
        (7, 10, "RFL002", "min: expected an integer, got string 'many'")]


# --- an undeclared field is located at its reference, not at the first matching text ---------------

def test_unknown_field_is_located_at_the_reference_not_inside_a_string_literal():
    # the expression is a plain scalar starting at column 11
    text = HEADER + """\
fields:
  name: {type: string}
rules:
  - id: a
    check: expression
    expr: name = 'foo' and foo > 1 and "user-id" = 1 and meta['a.b'] = 2
    where: "'bar' = name or bar.x[0] = 1"
"""
    assert issues(text) == [
        (9, 28, "RFL008", "expr: unknown field 'foo'; declare it under fields:"),
        (9, 40, "RFL008", "expr: unknown field 'user-id'; declare it under fields:"),
        (9, 58, "RFL008", "expr: unknown field 'meta[\"a.b\"]'; declare it under fields:"),
        (10, 29, "RFL008", "where: unknown field 'bar.x[0]'; declare it under fields:"),
    ]


def test_field_offsets_of_an_expression():
    expr = parse_expression("'a' = a or a.b > 1 and \"x y\" is null and a = 2")
    assert field_offsets(expr) == {"a": 6, "a.b": 11, '["x y"]': 23}


# --- composite keys with [*] are refused by lint, not at run time ---------------------------------

@pytest.mark.parametrize("check, extra", [("unique", ""), ("duplicate_rate", "\n    max: 0.1")])
def test_composite_key_with_a_wildcard_is_a_lint_error(check, extra):
    text = HEADER + f"rules:\n  - id: k\n    check: {check}\n    fields: [a, 'items[*].sku']{extra}\n"
    assert issues(text) == [
        (7, 5, "RFL015", "fields: a composite key cannot use [*] paths; give one [*] path alone")]


def test_a_single_wildcard_key_is_still_fine():
    ruleset = load_ruleset_text(HEADER + "rules:\n  - id: k\n    check: unique\n    field: 'items[*].sku'\n",
                                registry=REGISTRY, env={})
    assert [r.id for r in ruleset.rules] == ["k"]


# --- IS DISTINCT FROM gets its own message -------------------------------------------------------

@pytest.mark.parametrize("text, offset", [("x is distinct from 1", 2), ("a = 1 and x IS NOT DISTINCT FROM y", 12)])
def test_is_distinct_from_is_named_not_mistaken_for_a_statement(text, offset):
    with pytest.raises(ExprError) as info:
        parse_expression(text)
    assert (info.value.message, info.value.offset) == (
        "IS [NOT] DISTINCT FROM and '<=>' are not supported", offset)


# --- a loaded ruleset does not print its sections (secrets) ----------------------------------------

SECRET_RULESET = HEADER + """\
rules:
  - id: x
    check: row_count
    min: 1
alerts:
  channels:
    - {type: slack, webhook: "https://hooks.example.com/${API_TOKEN}", token: "${API_TOKEN}"}
"""


def test_ruleset_repr_is_short_and_holds_no_alert_settings(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(SECRET_RULESET)
    ruleset = load_ruleset(path, registry=REGISTRY, env={"API_TOKEN": "SECRET123XYZ"})
    assert ruleset.alerts["channels"][0]["token"] == "SECRET123XYZ"
    assert repr(ruleset) == f"Ruleset(name='t', version='1.0.0', source={str(path)!r}, rules=1, metadata_rules=0)"


def test_plugin_trace_does_not_print_alert_tokens(tmp_path):
    (tmp_path / "rules.yaml").write_text(SECRET_RULESET)
    (tmp_path / "batch.jsonl").write_text('{"id": 1}\n')
    env = {"RFSRULES_TRACE_PLUGINS": "1", "API_TOKEN": "SECRET123XYZ", "PATH": ""}
    done = subprocess.run([sys.executable, "-m", "rfsrules", "check", "batch.jsonl", "-r", "rules.yaml", "-q"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "rfsrules_ruleset_loaded" in done.stderr  # the trace ran and printed the hook calls
    assert "SECRET123XYZ" not in done.stderr + done.stdout


# --- keys in any script are written bare, in fields:, record_id: and expressions alike --------------

def test_non_ascii_keys_are_plain_field_paths():
    from rfsrules.paths import parse_path

    assert parse_path("이름").segments == ("이름",)
    assert parse_path("data.名前[0]").segments == ("data", "名前", 0)
    assert parse_path('["이름"]').text == '["이름"]'  # the quoted form still works
    ruleset = load_ruleset_text(HEADER + """\
record_id: 이름
fields:
  이름: {type: string, required: true}
rules:
  - id: name-long-enough
    check: expression
    expr: "length(이름) > 1"
""", registry=REGISTRY, env={})
    assert [r.id for r in ruleset.rules] == ["이름.type", "이름.required", "name-long-enough"]
    assert ruleset.record_id.segments == ("이름",)


def test_a_key_starting_with_a_digit_still_needs_quotes():
    text = HEADER + "fields:\n  2024: {type: string}\n  '2024x': {type: string}\n  '[\"2024\"]': {type: string}\n"
    assert issues(text) == [
        (5, 3, "RFL014", "invalid field path '2024' at character 1: unexpected '2'"),
        (6, 4, "RFL014", "invalid field path '2024x' at character 1: unexpected '2'"),
    ]


# --- expressions in quoted YAML with escapes are located at the character, not the value start -------

def test_expression_problems_in_escaped_single_quoted_yaml_are_located_exactly():
    # 'x = ''it''''s'' and lenght(x) > 1' : the value is  x = 'it''s' and lenght(x) > 1
    text = HEADER + "rules:\n  - id: a\n    check: expression\n    expr: 'x = ''it''''s'' and lenght(x) > 1'\n"
    assert issues(text) == [(7, 32, "RFL009", "expr: unknown function 'lenght' (did you mean 'length'?)")]


def test_expression_problems_in_escaped_double_quoted_yaml_are_located_exactly():
    text = HEADER + 'fields:\n  x: {}\nrules:\n  - id: a\n    check: expression\n' \
                    '    expr: "x = \\"a\\" and \\u00e9 = 1 and y > 1"\n'
    assert issues(text) == [
        (9, 16, "RFL008", "expr: unknown field 'a'; declare it under fields:"),
        (9, 26, "RFL008", "expr: unknown field 'é'; declare it under fields:"),
        (9, 41, "RFL008", "expr: unknown field 'y'; declare it under fields:"),
    ]


def test_escape_shifts():
    from rfsrules.ruleset.yamlsafe import _escape_shifts

    assert _escape_shifts("a''b", "'") == [0, 1, 3, 4]
    assert _escape_shifts('a\\"b\\x41\\u00e9\\U0001F600c', '"') == [0, 1, 3, 4, 8, 14, 24, 25]


def test_expression_problems_in_block_scalars_are_located_at_their_line():
    text = HEADER + """\
fields:
  amount: {type: number}
  kind: {type: string}
rules:
  - id: a
    check: expression
    expr: >
      kind <> 'refund'
      or (amount < 0 and lenght(kind) > 1)
  - id: b
    check: expression
    expr: |
      kind = 'x'
        and amout > 1
  - id: c
    check: range
    field: amount
    min: 0
    where: >-
      kind = 'sale' and
      amount >
  - id: d
    check: expression
    expr: |2
        amout > 1
"""
    assert issues(text) == [
        (12, 26, "RFL009", "expr: unknown function 'lenght' (did you mean 'length'?)"),
        (17, 13, "RFL008", "expr: unknown field 'amout' (did you mean 'amount'?); declare it under fields:"),
        (24, 14, "RFL007", "where: incomplete expression: an operand is missing near '>'"),
        # an explicit indentation indicator: located at the start of the value
        (27, 11, "RFL008", "expr: unknown field 'amout' (did you mean 'amount'?); declare it under fields:"),
    ]


# --- lint validates a ruleset's plugins: like check does --------------------------------------------

SLUG_PLUGIN = '''\
from rfsrules import CheckSpec, hookimpl


def build(rule, ctx):
    return lambda value: None


@hookimpl
def rfsrules_register_checks():
    return [CheckSpec(name="qa.slug", level="value", fields="many", summary="A slug.", python=build,
                      params={"max_length": {"type": "integer", "minimum": 1}})]
'''


def lint_cli(*args: str):
    from typer.testing import CliRunner

    from rfsrules.cli.app import app

    return CliRunner().invoke(app, ["lint", *args])


def test_lint_knows_the_checks_of_the_rulesets_local_plugins(tmp_path):
    (tmp_path / "slug.py").write_text(SLUG_PLUGIN)
    (tmp_path / "rules.yaml").write_text(HEADER + "plugins: [slug.py]\nrules:\n"
                                         "  - {id: a, check: qa.slug, field: x, max_length: long}\n")
    result = lint_cli(str(tmp_path / "rules.yaml"))
    # was: "unknown check 'qa.slug'" from lint while rfsrules check ran the same ruleset
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        f"{tmp_path / 'rules.yaml'}:6:51: RFL002 max_length: expected an integer, got string 'long'",
        "1 problem in 1 file",
    ]


def test_lint_reports_broken_plugins_entries_once_each(tmp_path):
    (tmp_path / "rules.yaml").write_text(HEADER + "plugins:\n  - ../x.py\n  - missing.py\n  - 5\n"
                                         "rules:\n  - {id: a, check: row_count, min: 1}\n")
    result = lint_cli(str(tmp_path / "rules.yaml"))
    assert result.exit_code == 2
    path = tmp_path / "rules.yaml"
    assert result.stdout.splitlines() == [
        f"{path}:5:5: RFL017 plugin file '../x.py' is outside the ruleset's directory {str(tmp_path)!r}",
        f"{path}:6:5: RFL017 plugin file 'missing.py' does not exist (looked for {str(tmp_path / 'missing.py')!r})",
        f"{path}:7:5: RFL002 plugins[2]: expected a string, got integer 5",
        "3 problems in 1 file",
    ]


def test_lint_does_not_fire_the_ruleset_loaded_hook(tmp_path):
    from rfsrules.plugins.manager import get_plugin_manager

    calls = []
    manager = get_plugin_manager()
    original = manager.notify_ruleset_loaded
    manager.notify_ruleset_loaded = lambda ruleset: calls.append(ruleset.name)
    try:
        (tmp_path / "rules.yaml").write_text(HEADER + "rules:\n  - {id: a, check: row_count, min: 1}\n")
        assert lint_cli(str(tmp_path / "rules.yaml")).exit_code == 0
        assert calls == []
        load_ruleset(tmp_path / "rules.yaml")
        assert calls == ["t"]
    finally:
        manager.notify_ruleset_loaded = original


# --- the editor schema accepts ${VAR} wherever the loader substitutes it ---------------------------

ENV_TEXT = """\
rfsrules: ${FORMAT:-1}
name: ${NAME:-env}
version: ${VERSION:-1.0.0}
fields:
  amount: {type: [number, "${EXTRA_TYPE:-integer}"], min: "${LO:-0}", required: "${REQ:-true}"}
rules:
  - id: rows-${ENV:-dev}
    check: row_count
    min: ${MIN_ROWS:-1}
    severity: ${SEV:-high}
    enabled: ${ON:-true}
  - id: fresh
    check: max_age
    field: ts
    max_age: ${MAX_AGE:-1h}
thresholds:
  quality_score_min: ${QMIN:-0.8}
  memory_usage_max: ${MEM:-512MiB}
"""


def test_editor_schema_accepts_env_references_the_loader_substitutes():
    import jsonschema

    from rfsrules.ruleset.schema import ruleset_json_schema
    from rfsrules.ruleset.yamlsafe import parse_yaml

    ruleset = load_ruleset_text(ENV_TEXT, registry=REGISTRY, env={"SEV": "critical"})
    assert [(r.id, r.severity) for r in ruleset.rules][-2:] == [("rows-dev", "critical"), ("fresh", "medium")]
    schema = ruleset_json_schema(REGISTRY)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    data = parse_yaml(ENV_TEXT)[0]
    # was: 12 errors such as "'${MIN_ROWS:-1}' is not of type 'integer'" for a file the loader accepts
    assert [list(e.absolute_path) for e in validator.iter_errors(data)] == []
    # values that are neither valid nor a reference are still errors, where they are
    bad = dict(data, rules=[dict(data["rules"][0], min="lots", severity="hgh")])
    assert sorted({tuple(e.absolute_path) for e in validator.iter_errors(bad)}) == [
        ("rules", 0, "min"), ("rules", 0, "severity")]


# --- a field with one bad attribute still has its other attributes checked -------------------------

def test_a_bad_field_attribute_does_not_hide_the_fields_other_problems():
    text = HEADER + """\
fields:
  a: {required: true, severty: high, min: 5, max: 1}
  b: {exclusive_min: true, min: "x", max: 1}
  c: {type: [string, strin], pattern: "(?<=x)"}
  d: {in: 5, min_length: 3, max_length: 2}
metadata_rules:
  fields:
    src: {requird: true, min: 2, max: 1}
"""
    # was: only the schema errors; min > max, the invalid regex and the lengths were not reported
    assert issues(text) == [
        (5, 23, "RFL001", "unknown key 'severty' in field 'a' (did you mean 'severity'?)"),
        (5, 43, "RFL006", "min (5) is greater than max (1)"),
        (6, 33, "RFL002", "min: expected a number, got string 'x'"),
        (7, 22, "RFL002", "type[1]: 'strin' is not one of string, integer, number, boolean, object, array, "
                          "timestamp, date, uuid, email, null (did you mean 'string'?)"),
        (7, 39, "RFL005", "pattern: invalid regular expression: invalid perl operator: (?<="),
        (8, 11, "RFL002", "in: expected a list, got integer 5"),
        (8, 26, "RFL006", "min (3) is greater than max (2)"),
        (11, 11, "RFL001", "unknown key 'requird' in field 'src' (did you mean 'required'?)"),
        (11, 31, "RFL006", "min (2) is greater than max (1)"),
    ]


# --- an override is not reported as missing its check when that is not its problem -----------------

def test_an_override_of_a_base_that_cannot_be_loaded_is_not_also_missing_a_check(tmp_path):
    (tmp_path / "child.yaml").write_text(HEADER + "extends: missing.yaml\nrules:\n  - id: r\n    enabled: false\n")
    with pytest.raises(RulesetError) as info:
        load_ruleset(tmp_path / "child.yaml", registry=REGISTRY, env={})
    # was: also "missing required key 'check'" at 6:5, for an override of a rule of the missing base
    assert [(i.line, i.col, i.code) for i in info.value.issues] == [(4, 10, "RFL010")]


def test_a_repeated_override_is_only_a_duplicate_id(tmp_path):
    (tmp_path / "base.yaml").write_text(HEADER + "rules:\n  - {id: r, check: row_count, min: 1}\n")
    (tmp_path / "child.yaml").write_text(
        HEADER + "extends: base.yaml\nrules:\n  - {id: r, min: 2}\n  - {id: r, min: 3}\n  - {id: ghost, min: 1}\n")
    with pytest.raises(RulesetError) as info:
        load_ruleset(tmp_path / "child.yaml", registry=REGISTRY, env={})
    child = str(tmp_path / "child.yaml")
    # was: also "missing required key 'check'" at 7:5; an override naming no base rule still needs a check
    assert [(i.line, i.col, i.code, i.message) for i in info.value.issues] == [
        (7, 6, "RFL004", f"duplicate rule id 'r' (first defined at {child}:6:6)"),
        (8, 5, "RFL002", "missing required key 'check' (no rule of the extended rulesets has the id 'ghost')"),
    ]


# --- a value of the wrong type is one problem, not also "None is not one of ..." -------------------

def test_a_wrong_typed_enum_value_is_one_issue_in_yaml_words():
    text = HEADER + """\
fields:
  a: {type: [string, null]}
  b: {type: null}
rules:
  - {id: s, check: statistic, field: x, stat: null}
  - {id: t, check: statistic, field: x, stat: avg}
"""
    hint = " (quote it, 'null', to name the null type)"
    # was: two issues at each of the first three places, the first naming Python's None
    assert issues(text) == [
        (5, 22, "RFL002", "type[1]: expected a string, got null" + hint),
        (6, 13, "RFL002", "type: expected a string or a list, got null" + hint),
        (8, 47, "RFL002", "stat: expected a string, got null"),
        (9, 47, "RFL002", "stat: 'avg' is not one of mean, min, max, stddev, sum"),
    ]
    assert issues("rfsrules: true\nname: t\nversion: 1.0.0\n") == [
        (1, 11, "RFL002", "rfsrules: unsupported format version true (this version of rfsrules reads format 1)")]


# --- aliases cannot multiply the loader's work past the node budget --------------------------------

def test_an_aliased_string_with_a_dollar_is_substituted_once(monkeypatch):
    from rfsrules.ruleset import envsubst

    calls = []
    original = envsubst.substitute_text
    monkeypatch.setattr(envsubst, "substitute_text", lambda text, *a: calls.append(len(text)) or original(text, *a))
    big = "$x " * 100_000 + "${A:-x}"
    text = HEADER + f'description: &a "{big}"\nreport:\n  formats: [' + ", ".join(["*a"] * 2_000) + "]\n"
    ruleset = load_ruleset_text(text, registry=REGISTRY, env={}, limits=NO_ALIAS_TEXT_LIMIT)
    formats = ruleset.report["formats"]
    # was: one substitution (and one 300 kB copy) per alias: 20,000 aliases of a 1 MB string took
    # more than two minutes and gigabytes of memory
    assert calls == [len(big)]
    assert len(formats) == 2_000 and all(f is formats[0] for f in formats)
    assert formats[0].endswith("$x x")


def test_a_long_expression_repeated_through_merge_keys_is_parsed_once(monkeypatch):
    from rfsrules import expr as exprlib

    calls = []
    original = exprlib.parse_expression
    monkeypatch.setattr(exprlib, "parse_expression", lambda text: calls.append(text) or original(text))
    expression = " and ".join(["x = 1"] * 50)
    text = HEADER + f'rules:\n  - &r {{id: a, check: expression, expr: "{expression}", where: "x <> 2"}}\n' + "".join(
        f"  - {{<<: *r, id: a{i}}}\n" for i in range(200))
    ruleset = load_ruleset_text(text, registry=REGISTRY, env={})
    assert len(ruleset.rules) == 201
    # was: 402 parses; 2,000 copies of a 9,000-character expression took 100 s to lint
    assert sorted(calls) == sorted([expression, "x <> 2"])


def test_an_aliased_duplicate_rule_is_reported_once_and_briefly():
    huge_id = "a" * 200_000
    text = HEADER + f'rules:\n  - &r {{id: "{huge_id}", check: range, field: x}}\n' + "  - *r\n" * 300
    found = issues(text, limits=NO_ALIAS_TEXT_LIMIT)
    # was: every alias compiled again, and each duplicate message quoted the whole id (300 x 200 kB)
    assert found == [
        (5, 9, "RFL004", "duplicate rule id '" + "a" * 75 + "...' (first defined at t.yaml:5:9)"),
        (5, 9, "RFL002", "give at least one of min, max"),
    ]


def test_lint_checks_the_contents_of_a_schema_file(tmp_path):
    """A schema_file that is not JSON or not a valid JSON Schema is a lint error at the parameter, not a run-time one."""
    from rfsrules.ruleset.loader import lint_files

    (tmp_path / "bad-schema.json").write_text('{"type": 5}')
    (tmp_path / "broken.json").write_text('{"type": ')
    (tmp_path / "good.yaml").write_text("type: object\nrequired: [id]\n")
    rules = tmp_path / "js.yaml"
    rules.write_text("rfsrules: 1\nname: s\nversion: 1.0.0\nrules:\n"
                     "  - {id: a, check: json_schema, schema_file: bad-schema.json}\n"
                     "  - {id: b, check: json_schema, schema_file: broken.json}\n"
                     "  - {id: c, check: json_schema, schema_file: good.yaml}\n")
    found = [(i.line, i.col, i.code, i.message) for i in lint_files([str(rules)])]
    real = tmp_path.resolve()
    assert found == [
        (5, 46, "RFL016", f"schema_file: '{real / 'bad-schema.json'}': invalid JSON Schema at /type: "
                          "5 is not valid under any of the given schemas"),
        (6, 46, "RFL016", f"schema_file: cannot read '{real / 'broken.json'}': Expecting value: line 1 column 10 "
                          "(char 9)"),
    ]


def test_aliases_may_not_repeat_more_than_a_mebibyte_of_text():
    """A 56 kB file whose merge keys repeat a 9,000-character expression 2,000 times expanded into 18 MB
    of rules (the DuckDB engine then planned for minutes); aliases now repeat at most 1 MiB of text."""
    expr = " and ".join(["x = 1"] * 1000)
    text = HEADER + f'rules:\n  - &r {{id: a, check: expression, expr: "{expr}"}}\n' + "".join(
        f"  - {{<<: *r, id: a{i}}}\n" for i in range(2000))
    found = issues(text)
    assert found == [(110, 10, "RFL013", "aliases repeat more than 1 MiB of text (each alias counts the text it "
                                         "stands for); is this an alias bomb?")]
    small = HEADER + "rules:\n  - &r {id: a, check: row_count, min: 1, severity: low}\n" + "".join(
        f"  - {{<<: *r, id: a{i}}}\n" for i in range(2000))
    assert len(load_ruleset_text(small, registry=REGISTRY, env={}).rules) == 2001
