"""Renders the check reference (docs/checks.md) from the check declarations: ``python -m rfsrules.checks.docs``."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from ..paths import MISSING, parse_path
from ..units import DURATION_PATTERN
from .spec import CheckFailure, CheckRegistry, CheckSpec, CompileContext

DOCS_REF_TIME = datetime(2026, 1, 15, 12, 0, 0, tzinfo=timezone.utc)
"""The reference time the documented examples run with (so ``max_age`` examples stay reproducible)."""

RULE_KEYS = frozenset({
    "id", "check", "field", "fields", "severity", "dimension", "description", "message", "where",
    "enabled", "tags",
})
"""Keys of a rule mapping that are not check parameters."""

_FIELD_MODES = {
    "none": "none (the check reads no field)",
    "one": "exactly one, as `field:`",
    "many": "one or more, as `field:` or `fields: [...]`",
    "optional": "optional `field:`",
}


def rule_from_example(spec: CheckSpec):
    """The :class:`~rfsrules.ruleset.model.Rule` written in ``spec.example``, with parameter defaults applied."""
    from ruamel.yaml import YAML

    from ..ruleset.model import Rule, frozen_mapping

    data = YAML(typ="safe", pure=True).load(spec.example)
    if not isinstance(data, Mapping):
        raise ValueError(f"check {spec.name!r}: the example is not a rule mapping")
    fields = data.get("fields", [])
    if "field" in data:
        fields = [data["field"]]
    params = {name: schema["default"] for name, schema in spec.params.items()
              if isinstance(schema, Mapping) and "default" in schema}
    params.update({k: v for k, v in data.items() if k not in RULE_KEYS})
    return Rule(
        id=str(data.get("id", f"{spec.name}-example")),
        check=spec.name,
        level=spec.level,
        fields=tuple(parse_path(f) for f in fields),
        params=frozen_mapping(params),
        severity=str(data.get("severity", spec.default_severity)),
        dimension=data.get("dimension", spec.default_dimension),
    )


def example_records(spec: CheckSpec) -> list[Mapping[str, Any]]:
    """The documented example batch: ``preceding_records`` then ``failing_record``."""
    tail = [spec.failing_record] if spec.failing_record is not None else []
    return list(spec.preceding_records) + tail


def run_check(spec: CheckSpec, rule, records: Iterable[Mapping[str, Any]],
              ctx: CompileContext | None = None) -> list[tuple[int | None, CheckFailure]]:
    """Run ``spec``'s Python implementation of ``rule`` over ``records`` as one batch.

    Returns ``(line, failure)`` pairs in order; lines are 1-based, None for batch-level failures.
    Value checks get each present, non-null value, as the Python engine gives them.
    """
    impl = spec.python(rule, ctx or CompileContext(ref_time=DOCS_REF_TIME))
    out: list[tuple[int | None, CheckFailure]] = []
    count = 0
    for line, record in enumerate(records, start=1):
        count += 1
        if spec.level == "value":
            for path in rule.fields:
                for where, value in path.iter_values(record):
                    if value is MISSING or value is None:
                        continue
                    result = impl(value)
                    if result is not None:
                        out.append((line, CheckFailure(where, value, str(result[0]), result[1])))
        elif spec.level == "record":
            out.extend((line, f) for f in impl(record, line) or ())
        elif getattr(impl, "needs_records", True):
            impl.add(record)
    if spec.level == "batch":
        out.extend((None, f) for f in impl.finish(count) or ())
    return out


def run_example(spec: CheckSpec, ctx: CompileContext | None = None) -> list[tuple[int | None, CheckFailure]]:
    """The failures the example rule gives on the example batch (what the docs show)."""
    return run_check(spec, rule_from_example(spec), example_records(spec), ctx)


# --- rendering -------------------------------------------------------------------------------------

def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    text = str(text)
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def _json(value: Any) -> str:
    from ..results import json_safe

    return json.dumps(json_safe(value), ensure_ascii=False)


def schema_type_text(schema: Mapping[str, Any]) -> str:
    """A parameter's type as read by people: ``number``, ``one of mean, min``, ``duration or seconds``."""
    if not isinstance(schema, Mapping):
        return "any"
    if "enum" in schema:
        return "one of " + ", ".join(_code(v if isinstance(v, str) else _json(v)) for v in schema["enum"])
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return " or ".join(schema_type_text(alt) for alt in schema[key])
    if schema.get("pattern") == DURATION_PATTERN:
        return "duration (`30s`, `5m`, `1h30m`, `2d`) or seconds"
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
    texts = []
    for kind in kinds:
        if kind == "array" and isinstance(schema.get("items"), Mapping):
            texts.append(f"list of {schema_type_text(schema['items'])}")
        elif kind == "array":
            texts.append("list")
        else:
            texts.append(kind)
    text = " or ".join(texts) or "any"
    lo, hi = schema.get("minimum"), schema.get("maximum")
    if lo is not None and hi is not None:
        text += f", {lo}..{hi}"
    elif lo is not None:
        text += f", at least {lo}"
    elif hi is not None:
        text += f", at most {hi}"
    return text


