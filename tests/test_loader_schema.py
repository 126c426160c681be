"""The ruleset JSON Schema for editors, and property tests: valid rules round-trip, garbage only raises RulesetError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from rfsrules.checks.builtin import builtin_registry
from rfsrules.checks.spec import CheckRegistry, CheckSpec
from rfsrules.errors import RulesetError
from rfsrules.results import DIMENSIONS, SEVERITIES
from rfsrules.ruleset.loader import load_ruleset_text
from rfsrules.ruleset.schema import COMMON_RULE_KEYS, ruleset_json_schema
from rfsrules.ruleset.yamlsafe import parse_yaml

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = builtin_registry()
HEADER = "rfsrules: 1\nname: t\nversion: 1.0.0\n"
SHIPPED = sorted((ROOT / "rulesets").glob("*.yaml"))
FIXTURES = sorted(p for p in (ROOT / "tests" / "fixtures" / "rulesets" / "extends").rglob("*.yaml")
                  if p.name != "bad_base.yaml")  # bad_base.yaml is wrong on purpose


def editor_validator(registry: CheckRegistry = REGISTRY) -> Draft202012Validator:
    schema = ruleset_json_schema(registry)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def data_of(text: str):
    return parse_yaml(text, "x.yaml")[0]


def test_schema_is_draft_2020_12_with_a_branch_per_check():
    schema = ruleset_json_schema(REGISTRY)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    branches = schema["$defs"]["rule"]["allOf"]
    checks = [b["if"]["properties"]["check"]["const"] for b in branches if "properties" in b["if"]]
    assert checks == REGISTRY.names()
    rng = next(b for b in branches if b["if"].get("properties", {}).get("check", {}).get("const") == "range")
    assert rng["then"]["additionalProperties"] is False
    assert set(rng["then"]["properties"]) == set(COMMON_RULE_KEYS) | {"min", "max", "exclusive_min", "exclusive_max"}


@pytest.mark.parametrize("path", SHIPPED + FIXTURES, ids=lambda p: p.name)
def test_shipped_rulesets_and_fixtures_validate(path):
    errors = list(editor_validator().iter_errors(data_of(path.read_text())))
    assert errors == []


@pytest.mark.parametrize("rule, where", [
    ({"id": "x", "check": "range", "field": "v", "mn": 1}, ["rules", 0]),
    ({"id": "x", "check": "rnage", "field": "v"}, ["rules", 0, "check"]),
    ({"id": "x", "check": "range", "field": "v", "severity": "urgent"}, ["rules", 0, "severity"]),
    ({"id": "x", "check": "in", "field": "v"}, ["rules", 0]),
    ({"id": "bad id", "check": "row_count", "min": 1}, ["rules", 0, "id"]),
    ({"check": "row_count", "min": 1}, ["rules", 0]),
    ({"id": "x", "enabled": "no"}, ["rules", 0, "enabled"]),
])
def test_schema_rejects_bad_rules(rule, where):
    data = data_of(HEADER) | {"rules": [rule]}
    errors = list(editor_validator().iter_errors(data))
    assert errors and all(list(e.absolute_path) == where for e in errors)


def test_schema_accepts_overrides_of_check_parameters():
    """``- {id: r, max: 50}`` in an extending file changes the base rule's parameter, as the loader allows."""
    data = data_of(HEADER) | {"rules": [{"id": "x", "max": 50}, {"id": "y", "enabled": False, "severity": "low"}]}
    assert list(editor_validator().iter_errors(data)) == []


def test_schema_rejects_bad_documents():
    validator = editor_validator()
    assert not list(validator.iter_errors(data_of(HEADER)))
    for bad in ({"rfsrules": 2}, {"version": "1.0"}, {"fields": {"x": {"requird": True}}},
                {"quality": {"levels": {"excellent": 2}}}, {"thresholds": {"memory_usage_max": "lots"}},
                {"alerts": {"channels": [{"name": "no type"}]}}, {"unknown": 1}):
        assert list(validator.iter_errors(data_of(HEADER) | bad)), bad


def test_a_plugin_check_appears_in_the_schema():
    plugin = CheckSpec(name="acme.even", level="value", fields="many", summary="even numbers",
                       python=lambda rule, ctx: (lambda v: None),
                       params={"strict": {"type": "boolean"}}, required=("strict",))
    registry = CheckRegistry(list(REGISTRY) + [plugin])
    validator = editor_validator(registry)
    good = data_of(HEADER) | {"rules": [{"id": "e", "check": "acme.even", "field": "n", "strict": True}]}
    assert not list(validator.iter_errors(good))
    bad = data_of(HEADER) | {"rules": [{"id": "e", "check": "acme.even", "field": "n"}]}
    assert [e.message for e in validator.iter_errors(bad)] == ["'strict' is a required property"]


# --- property tests ---------------------------------------------------------------------------------

TEXT = st.text(alphabet=st.sampled_from(list("abcXYZ019 _-.,:;!?()[]{}'\"\\/#&*|<>=%@`~éü한")), max_size=20)
PATH = st.from_regex(r"[a-z_][a-z0-9_]{0,6}(\.[a-z_][a-z0-9_]{0,6})?", fullmatch=True)
RULE_ID = st.from_regex(r"[A-Za-z0-9_.:-]{1,16}", fullmatch=True)
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), TEXT)


def _bounds(lo: int, hi: int):
    return st.tuples(st.integers(lo, hi), st.integers(lo, hi)).map(sorted).map(lambda b: {"min": b[0], "max": b[1]})


