"""Where the Python engine's time goes, in-process: reading+parsing, the engine's own dispatch, the checks.

Runs on one generated file (see generate.py) and reports CPU time per record (best of ``--repeat``) for:

* an orjson parse-only loop over the file;
* the engine with no rules (reading, splitting lines, parsing, accounting);
* the engine with every rule of rulesets/pipeline-events.yaml but each check replaced by a no-op of the
  same protocol (adds the engine's per-rule dispatch: field extraction, caches, calls, bookkeeping);
* the engine with the real checks (adds the work of the built-in check implementations).

Usage::

    python benchmarks/breakdown.py --data benchmarks/data/events-1m.jsonl --repeat 3
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import orjson

from rfsrules.checks.spec import CheckRegistry
from rfsrules.plugins.manager import default_registry
from rfsrules.ruleset.loader import load_ruleset
from rfsrules.runner import check

HERE = Path(__file__).resolve().parent
RULESET = HERE.parent / "rulesets" / "pipeline-events.yaml"


class _NoopAccumulator:
    needs_records = True

    def add(self, record) -> None:
        return None

    def merge(self, other):
        return self

    def finish(self, records_checked: int) -> list:
        return []


def _noop(spec):
    if spec.level == "value":
        return lambda rule, ctx: (lambda value: None)
    if spec.level == "record":
        return lambda rule, ctx: (lambda record, line: None)
    return lambda rule, ctx: _NoopAccumulator()


def _parse_only(path: Path) -> None:
    loads = orjson.loads
    with open(path, "rb") as fh:
        for line in fh:
            try:
                loads(line)
            except orjson.JSONDecodeError:
                pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE / "data" / "events-1m.jsonl")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    expected = json.loads(args.data.with_name(args.data.name.split(".")[0] + ".expected.json").read_text())
    rows, ref = expected["records_total"], expected["ref_time"]
    ruleset = load_ruleset(str(RULESET))
    noop = CheckRegistry([replace(spec, python=_noop(spec)) for spec in default_registry()])
    data = str(args.data)
    one = {"engine": "python", "jobs": 1, "ref_time": ref, "measure_resources": False}
    variants = {
        "orjson parse-only loop": lambda: _parse_only(args.data),
        "engine, no rules": lambda: check(data, replace(ruleset, rules=()), **one),
        "engine, no-op checks": lambda: check(data, ruleset, registry=noop, **one),
        "engine, real checks": lambda: check(data, ruleset, **one),
    }
    best: dict[str, float] = {}
    for _ in range(args.repeat):
        for name, run in variants.items():
            started = time.process_time()
            run()
            best[name] = min(best.get(name, float("inf")), time.process_time() - started)
    previous = 0.0
    print(f"{rows:,} records; CPU time per record, best of {args.repeat}")
    for name, seconds in best.items():
        per = seconds / rows * 1e9
        print(f"{name:25s} {per:7.0f} ns  (+{per - previous:5.0f})  {rows / seconds:11,.0f} records/s")
        previous = per


if __name__ == "__main__":
    main()
