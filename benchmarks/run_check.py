"""Benchmark ``rfsrules check`` against an orjson parse-only loop and a naive hand-written loop.

Each contender runs in its own process (whole-process wall time, so interpreter start-up and imports
count, as they do for a CLI run); the three contenders are interleaved and repeated, and the median is
reported. Peak RSS is the child's ``ru_maxrss`` from ``os.wait4`` (it includes the few MiB this small
parent process occupies when the child is forked). rfsrules' per-rule violation
counts are compared with the generator's ``<name>.expected.json``; a mismatch fails the run.

Usage::

    python benchmarks/run_check.py                      # 1M rows (generated on first use)
    python benchmarks/run_check.py --rows 100000 --repeat 3
    python benchmarks/run_check.py --data some.jsonl    # an existing generated file
"""

from __future__ import annotations

import argparse
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

from generate import REF_TIME, expected_path_for  # noqa: E402


def run_child(argv: list[str], stdout_path: Path) -> tuple[float, int, int]:
    """Run ``argv``; return (wall seconds, peak RSS bytes, exit code). Output goes to ``stdout_path``."""
    with open(stdout_path, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, cwd=ROOT,
                                env={**os.environ, "RFSRULES_NO_PLUGINS": "1", "COLUMNS": "120"})
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed with exit code {proc.returncode}:\n{stderr}")
    rss = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    return elapsed, rss, proc.returncode


def contenders(data: Path, ref_time: str) -> dict[str, list[str]]:
    py = sys.executable
    return {
        "orjson parse-only": [py, str(HERE / "parse_only.py"), str(data)],
        "naive loop": [py, str(HERE / "naive_loop.py"), str(data), ref_time],
        "rfsrules check": [py, "-m", "rfsrules", "check", str(data), "--ruleset", str(RULESET), "--format", "json",
                           "--ref-time", ref_time, "--quiet", "--output", "{report}"],
    }


def verify(report_path: Path, expected: dict) -> list[str]:
    """Differences between rfsrules' report and the generator's expectations (empty when they agree)."""
    report = json.loads(report_path.read_text(encoding="utf-8"))
    got = {r["id"]: r["violations"] for r in report["rules"]}
    problems = [f"{rule_id}: expected {want}, got {got.get(rule_id)}"
                for rule_id, want in expected["violations"].items() if got.get(rule_id) != want]
    summary = report["summary"]
    for key in ("records_total", "records_malformed", "records_checked"):
        if summary[key] != expected[key]:
            problems.append(f"{key}: expected {expected[key]}, got {summary[key]}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, help="an existing file written by generate.py")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    data = args.data
    if data is None:
        name = f"events-{args.rows // 1_000_000}m" if args.rows % 1_000_000 == 0 else f"events-{args.rows}"
        data = HERE / "data" / f"{name}.jsonl"
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
    times: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, list[int]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "report.json"
        for round_no in range(args.repeat):
            for name, argv in commands.items():
                argv = [a.replace("{report}", str(report_path)) for a in argv]
                elapsed, rss, _ = run_child(argv, Path(tmp) / "stdout")
                times[name].append(elapsed)
                peaks[name].append(rss)
                print(f"round {round_no + 1}: {name:18s} {elapsed:7.2f} s  {rss / 2**20:6.0f} MiB", flush=True)
                if name == "rfsrules check":
                    problems = verify(report_path, expected)
                    if problems:
                        print("rfsrules counts differ from the expectations:\n  " + "\n  ".join(problems))
                        return 1
                if name == "naive loop":
                    naive = json.loads((Path(tmp) / "stdout").read_text())["violations"]
                    off = {k: (v, naive.get(k, 0)) for k, v in expected["violations"].items() if naive.get(k, 0) != v}
                    if off:
                        print(f"note: naive loop counts differ (expected, got): {off}")
    base = statistics.median(times["orjson parse-only"])
    results = {"rows": rows, "data": str(data.relative_to(ROOT) if data.is_relative_to(ROOT) else data),
               "data_bytes": data.stat().st_size, "repeat": args.repeat, "python": platform.python_version(),
               "machine": f"{platform.machine()}, {os.cpu_count()} cpus", "contenders": {}}
    print(f"\n{rows:,} records, {data.stat().st_size / 2**20:.0f} MiB, median of {args.repeat} runs each")
    print(f"{'contender':20s} {'seconds':>8s} {'records/s':>11s} {'peak RSS':>9s} {'vs parse-only':>14s}")
    for name in commands:
        median = statistics.median(times[name])
        peak = max(peaks[name])
        results["contenders"][name] = {"seconds": round(median, 3), "records_per_second": round(rows / median),
                                       "peak_rss_bytes": peak, "ratio_to_parse_only": round(base / median, 3),
                                       "runs": [round(t, 3) for t in times[name]]}
        print(f"{name:20s} {median:8.2f} {rows / median:11,.0f} {peak / 2**20:6.0f} MiB {base / median:13.2f}x")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
