"""extends: override by id, patches, disabling, left-to-right bases, cycles, the project root, base errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rfsrules.checks.builtin import builtin_registry
from rfsrules.errors import RulesetError
from rfsrules.ruleset.loader import lint_files, load_ruleset, load_ruleset_text
from rfsrules.ruleset.model import Span

REGISTRY = builtin_registry()
HERE = Path(__file__).resolve().parent
PROJECT = HERE / "fixtures" / "rulesets" / "extends" / "project"
OUTSIDE = HERE / "fixtures" / "rulesets" / "extends" / "outside"


@pytest.fixture(autouse=True)
def in_fixture_dir(monkeypatch):
    """Relative paths keep the expected messages short and stable."""
    monkeypatch.chdir(PROJECT.parent)


def load(name: str, **kw):
    return load_ruleset(f"project/{name}", registry=REGISTRY, env={}, **kw)


def issues(name: str, **kw) -> list[tuple[str, int, int, str, str]]:
    with pytest.raises(RulesetError) as info:
        load(name, **kw)
    return [(i.path, i.line, i.col, i.code, i.message) for i in info.value.issues]


def test_child_overrides_patches_and_disables_base_rules():
    ruleset = load("child.yaml")
    got = [(r.id, r.enabled, dict(r.params), r.severity, r.origin) for r in ruleset.rules]
    base = "extends:project/base.yaml"
    assert got == [
        ("event_id.type", True, {"type": "string", "allow_nan": False}, "high", base),
        ("event_id.required", True, {"allow_null": False}, "high", base),
        ("amount.type", True, {"type": "number", "allow_nan": False}, "high", base),
        # fields merged per key (max from the child), then patched by the child's rule without check:
        ("amount.range", True, {"min": 0, "max": 500, "exclusive_min": False, "exclusive_max": False}, "low", "rules"),
        ("currency.type", True, {"type": "string", "allow_nan": False}, "high", "fields"),
        ("has-rows", True, {"min": 10}, "high", "rules"),  # replaced in place
        ("amount-mean", False, {"stat": "mean", "max": 80}, "medium", "rules"),  # switched off
        ("currency-known", True, {"values": ["EUR", "USD"]}, "medium", base),
        ("own-rule", True, {}, "high", "rules"),
    ]
    assert ruleset.rule("currency-known").span == Span("project/base.yaml", 18, 5)
    assert ruleset.rule("has-rows").span == Span("project/child.yaml", 9, 5)
    assert ruleset.rule("amount-mean").check == "statistic"


def test_header_comes_from_the_child_and_sections_deep_merge():
    ruleset = load("child.yaml")
    assert (ruleset.name, ruleset.version, ruleset.extends) == ("child", "2.0.0", ("base.yaml",))
    assert ruleset.record_id.text == "event_id"  # inherited: the child does not set it
    assert dict(ruleset.quality.weights) == {"completeness": 2.0, "consistency": 1.0, "accuracy": 1.0,
                                             "timeliness": 0.0}
    assert ruleset.thresholds.error_rate_max == 0.2
    assert ruleset.thresholds.processing_time_max == 60.0
    assert [f.path.text for f in ruleset.fields] == ["event_id", "amount", "currency"]
    assert dict(ruleset.fields[1].attributes) == {"type": "number", "min": 0, "max": 500}


def test_several_bases_merge_left_to_right_and_a_shared_base_loads_once():
    ruleset = load("multi.yaml")
    assert [r.id for r in ruleset.rules] == ["id.type", "id.required", "has-rows", "shared", "right-only"]
    shared = ruleset.rule("shared")
    assert dict(shared.params) == {"max": 10, "exclusive_min": False, "exclusive_max": False}
    assert shared.severity == "high" and shared.origin == "extends:project/right.yaml"
    assert ruleset.thresholds.error_rate_max == 0.3
    assert ruleset.thresholds.quality_score_min == 0.5


def test_cycles_are_errors_naming_the_chain():
    assert issues("cycle_a.yaml") == [
        ("project/cycle_b.yaml", 4, 22, "RFL010", "extends cycle: cycle_a.yaml -> cycle_b.yaml -> cycle_a.yaml")]
    assert issues("self_cycle.yaml") == [
        ("project/self_cycle.yaml", 4, 10, "RFL010", "extends cycle: self_cycle.yaml -> self_cycle.yaml")]


def test_errors_inside_a_base_are_reported_with_the_base_path():
    assert issues("child_of_bad.yaml") == [
        ("project/bad_base.yaml", 8, 10, "RFL006", "min (10) is greater than max (1)"),
        ("project/bad_base.yaml", 10, 5, "RFL001", "unknown key 'severty' in rule (did you mean 'severity'?)"),
    ]


def test_missing_base_file():
    missing = os.path.realpath(PROJECT / "nope.yaml")
    assert issues("missing_base.yaml") == [
        ("project/missing_base.yaml", 6, 5, "RFL010",
         f"extends: cannot read 'nope.yaml': file not found (looked for {missing})")]


def test_outside_the_root_is_refused_unless_allowed():
    root = os.path.realpath(PROJECT)
    assert issues("escape.yaml") == [
        ("project/escape.yaml", 4, 10, "RFL010",
         f"extends: '../outside/shared.yaml' resolves outside the project root {root} "
         "(files outside it are refused unless --allow-outside-root is given, or --root names a directory holding them)")]
    ruleset = load("escape.yaml", allow_outside_root=True)
    assert [(r.id, r.origin) for r in ruleset.rules] == [("shared-rows", "extends:outside/shared.yaml")]
    assert ruleset.rules[0].span == Span("outside/shared.yaml", 5, 5)
    assert [r.id for r in load("escape.yaml", root=str(PROJECT.parent)).rules] == ["shared-rows"]


def test_generated_rule_of_a_child_replaces_an_explicit_base_rule(tmp_path):
    (tmp_path / "base.yaml").write_text(
        "rfsrules: 1\nname: b\nversion: 1.0.0\nrules:\n  - {id: x.required, check: not_null, field: x}\n")
    (tmp_path / "child.yaml").write_text(
        "rfsrules: 1\nname: c\nversion: 1.0.0\nextends: base.yaml\nfields:\n  x: {required: true}\n")
    ruleset = load_ruleset(tmp_path / "child.yaml", registry=REGISTRY, env={})
    assert [(r.id, r.check, r.origin) for r in ruleset.rules] == [("x.required", "required", "fields")]


def test_a_patch_for_an_unknown_id_needs_a_check(tmp_path):
    (tmp_path / "base.yaml").write_text("rfsrules: 1\nname: b\nversion: 1.0.0\n")
    (tmp_path / "child.yaml").write_text(
        "rfsrules: 1\nname: c\nversion: 1.0.0\nextends: base.yaml\nrules:\n  - {id: ghost, enabled: false}\n")
    with pytest.raises(RulesetError) as info:
        load_ruleset(tmp_path / "child.yaml", registry=REGISTRY, env={})
    assert [(i.line, i.col, i.message) for i in info.value.issues] == [
        (6, 5, "missing required key 'check' (no rule of the extended rulesets has the id 'ghost')")]


def test_a_patch_for_a_misspelt_id_suggests_the_base_rule(tmp_path):
    (tmp_path / "base.yaml").write_text("rfsrules: 1\nname: b\nversion: 1.0.0\nrules:\n"
                                        "  - {id: rows-min, check: row_count, min: 1}\n")
    (tmp_path / "child.yaml").write_text(
        "rfsrules: 1\nname: c\nversion: 1.0.0\nextends: base.yaml\nrules:\n  - {id: rows_min, min: 5}\n")
    with pytest.raises(RulesetError) as info:
        load_ruleset(tmp_path / "child.yaml", registry=REGISTRY, env={})
    assert [(i.line, i.col, i.message) for i in info.value.issues] == [
        (6, 5, "missing required key 'check' (no rule of the extended rulesets has the id 'rows_min'; "
               "did you mean 'rows-min'?)")]


def test_extends_from_text_resolves_against_base_dir():
    text = "rfsrules: 1\nname: t\nversion: 1.0.0\nextends: common.yaml\n"
    ruleset = load_ruleset_text(text, registry=REGISTRY, env={}, base_dir=str(PROJECT))
    assert [r.id for r in ruleset.rules] == ["id.type", "id.required", "has-rows"]
    assert ruleset.rules[0].span.path == os.path.join(os.path.realpath(PROJECT), "common.yaml")


def test_lint_files_reports_base_errors_once():
    found = lint_files(["project/child_of_bad.yaml", "project/bad_base.yaml"], registry=REGISTRY, env={})
    assert [(i.path, i.line, i.code) for i in found] == [
        ("project/bad_base.yaml", 8, "RFL006"), ("project/bad_base.yaml", 10, "RFL001")]
