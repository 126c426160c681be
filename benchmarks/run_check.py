"""Benchmark ``rfsrules check`` (each engine, ``--jobs 2``, the default) against other ways to check the same data.

Every contender runs as a whole process (interpreter start-up and imports count, as for a CLI run),
after one untimed warm-up round (bytecode and page cache warm); contenders are interleaved and
repeated, and the median wall time is reported. Peak RSS is the child's ``ru_maxrss`` from
``os.wait4``; for multi-process contenders the resident sizes of the whole process tree are also
sampled every 20 ms and the larger figure is kept. Every contender's counts are compared with the
generator's ``<name>.expected.json`` (per rule, plus records total/malformed); an rfsrules mismatch
fails the run, another tool's mismatch is shown in the table.

Contenders: ``parse-only`` (orjson loop), ``duckdb-read`` (DuckDB parsing every line), ``naive``
(hand-written Python loop), ``fast-loop`` (the fastest hand-written pure-Python loop we know: the
floor for any Python implementation of these rules), ``duckdb-sql`` (hand-written SQL), ``polars`` (hand-written Polars),
``python``, ``python-j2``, ``duckdb`` (rfsrules engines) and ``default`` (``rfsrules check`` with no
engine option). Tools whose module is missing (``pip install -e '.[bench]'``) are skipped.

Usage::

    python benchmarks/run_check.py                          # 1M rows (generated on first use)
    python benchmarks/run_check.py --rows 200000 --repeat 3 --only python,python-j2,parse-only
    python benchmarks/run_check.py --data some.jsonl --json results.json
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RULESET = ROOT / "rulesets" / "pipeline-events.yaml"
sys.path.insert(0, str(HERE))

from generate import REF_TIME, data_path_for, expected_path_for  # noqa: E402

MULTI_PROCESS = {"python-j2", "default", "python"}


def contenders(data: Path, ref_time: str) -> dict[str, list[str]]:
    py = sys.executable
    check = [py, "-m", "rfsrules", "check", str(data), "--ruleset", str(RULESET), "--format", "json",
             "--ref-time", ref_time, "--quiet", "--output", "{report}"]
    return {
        "parse-only": [py, str(HERE / "parse_only.py"), str(data)],
        "duckdb-read": [py, str(HERE / "duckdb_sql.py"), "read", str(data)],
        "naive": [py, str(HERE / "naive_loop.py"), str(data), ref_time],
        "fast-loop": [py, str(HERE / "fast_loop.py"), str(data), ref_time],
        "duckdb-sql": [py, str(HERE / "duckdb_sql.py"), "check", str(data), ref_time],
        "polars": [py, str(HERE / "polars_check.py"), str(data), ref_time],
        "python": check + ["--engine", "python", "--jobs", "1"],
        "python-j2": check + ["--engine", "python", "--jobs", "2"],
        "duckdb": check + ["--engine", "duckdb"],
        "default": check,
    }


NEEDS = {"duckdb-read": "duckdb", "duckdb-sql": "duckdb", "polars": "polars", "duckdb": "duckdb"}


def _tree_rss(pid: int) -> int:
    try:
        import psutil

        proc = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [proc] + proc.children(recursive=True))
    except Exception:
        return 0


def run_child(argv: list[str], stdout_path: Path, env: dict, sample: bool) -> tuple[float, int]:
    """Run ``argv``; return (wall seconds, peak RSS bytes). Output goes to ``stdout_path``."""
    with open(stdout_path, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, cwd=ROOT, env=env)
        peak_tree = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG if sample else 0)
            if pid:
                break
            peak_tree = max(peak_tree, _tree_rss(proc.pid))
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed with exit code {code}:\n{stderr}")
    rss = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    return elapsed, max(rss, peak_tree)


def counts_of(name: str, stdout: Path, report: Path) -> dict | None:
    """``{"records_total", "records_malformed", "violations"}`` a contender reported (None: nothing to check)."""
    if name in ("parse-only", "duckdb-read"):
        return None
    if name in ("naive", "fast-loop", "duckdb-sql", "polars"):
        return json.loads(stdout.read_text(encoding="utf-8"))
    data = json.loads(report.read_text(encoding="utf-8"))
    summary = data["summary"]
    return {"records_total": summary["records_total"], "records_malformed": summary["records_malformed"],
            "violations": {r["id"]: r["violations"] for r in data["rules"]}, "engine": summary["engine"],
            "engine_reason": summary.get("engine_reason")}


def differences(got: dict, expected: dict) -> list[str]:
    """How ``got`` differs from the generator's expectations (empty when it agrees on every rule)."""
    problems = [f"{rule_id}: expected {want}, got {got['violations'].get(rule_id, 0)}"
                for rule_id, want in expected["violations"].items() if got["violations"].get(rule_id, 0) != want]
    for key in ("records_total", "records_malformed"):
        if key in got and got[key] != expected[key]:
            problems.append(f"{key}: expected {expected[key]}, got {got[key]}")
    return problems


