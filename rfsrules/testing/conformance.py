"""Conformance checks for check declarations: what every CheckSpec (built-in or plugin) must satisfy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:  # pragma: no cover
    from ..checks.spec import CheckSpec
    from .runner import RulesetRunner


def check_spec_problems(spec: "CheckSpec", runner: "RulesetRunner | None" = None) -> list[str]:
    """Everything wrong with ``spec`` as a published check; an empty list means it conforms.

    Verified: a one-line summary; a valid Draft 2020-12 parameters schema whose ``required`` names
    are declared; an ``example`` rule using the check that loads without issues and runs on an empty
    batch without error; and, when ``failing_record`` is given, that the example flags it (status
    ``failed``, not ``error``), after ``preceding_records`` for checks that compare records.
    ``runner`` must have the check's plugin loaded (default: a runner on the process-wide plugins).
    """
    import jsonschema
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from ..errors import RulesetError
    from .runner import RulesetRunner

    runner = runner or RulesetRunner()
    where = f"check {spec.name!r}"
    problems: list[str] = []
    if not spec.summary.strip() or "\n" in spec.summary.strip():
        problems.append(f"{where}: summary must be one non-empty line")
    try:
        jsonschema.Draft202012Validator.check_schema(spec.params_schema())
    except jsonschema.SchemaError as exc:
        problems.append(f"{where}: params is not a valid JSON Schema: {exc.message}")
    undeclared = [r for r in spec.required if r not in spec.params]
    if undeclared:
        problems.append(f"{where}: required parameters {undeclared} are not declared in params")
    if not spec.example.strip():
        problems.append(f"{where}: has no example")
        return problems
    try:
        example: Any = YAML(typ="safe", pure=True).load(spec.example)
    except YAMLError as exc:
        problems.append(f"{where}: example is not valid YAML: {exc}")
        return problems
    if isinstance(example, list) and len(example) == 1:
        example = example[0]
    if not isinstance(example, dict) or example.get("check") != spec.name:
        problems.append(f"{where}: example must be one rule mapping with check: {spec.name}")
        return problems
    try:
        empty = runner.rule(example, [])
    except RulesetError as exc:
        problems.append(f"{where}: example does not load: {exc}")
        return problems
    if empty.status == "error":
        problems.append(f"{where}: example errors on an empty batch: {empty.error}")
    if spec.failing_record is not None:
        batch = [dict(r) for r in getattr(spec, "preceding_records", ())] + [dict(spec.failing_record)]
        result = runner.rule(example, batch)
        if result.status != "failed":
            detail = f" ({result.error})" if result.error else ""
            problems.append(f"{where}: example does not flag failing_record "
                            f"(status {result.status}{detail})")
    return problems


def assert_check_specs(specs: Iterable["CheckSpec"], runner: "RulesetRunner | None" = None) -> None:
    """Raise AssertionError listing every problem of every spec (see :func:`check_spec_problems`)."""
    problems = [p for spec in specs for p in check_spec_problems(spec, runner)]
    if problems:
        raise AssertionError("check declarations do not conform:\n" + "\n".join(problems))


__all__ = ["assert_check_specs", "check_spec_problems"]
