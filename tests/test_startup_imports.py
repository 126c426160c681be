"""Start-up stays lean: heavy modules load only when used; the shortcuts agree with what they spare."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rfsrules.ruleset import quickschema
from rfsrules.ruleset.validation import ruleset_validator_class

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("rich", "sqlglot", "duckdb", "pydantic", "jsonschema", "jinja2", "polars")

_RUN = """
import json, sys
from rfsrules.cli.app import main
sys.argv = ["rfsrules", "check", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = int(exc.code or 0)
print("\\n" + json.dumps([code, sorted({m.split(".")[0] for m in sys.modules} & set(%s))]))
""" % (json.dumps(HEAVY),)


def _check_in_subprocess(*args: str) -> tuple[int, list[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RFSRULES_", "COLUMNS"))}
    done = subprocess.run([sys.executable, "-c", _RUN, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    code, heavy = json.loads(done.stdout.strip().splitlines()[-1])
    return code, heavy, done.stderr


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_plain_check_imports_no_heavy_module(fmt):
    code, heavy, stderr = _check_in_subprocess(
        "examples/events-clean.jsonl", "-r", "rulesets/pipeline-events.yaml", "--format", fmt, "-q")
    assert (code, stderr) == (1, "")  # the clean sample still breaches the seed's freshness rule
    assert heavy == []


def test_invalid_ruleset_still_reports_located_issues(tmp_path):
    ruleset = tmp_path / "bad.yaml"
    ruleset.write_text("rfsrules: 1\nname: x\nversion: 1.0.0\nfields:\n  id: {type: strng, requird: true}\n")
    data = tmp_path / "d.jsonl"
    data.write_text('{"id": "a"}\n')
    code, heavy, stderr = _check_in_subprocess(str(data), "-r", str(ruleset), "--format", "json")
    assert code == 2
    assert stderr.splitlines() == [
        f"{ruleset}:5:14: type: 'strng' is not one of string, integer, number, boolean, object, array, "
        "timestamp, date, uuid, email, null (did you mean 'string'?)",
        f"{ruleset}:5:21: unknown key 'requird' in field 'id' (did you mean 'required'?)",
        "rfsrules: error: 2 problems in the ruleset; nothing was checked",
    ]
    assert heavy == ["jsonschema"]  # the messages come from jsonschema, loaded for the invalid file only


# --- quickschema agrees with jsonschema -----------------------------------------------------------

KEYS = st.sampled_from(["a", "b", "ab", "id", "x1"])
PATTERNS = st.sampled_from(["^a", "b$", "^[a-z]+$", r"\d", "(", "a|b", "^x"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([0.0, 1.0, 2.5, -1.5, math.inf]),
                    st.sampled_from(["", "a", "ab", "b1", "x", "A", "1"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(KEYS, inner, max_size=3)), max_leaves=8)
TYPES = st.sampled_from(["string", "integer", "number", "boolean", "object", "array", "null", "strin"])
COUNTS = st.one_of(st.integers(-1, 3), st.just(1.0), st.just("2"))


def _keyword_schemas(sub):
    return st.one_of(
        st.builds(lambda t: {"type": t}, st.one_of(TYPES, st.lists(TYPES, max_size=3))),
        st.builds(lambda v: {"enum": v}, st.one_of(st.lists(VALUES, max_size=3), st.just("ab"))),
        st.builds(lambda v: {"const": v}, VALUES),
        st.builds(lambda k, n: {k: n}, st.sampled_from(["minimum", "maximum", "exclusiveMinimum",
                                                        "exclusiveMaximum"]),
                  st.one_of(st.integers(-2, 2), st.just(0.5), st.just("1"))),
        st.builds(lambda k, n: {k: n}, st.sampled_from(["minLength", "maxLength", "minItems", "maxItems",
                                                        "minProperties", "maxProperties"]), COUNTS),
        st.builds(lambda p: {"pattern": p}, PATTERNS),
        st.builds(lambda r: {"required": r}, st.one_of(st.lists(KEYS, max_size=3), st.just("a"))),
        st.builds(lambda u: {"uniqueItems": u}, st.one_of(st.booleans(), st.just(1))),
        st.builds(lambda k, v: {k: v}, st.sampled_from(["multipleOf", "format", "description", "title",
                                                        "default", "$comment", "minContains"]),
                  st.sampled_from([2, "email", "text", 0])),
        st.builds(lambda p: {"properties": p}, st.dictionaries(KEYS, sub, max_size=3)),
        st.builds(lambda p: {"patternProperties": p}, st.dictionaries(PATTERNS, sub, max_size=2)),
        st.builds(lambda s: {"additionalProperties": s}, sub),
        st.builds(lambda s: {"items": s}, st.one_of(sub, st.lists(sub, max_size=2))),
        st.builds(lambda k, s: {k: s}, st.sampled_from(["anyOf", "oneOf", "allOf"]), st.lists(sub, max_size=3)),
        st.builds(lambda s: {"not": s}, sub),
        st.builds(lambda r: {"$ref": r}, st.sampled_from(["#/$defs/d", "#", "#/$defs/missing", "other.json"])),
    )


def _merge(parts):
    out = {}
    for part in parts:
        out.update(part)
    return out


SCHEMAS = st.recursive(
    st.one_of(st.booleans(), st.just({})),
    lambda sub: st.builds(_merge, st.lists(_keyword_schemas(sub), min_size=1, max_size=3)),
    max_leaves=6,
)
ROOTS = st.one_of(SCHEMAS, st.builds(lambda s, d: {**s, "$defs": {"d": d}} if isinstance(s, dict) else s,
                                     SCHEMAS, SCHEMAS))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROOTS, VALUES)
def test_quick_validity_implies_jsonschema_validity(schema, instance):
    if quickschema.is_valid(schema, instance):
        assert list(ruleset_validator_class()(schema).iter_errors(instance)) == []


GRID_VALUES = [None, True, False, -3, -1, 0, 1, 2, 3, 0.0, 0.5, 1.0, 2.5, -1.5, math.inf, math.nan, "", "a", "ab",
               "b1", "x", "1", [], ["a"], ["a", "a"], ["a", "b"], [1, True], [1, 1.0], {}, {"a": 1}, {"b": "x"},
               {"a": None, "ab": [1]}]
GRID_SCHEMAS = [
    *({"type": t} for t in ["string", "integer", "number", "boolean", "object", "array", "null"]),
    {"type": ["integer", "string"]}, {"type": []},
    {"enum": ["a", 1, None]}, {"enum": [True, 0.0, [1, 1.0]]}, {"enum": [1.0, {"a": 1}]}, {"enum": []},
    {"const": 1}, {"const": True}, {"const": "a"}, {"const": ["a"]}, {"const": {"a": 1}}, {"const": None},
    *({k: n} for k in ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"] for n in [-1, 0, 1, 0.5]),
    *({k: n} for k in ["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"]
      for n in [0, 1, 2]),
    *({"pattern": p} for p in ["^a", "b$", "^[a-z]+$", r"\d", "a|b"]),
    {"required": ["a"]}, {"required": ["a", "b"]}, {"required": []}, {"uniqueItems": True},
    {"uniqueItems": False}, {"properties": {"a": {"type": "integer"}}}, {"additionalProperties": False},
    {"properties": {"a": True}, "additionalProperties": False}, {"patternProperties": {"^a": {"type": "null"}}},
    {"patternProperties": {"^a": True}, "additionalProperties": {"type": "string"}}, {"items": {"type": "string"}},
    {"items": False}, {"anyOf": [{"type": "string"}, {"minimum": 1}]},
    {"oneOf": [{"type": "integer"}, {"type": "number"}]}, {"allOf": [{"type": "array"}, {"minItems": 1}]},
    {"not": {"type": "string"}}, {"description": "d", "default": 3, "format": "email"},
]


def test_quick_decisions_match_jsonschema_on_single_keywords():
    decided = 0
    for schema in GRID_SCHEMAS:
        validator = ruleset_validator_class()(schema)
        for value in GRID_VALUES:
            result = quickschema._check(schema, value, schema)
            if result is not None:
                decided += 1
                assert result == (not list(validator.iter_errors(value))), (schema, value)
    assert decided > 0.9 * len(GRID_SCHEMAS) * len(GRID_VALUES)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROOTS)
def test_quick_schema_check_implies_check_schema(schema):
    if quickschema.is_valid_schema(schema):
        jsonschema.Draft202012Validator.check_schema(schema)


def test_quickschema_decides_the_usual_cases():
    schema = {"type": "object", "required": ["a"], "additionalProperties": False,
              "properties": {"a": {"type": "integer", "minimum": 0}, "b": {"oneOf": [
                  {"type": "string", "enum": ["x", "y"]},
                  {"type": "array", "items": {"type": "string"}, "uniqueItems": True, "minItems": 1}]}}}
    assert quickschema.is_valid(schema, {"a": 3, "b": ["x", "z"]})
    assert quickschema.is_valid(schema, {"a": 0, "b": "y"})
    for bad in ({"a": 3.0}, {"a": True}, {"a": -1}, {"b": "x"}, {"a": 1, "c": 2}, {"a": 1, "b": ["x", "x"]}):
        assert not quickschema.is_valid(schema, bad)
        assert list(ruleset_validator_class()(schema).iter_errors(bad))
    assert quickschema.is_valid_schema(schema)
    assert not quickschema.is_valid_schema({"type": "strin"})
    assert not quickschema.is_valid_schema({"pattern": "("})


def test_every_registered_params_schema_is_decided_without_jsonschema():
    from rfsrules.plugins.manager import PluginManager

    manager = PluginManager().load()
    assert len(manager.checks) > 0
    for spec in manager.checks:
        assert quickschema.is_valid_schema(spec.params_schema()), spec.name


def test_invalid_plugin_params_schema_is_still_rejected():
    from plugins_support import make_plugin, value_check

    from rfsrules.errors import PluginError
    from rfsrules.plugins.manager import PluginManager

    plugin = make_plugin("sloppy_minimum", checks=[value_check("s.min", params={"n": {"minimum": "zero"}})])
    with pytest.raises(PluginError, match=r"check 's.min': invalid params schema at properties/n/minimum: "
                                          r"'zero' is not of type 'number'"):
        PluginManager(entry_points=False, extra_plugins=[plugin]).load()


# --- fastparams agrees with Typer's own conversion -----------------------------------------------


def _typer_params():
    import typer.main

    from rfsrules.cli.app import app

    group = typer.main.get_command(app)
    for command in [group, *group.commands.values()]:
        for param in command.params:
            yield command, param


CANDIDATES = ["5", "0", "-3", "007", " 5", "1_000", "+2", "abc", "", "text", "TEXT", "Json", "crit",
              "99999999999999999999999", ["a", "b"], ("a",), (), True, False, 5, 0, -1, 2.0, None]


def test_fast_conversion_matches_typer():
    pytest.importorskip("typer._coercion")
    from typer._click import Context
    from typer._click.exceptions import BadParameter
    from typer._coercion import build_runtime_param

    from rfsrules.cli.fastparams import _FastRuntimeParam

    checked = 0
    for command, param in _typer_params():
        assert isinstance(param._runtime_param, _FastRuntimeParam), (command.name, param.name)
        choices = list(param.type_descriptor.annotation) if hasattr(param.type_descriptor.annotation,
                                                                      "__members__") else []
        ctx = Context(command)
        slow = build_runtime_param(param.type_descriptor)
        for value in CANDIDATES + choices:
            try:
                expected = ("ok", slow.coerce(value, param=param, ctx=ctx))
            except BadParameter as exc:
                expected = ("error", str(exc))
            try:
                got = ("ok", param.get_runtime_param().coerce(value, param=param, ctx=ctx))
            except BadParameter as exc:
                got = ("error", str(exc))
            assert got == expected, (command.name, param.name, value)
            assert type(got[1]) is type(expected[1])
            checked += 1
    assert checked > 500


def test_cli_option_errors_are_typers(tmp_path):
    from typer.testing import CliRunner

    from rfsrules.cli.app import app

    result = CliRunner().invoke(app, ["check", "x.jsonl", "-r", "r.yaml", "--jobs", "0"])
    assert result.exit_code == 2
    assert "Invalid value for '--jobs' / '-j': Input should be greater than or equal to 1" in result.output
    result = CliRunner().invoke(app, ["check", "x.jsonl", "-r", "r.yaml", "--format", "xml"])
    assert "Invalid value for '--format' / '-f': Value error, 'xml' is not one of 'text', 'json', 'junit', " \
           "'markdown'." in result.output
    result = CliRunner().invoke(app, ["lint", "--format", "JSON", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2
    assert json.loads(result.output)["count"] == 1