def child_env() -> dict:
    env = {**os.environ, "RFSRULES_NO_PLUGINS": "1", "COLUMNS": "120",
           "PYTHONPYCACHEPREFIX": str(HERE / "data" / ".pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode compiled
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, help="an existing file written by generate.py")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", help="comma-separated contender names (default: all available)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    data = args.data or data_path_for(args.rows)
    if not data.exists() or not expected_path_for(data).exists():
        # in a child process: Linux counts a parent's memory at fork time in each child's ru_maxrss,
        # so this process must stay small while it measures
        print(f"generating {data} ...", flush=True)
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--rows", str(args.rows), "--seed", "42",
                        "--bad", "0.1", "--ref-time", REF_TIME, "--out", str(data)], check=True,
                       stdout=subprocess.DEVNULL)
    expected = json.loads(expected_path_for(data).read_text(encoding="utf-8"))
    rows = expected["records_total"]
    commands = contenders(data, expected["ref_time"])
    wanted = set(args.only.split(",")) if args.only else set(commands)
    commands = {name: argv for name, argv in commands.items() if name in wanted
                and (name not in NEEDS or importlib.util.find_spec(NEEDS[name]) is not None)}
    env = child_env()
    times: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, list[int]] = {name: [] for name in commands}
    exact: dict[str, str] = {}
    engines: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        report_path, stdout_path = Path(tmp) / "report.json", Path(tmp) / "stdout"
        for round_no in range(args.repeat + 1):  # round 0 warms up and verifies
            for name, argv in commands.items():
                argv = [a.replace("{report}", str(report_path)) for a in argv]
                elapsed, rss = run_child(argv, stdout_path, env, name in MULTI_PROCESS)
                if round_no == 0:
                    got = counts_of(name, stdout_path, report_path)
                    problems = [] if got is None else differences(got, expected)
                    exact[name] = "n/a" if got is None else ("yes" if not problems else f"NO ({len(problems)})")
                    if got is not None and "engine" in got:
                        engines[name] = f"{got['engine']} ({got['engine_reason']})"
                    if problems:
                        print(f"{name}: counts differ from the expectations:\n  " + "\n  ".join(problems))
                        if name in ("python", "python-j2", "duckdb", "default"):
                            return 1
                    print(f"warm-up: {name:12s} {elapsed:7.2f} s", flush=True)
                    continue
                times[name].append(elapsed)
                peaks[name].append(rss)
                print(f"round {round_no}: {name:12s} {elapsed:7.2f} s  {rss / 2**20:6.0f} MiB", flush=True)
    median = {name: statistics.median(t) for name, t in times.items()}
    base = median.get("parse-only")
    results = {"rows": rows, "data": str(data.relative_to(ROOT) if data.is_relative_to(ROOT) else data),
               "data_bytes": data.stat().st_size, "repeat": args.repeat, "python": platform.python_version(),
               "machine": f"{platform.machine()}, {os.cpu_count()} cpus", "contenders": {}}
    print(f"\n{rows:,} records, {data.stat().st_size / 2**20:.0f} MiB, median of {args.repeat} runs each")
    print(f"{'contender':12s} {'seconds':>8s} {'records/s':>11s} {'peak RSS':>9s} {'vs parse-only':>14s}  exact")
    for name in commands:
        peak = max(peaks[name])
        ratio = base / median[name] if base else None
        results["contenders"][name] = {
            "seconds": round(median[name], 3), "records_per_second": round(rows / median[name]),
            "peak_rss_bytes": peak, "ratio_to_parse_only": None if ratio is None else round(ratio, 3),
            "exact": exact[name], "runs": [round(t, 3) for t in times[name]], "engine": engines.get(name)}
        shown = "" if ratio is None else f"{ratio:13.2f}x"
        print(f"{name:12s} {median[name]:8.2f} {rows / median[name]:11,.0f} {peak / 2**20:6.0f} MiB {shown:>14s}"
              f"  {exact[name]}")
    for name, engine in engines.items():
        print(f"  {name}: engine {engine}")
    results["targets"] = targets(median, peaks, exact)
    for line in results["targets"]:
        print(line)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


def targets(median: dict, peaks: dict, exact: dict) -> list[str]:
    """The issue's targets, as ratios of this run (only those whose contenders ran)."""
    out = []

    def ratio(faster: str, slower: str) -> float | None:
        if faster in median and slower in median:
            return median[slower] / median[faster]
        return None

    checks = [
        ("duckdb engine vs hand-written DuckDB SQL (>= 1.0)", ratio("duckdb", "duckdb-sql"), 1.0),
        ("duckdb engine vs DuckDB reading the file (>= 0.75)", ratio("duckdb", "duckdb-read"), 0.75),
        ("python engine vs orjson parse-only (>= 0.5)", ratio("python", "parse-only"), 0.5),
        ("hand-written fast loop vs orjson parse-only (the floor; >= 0.5)", ratio("fast-loop", "parse-only"), 0.5),
        ("python engine vs hand-written fast loop (no target)", ratio("python", "fast-loop"), None),
        ("python --jobs 2 vs python (>= 1.7)", ratio("python-j2", "python"), 1.7),
    ]
    for label, value, goal in checks:
        if value is not None and goal is None:
            out.append(f"ratio: {label}: {value:.2f}")
        elif value is not None:
            out.append(f"target: {label}: {value:.2f} -> {'met' if value >= goal else 'missed'}")
    if "default" in median:
        rivals = {n: t for n, t in median.items() if n not in ("default", "parse-only", "duckdb-read", "fast-loop")}
        fastest = min(rivals, key=rivals.get) if rivals else None
        met = fastest is None or median["default"] <= rivals[fastest]
        out.append(f"target: default is the fastest exact tool: default {median['default']:.2f} s, fastest other "
                   f"{fastest} {rivals.get(fastest, 0):.2f} s -> {'met' if met and exact['default'] == 'yes' else 'missed'}")
    for name, values in peaks.items():
        out.append(f"memory: {name} peak {max(values) / 2**20:.0f} MiB")
    return out


if __name__ == "__main__":
    raise SystemExit(main())
