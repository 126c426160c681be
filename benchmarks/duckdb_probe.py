"""Micro-benchmarks that settled the DuckDB engine's reading design (raw lines vs read_json, engine vs hand SQL).

Usage::

    python benchmarks/duckdb_probe.py generate --rows 1000000          # benchmarks/data/probe-1m.jsonl
    python benchmarks/duckdb_probe.py read --rows 1000000              # reading variants, in-process
    python benchmarks/duckdb_probe.py compare --rows 1000000           # subprocess timings + peak RSS
    python benchmarks/duckdb_probe.py phases                           # the engine's phases, in-process
    python benchmarks/duckdb_probe.py operators                        # CPU seconds of each stage-1 operator

``compare`` runs each variant in its own process (whole-process wall time, median of 3 interleaved
runs, peak RSS of the child) so the numbers include interpreter start-up and imports, like a CLI run.
``phases`` and ``operators`` measure ``rfsrules check --engine duckdb`` on ``--data`` (default: the
benchmark's ``events-1m.jsonl`` with ``rulesets/pipeline-events.yaml``): wall seconds of each phase of
a run, and the CPU seconds DuckDB's profiler gives each operator of the stage-1 scan (the projection
layers: validation, extraction, kinds, strings and numbers, timestamps, rules); best of ``--repeats``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
REF_TIME = "2026-01-15T12:00:00Z"
REF = datetime(2026, 1, 15, 12, 0, 0, tzinfo=timezone.utc)

RAW_LINES = (
    "read_csv({path}, columns={{'raw': 'VARCHAR'}}, delim='\x01', quote='', escape='', header=false, "
    "auto_detect=false, strict_mode=true, new_line='\\n', store_rejects=true)"
)
"""How the engine reads JSON Lines (rfsrules.engines.duckdb_sources.raw_lines_sql): one raw line per row."""


def data_path(rows: int) -> Path:
    label = f"{rows // 1_000_000}m" if rows % 1_000_000 == 0 else f"{rows}"
    return DATA / f"probe-{label}.jsonl"


def generate(rows: int, out: Path, seed: int = 42, bad: float = 0.1) -> None:
    """Seed-like events (the seed's simulator) with ~``bad`` share of problems of several kinds."""
    rng = random.Random(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    sources = ["user_events", "transaction_logs", "system_metrics", "api_calls"]
    with out.open("w", encoding="utf-8") as fh:
        batch = 0
        for i in range(rows):
            if i % 300 == 0:
                batch += 1
                source = rng.choice(sources)
            ts = REF - timedelta(seconds=rng.randint(0, 1800))
            record = {
                "id": f"{source}_{batch}_{i}",
                "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z",
                "data": {"value": rng.randint(1, 1000), "status": "active"},
                "user_id": f"user_{rng.randint(1, 10000)}",
                "session_id": f"session_{rng.randint(1, 1000)}",
            }
            if rng.random() < bad:
                kind = rng.randint(0, 9)
                if kind == 0:
                    del record["timestamp"]
                elif kind == 1:
                    record["data"]["value"] = -999
                elif kind == 2:
                    record["data"]["value"] = str(record["data"]["value"])
                elif kind == 3:
                    record["id"] = f"{source}_{batch}_{max(0, i - rng.randint(1, 50))}"
                elif kind == 4:
                    record["id"] = f"{source.upper()}-{i}"
                elif kind == 5:
                    record["data"]["status"] = "pending"
                elif kind == 6:
                    record["timestamp"] = (REF - timedelta(hours=3)).isoformat()
                elif kind == 7:
                    record["user_id"] = None
                elif kind == 8:
                    record["data"]["value"] = True
                else:
                    fh.write('{"id": "broken", "data": \n')
                    continue
            fh.write(json.dumps(record, separators=(", ", ": ")) + "\n")


# --- in-process reading variants -----------------------------------------------------------------

def read_variants(path: Path) -> None:
    """Time reading variants in this process (threads = DuckDB default)."""
    import duckdb

    con = duckdb.connect()
    p = "'" + str(path) + "'"
    raw = RAW_LINES.format(path=p)
    variants = {
        "read_json count": f"select count(*) from read_json({p}, format='newline_delimited', ignore_errors=true)",
        "read_json 5 cols": f"select count(id), count(timestamp), count(data), count(user_id), count(session_id) "
                            f"from read_json({p}, format='newline_delimited', ignore_errors=true)",
        "raw lines count": f"select count(raw) from {raw}",
        "raw + row_number": f"select max(rn) from (select row_number() over () rn, raw from {raw})",
        "raw json_valid": f"select count_if(json_valid(raw)) from {raw}",
        "raw json_extract list (7 paths)": (
            f"select count(e[1]), count(e[7]) from (select case when json_valid(raw) then json_extract(raw, "
            f"['$.id','$.timestamp','$.data','$.data.value','$.data.status','$.user_id','$.session_id']) end e "
            f"from {raw})"),
        "raw json_type x7": (
            f"select count(json_type(raw,'$.id')), count(json_type(raw,'$.timestamp')), count(json_type(raw,'$.data')),"
            f"count(json_type(raw,'$.data.value')), count(json_type(raw,'$.data.status')),"
            f"count(json_type(raw,'$.user_id')), count(json_type(raw,'$.session_id')) from {raw} where json_valid(raw)"),
        "raw suspicious regex": (
            f"select count_if(regexp_matches(raw, '(?i)[:,\\[]\\s*-?(?:nan|inf)|,\\s*[}}\\]]|[eE]\\+?[0-9]{{3}}')) from {raw}"),
    }
    for name, sql in variants.items():
        t0 = time.perf_counter()
        out = con.sql(sql).fetchall()
        print(f"{name:40s} {time.perf_counter() - t0:7.3f}s  {out}")


# --- subprocess comparison -----------------------------------------------------------------------

HAND_SQL = """
import duckdb, sys
con = duckdb.connect()
p = sys.argv[1]
print(con.sql(f'''
select count(*) rows,
  count(*) - count(id) id_missing, count(*) - count("timestamp") ts_missing, count(*) - count(data) data_missing,
  count_if(try_cast(data.value as bigint) not between 1 and 1000) value_range,
  count(id) - count(distinct id) id_dup,
  count_if(try_cast("timestamp" as timestamptz) < timestamptz '{REF_TIME}' - interval 1 hour) stale,
  count_if(not regexp_matches(id, '^[a-z_]+_\\\\d+_\\\\d+$')) id_pattern,
  count_if(data.status not in ('active', 'inactive')) status_in,
  count_if(json_type(to_json(data.value)) not in ('BIGINT', 'UBIGINT')) value_type
from read_json('{p}', format='newline_delimited', ignore_errors=true,
  columns={{'id': 'VARCHAR', 'timestamp': 'VARCHAR', 'data': 'STRUCT(value JSON, status VARCHAR)',
           'user_id': 'VARCHAR', 'session_id': 'VARCHAR'}})
''').fetchall())
""".replace("{REF_TIME}", REF_TIME)

PLAIN_READ = """
import duckdb, sys
con = duckdb.connect()
print(con.sql(f"select count(*) from read_json('{sys.argv[1]}', format='newline_delimited', ignore_errors=true)").fetchall())
"""

CLI = ["-m", "rfsrules", "check", "--format", "json", "--quiet", "--fail-on", "none"]

SEVEN_RULES = """\
rfsrules: 1
name: seven-rules
version: 1.0.0
record_id: id
rules:
  - {id: required, check: required, fields: [id, timestamp, data]}
  - {id: value-range, check: range, field: data.value, min: 1, max: 1000}
  - {id: id-unique, check: unique, field: id}
  - {id: fresh, check: max_age, field: timestamp, max_age: 1h}
  - {id: id-pattern, check: pattern, field: id, pattern: '^[a-z_]+_\\d+_\\d+$'}
  - {id: status-in, check: in, field: data.status, values: [active, inactive]}
  - {id: value-int, check: type, field: data.value, type: integer}
"""


def run_child(args: list[str]) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds (user + system), peak RSS bytes and stdout of one child process."""
    code = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "dt = time.perf_counter() - t\n"
        "ru = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps([dt, ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024, p.stdout[-2000:],"
        " p.stderr[-2000:], p.returncode]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    dt, cpu, rss, stdout, stderr, rc = json.loads(out.stdout)
    if rc not in (0, 1):
        raise SystemExit(f"child failed ({rc}): {' '.join(args)}\n{stderr}")
    return dt, cpu, rss, stdout.strip()


def compare(path: Path, repeats: int = 3, engines: tuple[str, ...] = ("duckdb",), rules: str = "seven") -> dict:
    """Whole-process timings: plain DuckDB read, hand-written SQL and ``rfsrules check --engine E``.

    Runs are interleaved; the median wall time, the CPU time of that run and the peak RSS are reported.
    """
    if rules == "seven":
        ruleset = DATA / "seven-rules.yaml"
        ruleset.write_text(SEVEN_RULES, encoding="utf-8")
    else:
        ruleset = Path(rules)
    rows = sum(1 for _ in path.open("rb"))
    variants = {
        "plain read (read_json count)": [sys.executable, "-c", PLAIN_READ, str(path)],
        "hand-written DuckDB SQL": [sys.executable, "-c", HAND_SQL, str(path)],
    }
    for engine in filter(None, engines):
        variants[f"rfsrules check --engine {engine}"] = [
            sys.executable, *CLI, "--engine", engine, "--ref-time", REF_TIME, "-r", str(ruleset), str(path)]
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in variants}
    rss: dict[str, int] = {k: 0 for k in variants}
    for _ in range(repeats):
        for name, args in variants.items():
            dt, cpu, peak, _out = run_child(args)
            runs[name].append((dt, cpu))
            rss[name] = max(rss[name], peak)
    result = {}
    base = statistics.median(t for t, _ in runs["plain read (read_json count)"])
    hand = statistics.median(t for t, _ in runs["hand-written DuckDB SQL"])
    print(f"{rows:,} rows, {path.stat().st_size / 2**20:.0f} MiB, ruleset {ruleset.name}")
    for name in variants:
        med = statistics.median(t for t, _ in runs[name])
        cpu = min(c for t, c in runs[name] if t == med)
        result[name] = {"seconds": med, "cpu_seconds": cpu, "records_per_second": rows / med,
                        "peak_rss_mib": rss[name] / 2**20, "vs_plain_read": base / med, "vs_hand_sql": hand / med}
        print(f"{name:32s} {med:7.3f}s (cpu {cpu:6.2f}s) {rows / med:12,.0f} rec/s  peak RSS "
              f"{rss[name] / 2**20:7.1f} MiB  rate vs plain read {base / med:5.2f}x  vs hand SQL {hand / med:5.2f}x")
    return result


# --- the engine's own phases -----------------------------------------------------------------------

PHASES = ("scan_source", "decide_rows", "find_duplicates", "count_all", "batch_values")


def phases(data: Path, ruleset: Path, repeats: int) -> dict[str, float]:
    """Wall seconds of each phase of an in-process DuckDB-engine run (best of ``repeats``)."""
    import functools
    from datetime import datetime, timezone

    import rfsrules
    from rfsrules.engines import duckdb as engine

    spent: dict[str, float] = {}

    def timed(name, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - started
        return wrapper

    for name in PHASES:
        setattr(engine, name, timed(name, getattr(engine, name)))
    engine._ReportBuilder.build = timed("report (examples, metadata)", engine._ReportBuilder.build)
    best: dict[str, float] = {}
    ref = datetime.fromisoformat(REF_TIME.replace("Z", "+00:00")).astimezone(timezone.utc)
    for _ in range(repeats):
        spent.clear()
        started = time.perf_counter()
        rfsrules.check(str(data), ruleset=str(ruleset), engine="duckdb", ref_time=ref)
        spent["total (in process)"] = time.perf_counter() - started
        for name, seconds in spent.items():
            best[name] = min(best.get(name, seconds), seconds)
    best["other (load, plan, connect, files)"] = best["total (in process)"] - sum(
        v for k, v in best.items() if k != "total (in process)")
    for name, seconds in best.items():
        print(f"{name:36s} {seconds:7.3f} s")
    return best


def operators(data: Path, ruleset: Path, repeats: int) -> list[tuple[str, float]]:
    """CPU seconds DuckDB's profiler gives each operator of the stage-1 scan (best of ``repeats``)."""
    import tempfile
    from datetime import datetime, timezone

    import duckdb

    from rfsrules.checks.builtin import builtin_registry
    from rfsrules.engines.duckdb_plan import compile_plan, sql_context
    from rfsrules.engines.duckdb_sources import max_line_size_for, raw_lines_sql
    from rfsrules.ruleset.loader import load_ruleset

    rs = load_ruleset(str(ruleset))
    ref = datetime.fromisoformat(REF_TIME.replace("Z", "+00:00")).astimezone(timezone.utc)
    plan = compile_plan(rs, builtin_registry(), sql_context(rs, builtin_registry(), ref))
    limit = 16 * 1024 * 1024
    sql = plan.stage1_sql(raw_lines_sql(str(data), max_line_size=max_line_size_for(limit), rejects="rej"),
                          raw_lines=True, line_column=False, max_line_bytes=limit)
    con = duckdb.connect(config={"preserve_insertion_order": True, "memory_limit": "320MB"})
    con.execute("SET TimeZone = 'UTC'")
    out = Path(tempfile.mkdtemp()) / "profile.json"
    con.execute("PRAGMA enable_profiling = 'json'")
    con.execute(f"PRAGMA profiling_output = '{out}'")
    best: list[tuple[str, float]] | None = None
    for _ in range(repeats):
        con.execute(f"CREATE OR REPLACE TABLE scan AS {sql}").fetchall()
        rows: list[tuple[str, float]] = []

        def walk(node: dict, depth: int) -> None:
            info = node.get("extra_info", {}).get("Projections", "")
            label = ", ".join(info) if isinstance(info, list) else str(info)
            rows.append((f"{'  ' * depth}{node['name']} {label[:70]}", float(node.get("timing", 0.0))))
            for child in node.get("children", []):
                walk(child, depth + 1)

        for node in json.loads(out.read_text())["operator"]:
            walk(node, 0)
        best = rows if best is None else [(a, min(t, u)) for (a, t), (_, u) in zip(best, rows)]
    for label, seconds in best or []:
        print(f"{seconds:7.3f}  {label}")
    print(f"{sum(t for _, t in best or []):7.3f}  total CPU seconds")
    return best or []


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["generate", "read", "compare", "phases", "operators"])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--engines", default="duckdb", help="comma-separated rfsrules engines to time")
    parser.add_argument("--ruleset", default="seven", help="'seven' (the issue's seven rules) or a ruleset path")
    parser.add_argument("--data", default=str(DATA / "events-1m.jsonl"), help="phases/operators: JSON Lines file")
    parser.add_argument("--rules", default=str(HERE.parent / "rulesets" / "pipeline-events.yaml"),
                        help="phases/operators: the ruleset")
    args = parser.parse_args(argv)
    if args.command in ("phases", "operators"):
        run = phases if args.command == "phases" else operators
        run(Path(args.data), Path(args.rules), args.repeats)
        return
    path = data_path(args.rows)
    if args.command == "generate" or not path.exists():
        t0 = time.perf_counter()
        generate(args.rows, path)
        print(f"wrote {path} ({path.stat().st_size / 2**20:.1f} MiB) in {time.perf_counter() - t0:.1f}s")
    if args.command == "read":
        read_variants(path)
    elif args.command == "compare":
        compare(path, args.repeats, tuple(args.engines.split(",")), args.ruleset)


if __name__ == "__main__":
    main()