def _params_table(spec: CheckSpec) -> list[str]:
    if not spec.params:
        return ["No parameters."]
    out = ["| parameter | type | required | default | description |", "|---|---|---|---|---|"]
    for name, schema in spec.params.items():
        default = _code(_json(schema["default"])) if isinstance(schema, Mapping) and "default" in schema else ""
        description = schema.get("description", "") if isinstance(schema, Mapping) else ""
        required = "yes" if name in spec.required else ""
        out.append(f"| `{name}` | {schema_type_text(schema)} | {required} | {default} | {_cell(description)} |")
    return out


def _failures_table(failures: list[tuple[int | None, CheckFailure]]) -> list[str]:
    out = ["| line | field | value | reason | message |", "|---|---|---|---|---|"]
    for line, f in failures:
        shown_line = "batch" if line is None else str(line)
        field = _code(f.field) if f.field else ""
        out.append(f"| {shown_line} | {field} | {_code(_json(f.value))} | `{f.reason}` | {_cell(f.message)} |")
    return out


def render_check_markdown(spec: CheckSpec, registry: CheckRegistry | None = None) -> str:
    """One check's reference section: what it checks, parameters, example, failing records, engines."""
    out = [f"## `{spec.name}`", "", spec.summary, ""]
    out.append(f"Level: {spec.level} · Fields: {_FIELD_MODES[spec.fields]} · Default severity: "
               f"{spec.default_severity} · Dimension: {spec.default_dimension}")
    if not spec.plugin.startswith("rfsrules.") and spec.plugin != "rfsrules":
        out[-1] += f" · Plugin: `{spec.plugin}`"
    out += ["", "### What it checks", "", spec.description.strip() or spec.summary, ""]
    out += ["### Parameters", "", *_params_table(spec), ""]
    if spec.example:
        out += ["### Example", "", "```yaml fragment", spec.example.strip("\n"), "```", ""]
    records = example_records(spec)
    if spec.example and records:
        out += ["### Failing example", ""]
        if len(records) == 1:
            out += ["The example rule on this record:", ""]
        else:
            out += ["The example rule on this batch:", ""]
        out += ["| line | record |", "|---|---|"]
        out += [f"| {n} | {_code(_json(record))} |" for n, record in enumerate(records, start=1)]
        out += ["", "gives:", "", *_failures_table(run_example(spec)), ""]
    out += ["### Engines", "", "- `python` (reference implementation)"]
    engines = set(spec.engines)
    from ..engines.duckdb_checks import BUILDERS  # the built-in checks' SQL (imports no duckdb)

    if spec.name in BUILDERS:  # a built-in name: plugins cannot register one
        engines.add("duckdb")
    out += [f"- `{name}`" for name in sorted(engines)]
    out += [f"- not on `{name}`: {_cell(reason)}" for name, reason in sorted(spec.unsupported.items())]
    return "\n".join(out) + "\n"


def render_checks_markdown(registry: CheckRegistry) -> str:
    """The whole check reference: an index, then one section per check in name order."""
    specs = list(registry)
    out = [
        "# Checks",
        "",
        "<!-- Generated from the check declarations by `python -m rfsrules.checks.docs > docs/checks.md`;"
        " do not edit by hand. -->",
        "",
        "Every check a rule can name with `check:`. Parameters sit in the rule mapping next to `id`, "
        "`check` and `field`. Value checks test each present, non-null value; missing and null values "
        "are the business of `required` and `not_null`. The failing examples below are produced by "
        "running each check's implementation, with the reference time "
        f"{DOCS_REF_TIME.isoformat().replace('+00:00', 'Z')}.",
        "",
        "| check | level | summary |",
        "|---|---|---|",
    ]
    out += [f"| [`{s.name}`](#{s.name}) | {s.level} | {_cell(s.summary)} |" for s in specs]
    out.append("")
    text = "\n".join(out) + "\n"
    return text + "\n".join(render_check_markdown(s, registry) for s in specs)


def main(argv: list[str] | None = None) -> int:
    """Print the built-in check reference (``python -m rfsrules.checks.docs > docs/checks.md``)."""
    from .builtin import builtin_registry

    text = render_checks_markdown(builtin_registry())
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
