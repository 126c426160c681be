"""Expressions in rulesets: where:/expr: parse errors, unknown fields and functions, all at line:col."""

from __future__ import annotations

import textwrap

import pytest

from rfsrules.checks.builtin import builtin_registry
from rfsrules.errors import RulesetError
from rfsrules.ruleset.loader import load_ruleset_text

REGISTRY = builtin_registry()
HEADER = "rfsrules: 1\nname: t\nversion: 1.0.0\n"
FIELDS = textwrap.dedent("""\
    fields:
      data: {type: object}
      amount: {type: number}
      status: {type: string}
      meta:
      items[*].sku: {type: string}
    """)


def issues(text: str) -> list[tuple[int, int, str, str]]:
    with pytest.raises(RulesetError) as info:
        load_ruleset_text(text, path="t.yaml", registry=REGISTRY, env={})
    return [(i.line, i.col, i.code, i.message) for i in info.value.issues]


def rule(body: str) -> str:
    return HEADER + FIELDS + "rules:\n" + textwrap.indent(textwrap.dedent(body), "  ")


def test_declared_fields_objects_and_untyped_parents_are_known():
    text = rule("""\
        - id: ok
          check: expression
          expr: "amount >= 0 AND data.any.depth = 1 AND meta.x IS NULL AND upper(status) <> 'X'"
          where: "items[0].sku IS NOT NULL"
        """)
    ruleset = load_ruleset_text(text, registry=REGISTRY, env={})
    rule_ = ruleset.rule("ok")
    assert rule_.where_text == "items[0].sku IS NOT NULL" and rule_.where is not None
    assert rule_.params["expr"].startswith("amount >= 0")


def test_expression_syntax_error_at_its_character():
    assert issues(rule('- id: e\n  check: expression\n  expr: "amount > "\n')) == [
        (13, 19, "RFL007", "expr: incomplete expression: an operand is missing near '>'")]


def test_where_with_unknown_function_suggests_a_name():
    got = issues(rule("- id: w\n  check: range\n  field: amount\n  min: 0\n  where: lenght(status) > 2\n"))
    assert got == [(15, 12, "RFL009", "where: unknown function 'lenght' (did you mean 'length'?)")]


def test_unknown_fields_in_expressions():
    got = issues(rule("""\
        - id: u
          check: expression
          expr: "stauts = 'a' OR status.inner = 1 OR amount > 0"
        """))
    assert got == [
        (13, 12, "RFL008", "expr: unknown field 'stauts' (did you mean 'status'?); declare it under fields:"),
        (13, 28, "RFL008", "expr: unknown field 'status.inner' (did you mean 'status'?); declare it under fields:"),
    ]


def test_without_a_fields_section_any_field_may_be_named():
    text = HEADER + "rules:\n  - {id: free, check: expression, expr: 'anything.goes > 1'}\n"
    assert load_ruleset_text(text, registry=REGISTRY, env={}).rule("free").params["expr"] == "anything.goes > 1"


def test_metadata_expressions_use_metadata_fields():
    text = HEADER + FIELDS + textwrap.dedent("""\
        metadata_rules:
          fields:
            source: {type: string}
          rules:
            - id: m
              check: expression
              expr: "sorce IS NOT NULL AND amount > 0"
        """)
    assert issues(text) == [
        (16, 14, "RFL008", "expr: unknown field 'sorce' (did you mean 'source'?); declare it under fields:"),
        (16, 36, "RFL008", "expr: unknown field 'amount'; declare it under fields:"),
    ]


def test_multiline_expression_errors_point_at_the_character():
    text = rule("- id: e\n  check: expression\n  expr: >\n    amount >\n    AND\n")
    got = issues(text)
    assert [(line, col, code) for line, col, code, _ in got] == [(15, 7, "RFL007")]  # the AND
