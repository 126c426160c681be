"""Cross-engine conformance: every case under cases/ runs on every registered engine with the same expectations."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from rfsrules.plugins.manager import get_plugin_manager
from rfsrules.ruleset.loader import load_ruleset_text
from rfsrules.runner import check

CASES_DIR = Path(__file__).parent / "cases"
DEFAULT_REF_TIME = "2026-01-15T12:00:00Z"
CASE_FILES = sorted(CASES_DIR.glob("*/*.yaml"))


def _load_case(path: Path) -> dict:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def _engines() -> list[str]:
    return sorted(get_plugin_manager().engines)


def _ruleset_text(case: dict, name: str) -> str:
    import io

    doc = {"rfsrules": 1, "name": name, "version": "1.0.0"}
    doc.update(case["ruleset"])
    buf = io.StringIO()
    YAML(typ="safe").dump(doc, buf)
    return buf.getvalue()


def _close(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def run_case(path: Path, engine: str, tmp_path: Path):
    case = _load_case(path)
    data = tmp_path / "batch.jsonl"
    data.write_bytes(("\n".join(case["lines"]) + "\n").encode("utf-8"))
    ruleset = load_ruleset_text(_ruleset_text(case, f"conformance-{path.parent.name}-{path.stem}"))
    report = check(str(data), ruleset, engine=engine, ref_time=case.get("ref_time", DEFAULT_REF_TIME),
                   max_examples=None, metadata=case.get("metadata"))
    return case, report


@pytest.mark.parametrize("engine", _engines())
@pytest.mark.parametrize("case_path", CASE_FILES, ids=[f"{p.parent.name}/{p.stem}" for p in CASE_FILES])
def test_case(case_path: Path, engine: str, tmp_path: Path):
    case = _load_case(case_path)
    differs = (case.get("differences") or {}).get(engine)
    if differs:
        pytest.xfail(f"documented difference on {engine}: {differs}")
    case, report = run_case(case_path, engine, tmp_path)
    expect = case["expect"]
    s = report.summary
    assert s.records_total == s.records_checked + s.records_malformed
    for key in ("records_total", "records_checked", "records_malformed"):
        if key in expect:
            assert getattr(s, key) == expect[key], key
    if "quality" in expect:
        got = s.quality.to_dict()
        for key, want in expect["quality"].items():
            assert _close(got[key], want), (key, got[key], want)
    for rule_id, want in expect.get("rules", {}).items():
        result = report.rule(rule_id)
        assert result.violations == want["violations"], (rule_id, result.violations, result.examples)
        examples = result.examples
        if "failures" in want:
            assert result.failures == want["failures"], rule_id
        if "lines" in want:
            assert [v.line for v in examples] == want["lines"], rule_id
        if "fields" in want:
            assert [v.field for v in examples] == want["fields"], rule_id
        if "reasons" in want:
            assert [v.reason for v in examples] == want["reasons"], rule_id
        if "values" in want:
            got_values = [v.value for v in examples]
            assert len(got_values) == len(want["values"]) and all(
                _close(g, w) for g, w in zip(got_values, want["values"])), (rule_id, got_values)
        for example, fragment in zip(examples, want.get("messages_contain", [])):
            assert fragment in example.message, (rule_id, example.message)


def test_every_builtin_check_has_a_case():
    registry = get_plugin_manager().checks
    builtin = {spec.name for spec in registry if spec.plugin.startswith("rfsrules.")}
    covered = {p.parent.name for p in CASE_FILES}
    assert builtin - covered == set(), f"checks without conformance cases: {sorted(builtin - covered)}"


def test_every_engine_implements_or_declares_each_builtin_check():
    """An engine either runs a check (its own table or ``spec.engines``) or declares it unsupported."""
    import importlib

    manager = get_plugin_manager()
    tables = {"duckdb": "rfsrules.engines.duckdb_checks"}
    for engine in manager.engines:
        if engine == "python":
            continue
        table = getattr(importlib.import_module(tables[engine]), "BUILDERS", {}) if engine in tables else {}
        for spec in manager.checks:
            if not spec.plugin.startswith("rfsrules."):
                continue  # third-party checks may be Python-only; the engine refuses them before reading data
            implemented = spec.name in table or engine in spec.engines
            assert implemented or engine in spec.unsupported, (engine, spec.name)
