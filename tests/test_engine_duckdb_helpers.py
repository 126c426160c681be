"""Helpers for the DuckDB engine tests: run both engines on the same input and compare whole reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from rfsrules.ruleset.loader import load_ruleset_text
from rfsrules.runner import check

REF_TIME = "2026-01-15T12:00:00Z"
_VOLATILE = ("duration_seconds", "peak_memory_bytes", "engine")
_RESOURCE_BREACHES = ("processing_time_max", "memory_usage_max")


def ruleset(text: str, name: str = "duckdb-test"):
    """A Ruleset from the body of a YAML ruleset (the header lines are added)."""
    head = f"rfsrules: 1\nname: {name}\nversion: 1.0.0\n"
    return load_ruleset_text(head + text)


def _round_floats(value: Any, digits: int = 12) -> Any:
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    if isinstance(value, list):
        return [_round_floats(v, digits) for v in value]
    if isinstance(value, dict):
        return {k: _round_floats(v, digits) for k, v in value.items()}
    return value


def normalised(report) -> dict:
    """The report as a dict without what legitimately differs between engines (timings, memory, engine
    name). Floats are compared to 12 significant digits, a ``statistic``'s value to 9: sums and
    variances are accumulated in another order (docs/engines.md, Differences)."""
    data = report.to_dict()
    for key in _VOLATILE:
        data["summary"].pop(key, None)
    data["summary"]["thresholds_breached"] = [
        b for b in data["summary"]["thresholds_breached"] if b["name"] not in _RESOURCE_BREACHES]
    data = json.loads(json.dumps(data, default=str))
    for rule in data["rules"]:
        if rule["check"] == "statistic":
            rule["examples"] = _round_floats(rule["examples"], 9)
    return _round_floats(data)


def run_both(data: Any, rules, **kwargs) -> tuple[Any, Any]:
    """Run the python and duckdb engines on the same data; ``rules`` is a Ruleset or YAML body text."""
    rs = ruleset(rules) if isinstance(rules, str) else rules
    kwargs.setdefault("ref_time", REF_TIME)
    kwargs.setdefault("max_examples", None)
    if not isinstance(data, (str, Path, list, tuple)) or (isinstance(data, list) and data and isinstance(data[0], dict)):
        data = list(data)
    py = check(data, rs, engine="python", **kwargs)
    dd = check(data, rs, engine="duckdb", **kwargs)
    return py, dd


def diff(a: dict, b: dict) -> str:
    """A readable first difference between two normalised reports."""
    out = []
    for key in a["summary"]:
        if a["summary"][key] != b["summary"].get(key):
            out.append(f"summary.{key}: python={a['summary'][key]!r} duckdb={b['summary'].get(key)!r}")
    for ra, rb in zip(a["rules"] + a["metadata_rules"], b["rules"] + b["metadata_rules"]):
        if ra == rb:
            continue
        for key in ra:
            if ra[key] == rb[key]:
                continue
            if key == "examples":
                for i, (ea, eb) in enumerate(zip(ra[key], rb[key])):
                    if ea != eb:
                        out.append(f"rule {ra['id']} example {i}:\n  python={ea}\n  duckdb={eb}")
                        break
                if len(ra[key]) != len(rb[key]):
                    out.append(f"rule {ra['id']}: {len(ra[key])} examples vs {len(rb[key])}")
            else:
                out.append(f"rule {ra['id']}.{key}: python={ra[key]!r} duckdb={rb[key]!r}")
    return "\n".join(out) or "(no difference found by diff())"


def assert_same(data: Any, rules, **kwargs):
    """Both engines give identical reports; returns the DuckDB report."""
    py, dd = run_both(data, rules, **kwargs)
    a, b = normalised(py), normalised(dd)
    assert a == b, diff(a, b)
    assert dd.summary.engine == "duckdb"
    return dd


def write_lines(path: Path, lines: Iterable[str | bytes], newline: bytes = b"\n") -> Path:
    """Write raw lines (str as UTF-8, bytes as given), each followed by ``newline``."""
    with path.open("wb") as fh:
        for line in lines:
            fh.write((line.encode("utf-8") if isinstance(line, str) else line) + newline)
    return path


ALL_CHECKS_RULESET = """\
record_id: id
rules:
  - {id: req, check: required, fields: [id, data.value, "items[*].sku"]}
  - {id: req-null-ok, check: required, field: note, allow_null: true}
  - {id: nn, check: not_null, fields: [status, "items[*].qty"]}
  - {id: t-int, check: type, field: data.value, type: integer}
  - {id: t-num, check: type, field: amount, type: number}
  - {id: t-str, check: type, fields: [status, "items[*].sku"], type: string}
  - {id: t-union, check: type, field: id, type: [string, integer]}
  - {id: t-formats, check: type, field: ts, type: [timestamp, date]}
  - {id: t-uuid, check: type, field: uid, type: uuid}
  - {id: t-email, check: type, field: mail, type: email}
  - {id: t-obj, check: type, field: data, type: object}
  - {id: t-bool, check: type, field: flag, type: boolean}
  - {id: t-arr, check: type, field: items, type: array}
  - {id: rng, check: range, field: data.value, min: 1, max: 1000}
  - {id: rng-x, check: range, field: amount, min: 0, exclusive_min: true, max: 10.5}
  - {id: rng-star, check: range, field: "items[*].qty", min: 1}
  - {id: len, check: length, fields: [status, items], min: 1, max: 8}
  - {id: pat, check: pattern, field: id, pattern: '^[a-z]+_\\d+$'}
  - {id: pat-full, check: pattern, field: status, pattern: 'act', full_match: true}
  - {id: in, check: in, field: status, values: [active, inactive, 1, true]}
  - {id: not-in, check: not_in, field: data.value, values: [0, -999, "x"]}
  - {id: age, check: max_age, field: ts, max_age: 1h, max_future: 5m}
  - {id: uniq, check: unique, field: id}
  - {id: uniq-pair, check: unique, fields: [data.value, status]}
  - {id: uniq-star, check: unique, field: "items[*].sku"}
  - {id: schema, check: json_schema, field: data, schema: {type: object, required: [value]}}
  - {id: expr, check: expression, expr: "amount is null or amount < data.value"}
  - {id: expr-py, check: expression, expr: "lower(status) = 'active' or status is null"}
  - {id: where-range, check: range, field: amount, max: 5, where: "status = 'active'"}
  - {id: rows, check: row_count, min: 1, max: 1000}
  - {id: nulls, check: null_rate, field: note, max: 0.3}
  - {id: nulls-star, check: null_rate, field: "items[*].qty", max: 0.1, missing_as_null: false}
  - {id: dups, check: duplicate_rate, field: id, max: 0.05}
  - {id: dups-star, check: duplicate_rate, field: "items[*].sku", max: 0.05}
  - {id: mean, check: statistic, field: data.value, stat: mean, min: 10, max: 20}
  - {id: sd, check: statistic, field: amount, stat: stddev, max: 0.5}
  - {id: lo, check: statistic, field: data.value, stat: min, min: 0}
  - {id: hi, check: statistic, field: "items[*].qty", stat: max, max: 3}
  - {id: total, check: statistic, field: data.value, stat: sum, max: 100}
"""
"""A ruleset using every built-in check (several fields, ``[*]`` paths, ``where``, both expression paths)."""
