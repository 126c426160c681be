"""The pytest plugin rfsrules ships (``rfsrules_runner``) and the check-declaration conformance helpers."""

from __future__ import annotations

import pytest

from plugins_support import make_plugin, value_check
from rfsrules.checks.spec import CheckSpec
from rfsrules.plugins.manager import get_plugin_manager
from rfsrules.ruleset.loader import load_ruleset_text
from rfsrules.testing import DEFAULT_RULE_ID, RulesetRunner, assert_check_specs, check_spec_problems

RULESET = """\
rfsrules: 1
name: runner-test
version: 1.0.0
fields:
  id: {type: integer, required: true}
"""
RECORDS = [{"id": 1}, {"id": "2"}, {}]


def _expect(report):
    assert report.summary.records_total == 3
    assert report.rule("id.required").violations == 1
    assert report.rule("id.type").violations == 1
    assert [v.line for v in report.rule("id.type").examples] == [2]


def test_fixture_is_registered_through_the_pytest11_entry_point(request):
    from importlib.metadata import entry_points

    assert [ep.value for ep in entry_points(group="pytest11") if ep.name == "rfsrules"] == ["rfsrules.testing.fixtures"]
    assert isinstance(request.getfixturevalue("rfsrules_runner"), RulesetRunner)


def test_runner_accepts_yaml_text(rfsrules_runner):
    _expect(rfsrules_runner(RULESET, RECORDS))


def test_runner_accepts_a_path_as_str_or_path(rfsrules_runner, tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(RULESET)
    _expect(rfsrules_runner(path, RECORDS))
    _expect(rfsrules_runner(str(path), RECORDS))


def test_runner_accepts_a_mapping_and_a_ruleset(rfsrules_runner):
    mapping = {"rfsrules": 1, "name": "m", "version": "1.0.0", "fields": {"id": {"type": "integer", "required": True}}}
    _expect(rfsrules_runner(mapping, RECORDS))
    _expect(rfsrules_runner(load_ruleset_text(RULESET), RECORDS))


def test_runner_rejects_other_ruleset_types(rfsrules_runner):
    with pytest.raises(TypeError, match="ruleset must be YAML text, a path, a mapping or a Ruleset, not int"):
        rfsrules_runner(3, [])


def test_runner_passes_metadata_ref_time_and_max_examples(rfsrules_runner):
    ruleset = RULESET + "metadata_rules:\n  fields:\n    source: {type: string, required: true}\n"
    report = rfsrules_runner(ruleset, RECORDS * 3, metadata={"x": 1}, max_examples=2,
                             ref_time="2026-01-15T12:00:00Z")
    assert report.rule("metadata.source.required").violations == 1
    assert len(report.rule("id.required").examples) == 2
    assert report.rule("id.required").violations == 3
    assert report.summary.ref_time.startswith("2026-01-15T12:00:00")


def test_rule_helper_runs_one_rule(rfsrules_runner):
    result = rfsrules_runner.rule({"check": "range", "field": "v", "min": 0}, [{"v": -1}, {"v": 1}, {"v": -5}])
    assert (result.id, result.violations, [v.line for v in result.examples]) == (DEFAULT_RULE_ID, 2, [1, 3])
    named = rfsrules_runner.rule("id: non-negative\ncheck: range\nfield: v\nmin: 0\n", [{"v": -1}])
    assert (named.id, named.violations) == ("non-negative", 1)
    with pytest.raises(TypeError, match="rule must be a mapping or YAML text of one, not list"):
        rfsrules_runner.rule([1], [])


def test_runner_with_an_uninstalled_plugin_module():
    plugin = make_plugin("acme-uninstalled", checks=[
        value_check("acme.no_spaces", lambda v: ("has_space", "contains a space") if isinstance(v, str) and " " in v else None)])
    runner = RulesetRunner(plugins=[plugin])
    result = runner.rule({"check": "acme.no_spaces", "fields": ["a", "b"]}, [{"a": "x y", "b": "z"}, {"b": "p q"}])
    assert (result.violations, [(v.line, v.field, v.reason) for v in result.examples]) == (
        2, [(1, "a", "has_space"), (2, "b", "has_space")])
    assert "acme.no_spaces" not in get_plugin_manager().checks
    assert runner.manager() is runner.manager()


def test_plugin_manager_fixture_is_independent(rfsrules_plugin_manager):
    assert rfsrules_plugin_manager is not get_plugin_manager()
    assert "required" in rfsrules_plugin_manager.checks


def test_installed_plugin_checks_conform():
    specs = [s for s in get_plugin_manager().checks if s.plugin in ("pii", "geo")]
    assert len(specs) == 11
    assert_check_specs(specs)


def test_builtin_checks_conform_like_plugin_checks():
    builtins = [s for s in get_plugin_manager().checks if s.plugin.startswith("rfsrules.checks.builtin.")]
    assert len(builtins) == 16
    assert_check_specs(builtins, RulesetRunner(ref_time="2026-01-15T12:00:00Z"))


def _never(rule, ctx):
    return lambda value: None


def test_conformance_reports_each_problem():
    runner = RulesetRunner(plugins=[make_plugin("bad-specs", checks=[
        CheckSpec(name="bad.lazy", level="value", fields="many", summary="two\nlines", python=_never,
                  params={"n": {"type": "integer"}}, required=("n", "m"),
                  example="id: x\ncheck: bad.lazy\nfield: a\nn: 1\n", failing_record={"a": 1}),
        CheckSpec(name="bad.noexample", level="value", summary="ok", python=_never),
        CheckSpec(name="bad.other", level="value", summary="ok", python=_never, example="check: range\n"),
        CheckSpec(name="bad.passes", level="value", summary="ok", python=_never,
                  example="id: y\ncheck: bad.passes\nfield: a\n", failing_record={"a": 1}),
    ])])
    registry = runner.manager().checks
    assert check_spec_problems(registry.get("bad.lazy"), runner) == [
        "check 'bad.lazy': summary must be one non-empty line",
        "check 'bad.lazy': required parameters ['m'] are not declared in params",
        "check 'bad.lazy': example does not load: <string>:4:3: missing required key 'm'",
    ]
    assert check_spec_problems(registry.get("bad.noexample"), runner) == ["check 'bad.noexample': has no example"]
    assert check_spec_problems(registry.get("bad.other"), runner) == [
        "check 'bad.other': example must be one rule mapping with check: bad.other"]
    assert check_spec_problems(registry.get("bad.passes"), runner) == [
        "check 'bad.passes': example does not flag failing_record (status passed)"]
    with pytest.raises(AssertionError, match="check declarations do not conform:\ncheck 'bad.noexample'"):
        assert_check_specs([registry.get("bad.noexample")], runner)


def test_conformance_reports_an_invalid_params_schema_and_an_unloadable_example(rfsrules_runner):
    spec = CheckSpec(name="bad.schema", level="value", summary="ok", python=_never,
                     params={"n": {"type": "nope"}}, example="id: z\ncheck: bad.schema\nfield: a\n")
    problems = check_spec_problems(spec, rfsrules_runner)
    assert problems[0].startswith("check 'bad.schema': params is not a valid JSON Schema: ")
    assert problems[1].startswith("check 'bad.schema': example does not load: ")
    assert len(problems) == 2