PARAMS = {
    "range": _bounds(-1000, 1000),
    "length": _bounds(0, 50),
    "pattern": st.fixed_dictionaries({"pattern": st.sampled_from(["^a", "b+$", "[0-9]{2}", "x|y"])},
                                     optional={"full_match": st.booleans()}),
    "in": st.fixed_dictionaries({"values": st.lists(SCALAR, min_size=1, max_size=4)}),
    "not_in": st.fixed_dictionaries({"values": st.lists(SCALAR, min_size=1, max_size=4)}),
    "not_null": st.just({}),
    "required": st.fixed_dictionaries({}, optional={"allow_null": st.booleans()}),
    "type": st.fixed_dictionaries({"type": st.sampled_from(["string", "integer", "number", "timestamp", "uuid"])}),
    "max_age": st.fixed_dictionaries({"max_age": st.sampled_from(["1h", "30m", "2d", "1h30m"])}),
    "row_count": st.integers(0, 10).map(lambda n: {"min": n}),
}


@st.composite
def valid_rules(draw):
    check = draw(st.sampled_from(sorted(PARAMS)))
    spec = REGISTRY.get(check)
    rule = {"id": draw(RULE_ID), "check": check}
    if spec.fields != "none":
        paths = draw(st.lists(PATH, min_size=1, max_size=3 if spec.fields == "many" else 1, unique=True))
        if len(paths) == 1 and draw(st.booleans()):
            rule["field"] = paths[0]
        else:
            rule["fields"] = paths
    rule.update(draw(PARAMS[check]))
    optional = {
        "severity": st.sampled_from(SEVERITIES), "dimension": st.sampled_from(DIMENSIONS), "message": TEXT,
        "enabled": st.booleans(), "description": TEXT, "tags": st.lists(TEXT, max_size=3),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            rule[key] = draw(strategy)
    return rule


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_rules())
def test_valid_rules_round_trip(rule):
    text = HEADER + "rules:\n  - " + json.dumps(rule) + "\n"
    loaded = load_ruleset_text(text, registry=REGISTRY, env={}).rule(rule["id"])
    spec = REGISTRY.get(rule["check"])
    fields = [rule["field"]] if "field" in rule else rule.get("fields", [])
    params = {k: s["default"] for k, s in spec.params.items() if "default" in s}
    params.update({k: v for k, v in rule.items() if k in spec.params})
    assert loaded.check == rule["check"] and loaded.level == spec.level
    assert list(loaded.field_names) == fields
    assert dict(loaded.params) == params
    assert loaded.severity == rule.get("severity", spec.default_severity)
    assert loaded.dimension == rule.get("dimension", spec.default_dimension)
    assert loaded.message == rule.get("message")
    assert loaded.enabled == rule.get("enabled", True)
    assert loaded.description == rule.get("description")
    assert loaded.tags == tuple(rule.get("tags", ()))
    assert (loaded.span.line, loaded.span.col) == (5, 6)


KEYS = st.sampled_from(sorted(set(COMMON_RULE_KEYS) | {
    "rfsrules", "name", "version", "fields", "rules", "metadata_rules", "quality", "thresholds", "extends",
    "plugins", "record_id", "min", "max", "values", "pattern", "type", "required", "levels", "weights",
    "expr", "schema", "schema_file", "completion", "stat", "anomalies", "alerts", "report", "junk"}))
JSONISH = st.recursive(
    st.one_of(SCALAR, st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(["range", "row_count", "1.0.0"])),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=25)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(KEYS, JSONISH, max_size=6), st.booleans())
def test_garbage_rulesets_only_raise_ruleset_error(extra, with_header):
    document = ({"rfsrules": 1, "name": "g", "version": "1.0.0"} if with_header else {}) | extra
    try:
        load_ruleset_text(json.dumps(document), registry=REGISTRY, env={})
    except RulesetError as exc:
        assert exc.issues and all(i.line >= 1 and i.col >= 1 and i.code.startswith("RFL") for i in exc.issues)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_garbage_text_only_raises_ruleset_error(text):
    try:
        load_ruleset_text(HEADER + text, registry=REGISTRY, env={})
    except RulesetError as exc:
        assert exc.issues


def test_the_loader_validates_plugin_check_parameters():
    plugin = CheckSpec(name="acme.even", level="value", fields="many", summary="even numbers",
                       python=lambda rule, ctx: (lambda v: None),
                       params={"strict": {"type": "boolean", "default": False}})
    broken = CheckSpec(name="acme.broken", level="value", fields="many", summary="bad schema",
                       python=lambda rule, ctx: (lambda v: None), params={"n": {"type": "strnig"}})
    registry = CheckRegistry(list(REGISTRY) + [plugin, broken])
    ok = load_ruleset_text(HEADER + "rules:\n  - {id: e, check: acme.even, field: n}\n", registry=registry, env={})
    assert dict(ok.rule("e").params) == {"strict": False} and ok.rule("e").level == "value"
    with pytest.raises(RulesetError) as info:
        load_ruleset_text(HEADER + "rules:\n  - {id: e, check: acme.even, field: n, strictt: true}\n"
                                   "  - {id: b, check: acme.broken, field: n, n: 1}\n", registry=registry, env={})
    assert [(i.line, i.col, i.message) for i in info.value.issues] == [
        (5, 41, "unknown key 'strictt' in rule (did you mean 'strict'?)"),
        (6, 5, "cannot validate rule against its schema: UnknownType: Unknown type 'strnig' for validator "
               "with schema:"),
    ]
